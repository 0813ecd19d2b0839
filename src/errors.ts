/** The one error vocabulary: each error has a stable machine code and an HTTP status. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** What an error says, whatever was thrown. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A field at fault and what is wrong with it; `field` is a dotted path such as `body.actions.0.type`. */
export type FieldProblem = { field: string; message: string };

/** How an error's message names the fields its details list: "a: …; b.c: …". */
export const describeFields = (problems: readonly FieldProblem[]) => problems.map((p) => `${p.field}: ${p.message}`).join('; ');

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super('validation_failed', message, 400, details);
  }

  /** The fields at fault, named in the message and listed in the details. */
  static forFields(problems: FieldProblem[]): ValidationError {
    return new ValidationError(describeFields(problems), problems);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Sign in first, or send an API token as "Authorization: Bearer <token>".') {
    super('unauthorized', message, 401);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this; ask an administrator.') {
    super('forbidden', message, 403);
  }
}
export class NotFoundError extends AppError {
  constructor(what: string, id?: string | number) {
    super('not_found', id === undefined ? `${what} not found` : `${what} ${id} not found`, 404);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, 409, details);
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super('payload_too_large', message, 413);
  }
}
export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super('unsupported_media_type', message, 415);
  }
}
export class UnprocessableError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 422, details);
  }

  /** The fields at fault, named in the message and listed in the details. */
  static forFields(code: string, problems: FieldProblem[]): UnprocessableError {
    return new UnprocessableError(code, describeFields(problems), problems.map(({ field, message }) => ({ field, message })));
  }
}
export class RateLimitedError extends AppError {
  constructor(message: string, readonly retryAfterSeconds?: number) {
    super('rate_limited', message, 429);
  }
}
export class UnavailableError extends AppError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 503, details);
  }
}
