import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { ValidationError } from '../errors.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Keys of a JSON body that validation dropped: zod objects strip what they do not know, so a key in
 * the input but not in the parsed value is one no schema named (a typo such as `polices`).
 */
export function droppedKeys(input: unknown, output: unknown, path: string[] = []): string[] {
  if (Array.isArray(input) && Array.isArray(output) && input.length === output.length) {
    return input.flatMap((v, i) => droppedKeys(v, output[i], [...path, String(i)]));
  }
  if (!isRecord(input) || !isRecord(output)) return [];
  return Object.keys(input).flatMap((k) => (k in output ? droppedKeys(input[k], output[k], [...path, k]) : [[...path, k].join('.')]));
}

/**
 * The zod validator, and for request bodies a 400 naming every field no schema knows, at any depth:
 * a write that answered 200 while ignoring a misspelt field would look saved when nothing changed.
 */
export const strictBodyValidatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const validate = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
  if (route.httpPart !== 'body') return validate;
  return (data: unknown) => {
    const result = validate(data) as { value?: unknown; error?: Error };
    // A body that is JSON but not an object (null, a list, a string): said plainly rather than in
    // zod's terms. (A request without a body also arrives as null, and passes where a body is optional.)
    if (result.error && data !== undefined && !isRecord(data)) {
      const got = data === null ? 'null' : Array.isArray(data) ? 'a list' : `a ${typeof data}`;
      return { error: ValidationError.forFields([{ field: 'body', message: `a JSON object is required, not ${got}` }]) };
    }
    if (result.error) return result;
    const unknown = droppedKeys(data, result.value);
    if (!unknown.length) return result;
    const details = unknown.map((field) => ({ field: `body.${field}`, message: 'Unrecognized key' }));
    return { error: ValidationError.forFields(details) };
  };
};

/**
 * A route that takes no body (queue a reconciliation, retry a resolve) refuses a JSON object with
 * fields rather than ignoring them, as a route with a body schema does; `{}` and no body are fine.
 */
export async function refuseBodyWithoutSchema(request: FastifyRequest) {
  const body = request.body;
  // A string or bytes is a raw body a route reads itself (a webhook, a mail upload).
  if (request.routeOptions.schema?.body || body === undefined || body === null || typeof body === 'string' || Buffer.isBuffer(body)) return;
  if (!isRecord(body)) throw ValidationError.forFields([{ field: 'body', message: 'this request takes no body' }]);
  const keys = Object.keys(body);
  if (!keys.length) return;
  const details = keys.map((k) => ({ field: `body.${k}`, message: 'Unrecognized key: this request takes no body' }));
  throw ValidationError.forFields(details);
}
