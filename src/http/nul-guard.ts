import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';

/** Path of the first string holding NUL in a parsed JSON body, or null; looks at most `budget` values. */
function nulPath(value: unknown, path: string, budget: { left: number }): string | null {
  if (--budget.left < 0) return null;
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const p = nulPath(v, `${path}.${i}`, budget);
      if (p) return p;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = nulPath(v, `${path}.${k}`, budget);
      if (p) return p;
    }
  }
  return null;
}

/**
 * JSON bodies, query strings and path parameters may not carry NUL in text: PostgreSQL cannot store
 * or compare it and SQLite would, so it is refused alike on both, naming the field. Raw bodies (mail
 * uploads, webhooks) are not JSON here.
 */
export async function refuseNul(request: FastifyRequest) {
  const budget = { left: 10_000 };
  const at = nulPath(request.query, 'querystring', budget) ?? nulPath(request.params, 'params', budget)
    ?? (request.body !== null && typeof request.body === 'object' && !Buffer.isBuffer(request.body) ? nulPath(request.body, 'body', budget) : null);
  if (at) throw new ValidationError(`${at}: text must not contain NUL characters (\\u0000)`);
}
