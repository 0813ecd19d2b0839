import type { z } from 'zod';
import type { Executor } from '../db/database.ts';
import type { Logger } from '../logger.ts';

export type JobContext = {
  jobId: number;
  attempt: number;
  logger: Logger;
  /** Records progress readable at GET /api/jobs/:id. */
  progress(done: number, total?: number | null): Promise<void>;
  /**
   * Marks this job failed inside the handler's own transaction, so what the handler records about
   * the failure and the job's state commit together: whoever reads the one sees the other, and a
   * job queued again under the same unique key right after is not taken for this one. The handler
   * still throws (a PermanentJobError) for the worker to log and count it.
   */
  failIn(trx: Executor, error: string): Promise<void>;
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
