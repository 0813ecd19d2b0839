import crypto from 'node:crypto';
import type { Database, Dialect, Executor } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { ValidationError } from '../errors.ts';
import type { JobDefinition } from './job-definition.ts';
import { insertJob } from './job.repository.ts';

export type EnqueueOptions = {
  /** While a job with this key is queued or running, enqueueing again returns that job. */
  uniqueKey?: string;
  runAt?: Date;
  maxAttempts?: number;
};

export type Clock = { now(): Date };
export const systemClock: Clock = { now: () => new Date() };

export type JobQueue = {
  readonly db: Database;
  readonly dialect: Dialect;
  readonly workerId: string;
  readonly clock: Clock;
  register(definition: JobDefinition<any>): void;
  definition(kind: string): JobDefinition<any> | undefined;
  kinds(): string[];
  /** Pass a transaction to make the job commit or roll back with the data change it belongs to. */
  enqueue<P>(definition: JobDefinition<P>, payload: P, options?: EnqueueOptions, exec?: Executor): Promise<{ id: number; created: boolean }>;
  /** Wakes the local workers (call after a commit that enqueued work). */
  wake(): void;
  onWake(listener: () => void): () => void;
};

export function createJobQueue(args: { db: Database; dialect: Dialect; logger: Logger; clock?: Clock }): JobQueue {
  const definitions = new Map<string, JobDefinition<any>>();
  const listeners = new Set<() => void>();
  const clock = args.clock ?? systemClock;
  return {
    db: args.db,
    dialect: args.dialect,
    workerId: `${process.pid}-${crypto.randomBytes(4).toString('hex')}`,
    clock,
    register(definition) {
      if (definitions.has(definition.kind)) throw new Error(`job kind ${definition.kind} registered twice`);
      definitions.set(definition.kind, definition);
    },
    definition: (kind) => definitions.get(kind),
    kinds: () => [...definitions.keys()],
    async enqueue(definition, payload, options = {}, exec) {
      const parsed = definition.payload.safeParse(payload);
      if (!parsed.success) throw new ValidationError(`Invalid payload for job ${definition.kind}`, parsed.error.issues);
      const now = clock.now();
      const result = await insertJob(exec ?? args.db, {
        kind: definition.kind,
        payload: parsed.data,
        uniqueKey: options.uniqueKey,
        runAt: (options.runAt ?? now).toISOString(),
        maxAttempts: options.maxAttempts ?? definition.maxAttempts ?? 8,
        now: now.toISOString(),
      });
      if (!exec || exec === args.db) for (const l of listeners) l();
      return result;
    },
    wake() {
      for (const l of listeners) l();
    },
    onWake(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Full-jitter exponential backoff: a random delay up to base·2^(attempt-1), capped. */
export function backoffDelay(attempt: number, policy: { baseMs: number; maxMs: number }, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(policy.baseMs / 2 + random() * (ceiling - policy.baseMs / 2));
}
