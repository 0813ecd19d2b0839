import type { z } from 'zod';
import type { Logger } from '../logger.ts';

export type JobContext = {
  jobId: number;
  attempt: number;
  logger: Logger;
  /** Records progress readable at GET /api/jobs/:id. */
  progress(done: number, total?: number | null): Promise<void>;
};

/** A kind of durable job: a name, a payload schema, a retry policy and a handler. */
export type JobDefinition<P = unknown> = {
  kind: string;
  payload: z.ZodType<P>;
  /** Attempts before the job is marked failed (default 8). */
  maxAttempts?: number;
  /** Exponential backoff with full jitter between attempts. */
  backoff?: { baseMs: number; maxMs: number };
  /** How long a claim lasts before another worker may take the job again (renewed while running). */
  leaseMs?: number;
  run(payload: P, ctx: JobContext): Promise<unknown>;
};

export function defineJob<P>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

/** Thrown by a handler when another attempt cannot help. */
export class PermanentJobError extends Error {}

/** Thrown by a handler to be run again after a given delay (e.g. a Retry-After). */
export class RetryJobLater extends Error {
  constructor(message: string, readonly delayMs: number) {
    super(message);
  }
}
