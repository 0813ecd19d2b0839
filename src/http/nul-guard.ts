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
 * JSON bodies may not carry NUL in text: PostgreSQL cannot store it and SQLite would, so it is
 * refused alike on both, naming the field. Raw bodies (mail uploads, webhooks) are not JSON here.
 */
export async function refuseNulInJson(request: FastifyRequest) {
  if (request.body === null || typeof request.body !== 'object' || Buffer.isBuffer(request.body)) return;
  const at = nulPath(request.body, 'body', { left: 10_000 });
  if (at) throw new ValidationError(`${at}: text must not contain NUL characters (\\u0000)`);
}
