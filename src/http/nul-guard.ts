import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';

/** JSON nested deeper than this is refused: no request of the API needs it, and walking it would exhaust the stack. */
const MAX_DEPTH = 64;

/** Thrown from deep inside the walk; `root` is the request part it is in (body, querystring, params). */
class TooDeep extends Error {
  constructor(readonly root: string) {
    super(`${root}: nested more than ${MAX_DEPTH} levels deep`);
  }
}

/** Path of the first string holding NUL in parsed JSON, or null; looks at most `budget` values. */
function nulPath(value: unknown, path: string, budget: { left: number }, depth = 0): string | null {
  if (--budget.left < 0) return null;
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (depth > MAX_DEPTH) throw new TooDeep(path.split('.')[0]!);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const p = nulPath(v, `${path}.${i}`, budget, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = nulPath(v, `${path}.${k}`, budget, depth + 1);
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
  let at: string | null;
  try {
    at = nulPath(request.query, 'querystring', budget) ?? nulPath(request.params, 'params', budget)
      ?? (request.body !== null && typeof request.body === 'object' && !Buffer.isBuffer(request.body) ? nulPath(request.body, 'body', budget) : null);
  } catch (err) {
    if (!(err instanceof TooDeep)) throw err;
    throw ValidationError.forFields([{ field: err.root, message: `nested more than ${MAX_DEPTH} levels deep` }]);
  }
  if (at) throw new ValidationError(`${at}: text must not contain NUL characters (\\u0000)`);
}
