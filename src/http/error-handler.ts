import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { AppError, describeFields } from '../errors.ts';

type Body = { error: { code: string; message: string; details?: unknown } };

const send = (reply: FastifyReply, status: number, body: Body) => reply.status(status).send(body);

/** The one place errors become `{ error: { code, message } }`; only real faults answer 500. */
export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    if (err.status === 429 && 'retryAfterSeconds' in err && err.retryAfterSeconds) reply.header('retry-after', String(err.retryAfterSeconds));
    return send(reply, err.status, { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } });
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({
      field: [err.validationContext, ...String(v.instancePath ?? '').split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'invalid',
    }));
    const message = describeFields(issues);
    return send(reply, 400, { error: { code: 'validation_failed', message, details: issues } });
  }
  if (err instanceof ZodError) {
    const issues = err.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    return send(reply, 400, { error: { code: 'validation_failed', message: describeFields(issues), details: issues } });
  }
  const code = (err as { code?: string }).code ?? '';
  const dbMessage = String(err.message ?? '');
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') {
    return send(reply, 409, { error: { code: 'conflict', message: 'That would duplicate an existing record' } });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return send(reply, 409, { error: { code: 'conflict', message: 'That refers to a record that does not exist or is still in use' } });
  }
  // PostgreSQL refuses NUL in text ("invalid byte sequence … 0x00") and in JSON ("unsupported Unicode escape").
  if (code === '22021' || code === '22P05') {
    return send(reply, 400, { error: { code: 'validation_failed', message: 'Text must not contain NUL characters (\\u0000)' } });
  }
  // PostgreSQL: a number too large for its column ("out of range for type integer"); ids are checked
  // against that bound where they come in, this is the net for any other number.
  if (code === '22003') {
    return send(reply, 400, { error: { code: 'validation_failed', message: 'A number in the request is out of range' } });
  }
  if (err.statusCode === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return send(reply, 413, { error: { code: 'payload_too_large', message: 'The request body is larger than allowed' } });
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return send(reply, 415, { error: { code: 'unsupported_media_type', message: dbMessage } });
  }
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return send(reply, 400, { error: { code: 'invalid_json', message: 'body: not valid JSON (keys named __proto__, or constructor holding prototype, are refused as well)' } });
  }
  const framework = frameworkError(code, dbMessage);
  if (framework) return send(reply, framework.status, { error: framework.error });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return send(reply, err.statusCode, { error: { code: code && !code.startsWith('FST_') ? code.toLowerCase() : 'bad_request', message: dbMessage } });
  }
  // A request still being handled when the process stops and closes the database (its client may be
  // gone already): not a fault, and the client, if still there, may try again elsewhere.
  if (dbMessage === 'driver has already been destroyed') {
    return send(reply, 503, { error: { code: 'shutting_down', message: 'Relaydesk is shutting down; try again in a moment' } });
  }
  request.log.error({ err }, 'unhandled error');
  return send(reply, 500, { error: { code: 'internal', message: 'Something went wrong on our side; the error was logged' } });
}

/** Errors the router raises before any route runs (see `frameworkErrors` in app.ts). */
function frameworkError(code: string, message: string): { status: number; error: Body['error'] } | null {
  if (code === 'FST_ERR_BAD_URL') return { status: 400, error: { code: 'bad_url', message: 'The URL is not valid: it has a broken percent-escape' } };
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return { status: 414, error: { code: 'uri_too_long', message: 'A part of the URL path is longer than 100 characters' } };
  }
  if (code.startsWith('FST_ERR_')) return { status: 400, error: { code: 'bad_request', message } };
  return null;
}

/** For Fastify's `frameworkErrors`: the router's own errors in the same shape as every other. */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const mapped = frameworkError(err.code, err.message) ?? { status: 400, error: { code: 'bad_request', message: err.message } };
  return send(reply, mapped.status, { error: mapped.error });
}

/**
 * For Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before Fastify sees a request
 * (headers or URL over 16 KB, a malformed request line, a client too slow to send), answered in the
 * same shape as every other error.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'request_too_large', 'The URL and headers of the request are larger than allowed (16 KB)']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout', 'The request was not received in time']
      : [400, 'bad_request', 'The request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${code.replace(/_/g, ' ')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
