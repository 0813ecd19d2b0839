import { sql, type Selectable } from 'kysely';
import type { Dialect, Executor } from '../db/database.ts';
import type { JobsTable } from '../db/schema.ts';

export type JobRow = Selectable<JobsTable>;

export type NewJob = {
  kind: string; payload: unknown; uniqueKey?: string | null; runAt: string; maxAttempts: number; now: string;
};

const LIVE_STATES = ['queued', 'running'] as const;

export async function insertJob(db: Executor, job: NewJob): Promise<{ id: number; created: boolean }> {
  const inserted = await db
    .insertInto('jobs')
    .values({
      kind: job.kind, payload: JSON.stringify(job.payload), unique_key: job.uniqueKey ?? null, state: 'queued',
      run_at: job.runAt, attempts: 0, max_attempts: job.maxAttempts, progress_done: 0,
      created_at: job.now, updated_at: job.now,
    })
    // The predicate must be literal to match the partial unique index on both databases.
    .onConflict((oc) => oc.column('unique_key').where(sql<boolean>`state in ('queued', 'running')`).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await db
    .selectFrom('jobs').select('id')
    .where('unique_key', '=', job.uniqueKey ?? '').where('state', 'in', LIVE_STATES)
    .executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

/** Takes due jobs and jobs whose lease lapsed; on PostgreSQL rows locked by another process are skipped. */
export async function claimJobs(
  db: Executor, dialect: Dialect, opts: { now: string; leaseUntil: string; workerId: string; limit: number; kinds: string[] },
): Promise<JobRow[]> {
  if (opts.kinds.length === 0) return [];
  const due = db
    .selectFrom('jobs').select('id')
    .where('kind', 'in', opts.kinds)
    .where((eb) => eb.or([
      eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', opts.now)]),
      eb.and([eb('state', '=', 'running'), eb('lease_until', '<', opts.now)]),
    ]))
    .orderBy('run_at').orderBy('id')
    .limit(opts.limit)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked());
  return db
    .updateTable('jobs')
    .set((eb) => ({
      state: 'running', attempts: eb('attempts', '+', 1), lease_until: opts.leaseUntil,
      locked_by: opts.workerId, updated_at: opts.now,
    }))
    .where('id', 'in', due)
    .returningAll()
    .execute();
}

export async function renewLease(db: Executor, id: number, workerId: string, leaseUntil: string): Promise<void> {
  await db.updateTable('jobs').set({ lease_until: leaseUntil })
    .where('id', '=', id).where('locked_by', '=', workerId).where('state', '=', 'running').execute();
}

export async function markDone(db: Executor, id: number, workerId: string, result: unknown, now: string): Promise<void> {
  await db.updateTable('jobs')
    .set({
      state: 'done', result: result === undefined ? null : JSON.stringify(result), lease_until: null,
      last_error: null, updated_at: now, finished_at: now,
    })
    .where('id', '=', id).where('locked_by', '=', workerId).where('state', '=', 'running')
    .execute();
}

export async function markFailed(db: Executor, id: number, workerId: string, error: string, now: string): Promise<void> {
  await db.updateTable('jobs')
    .set({ state: 'failed', last_error: error, lease_until: null, updated_at: now, finished_at: now })
    .where('id', '=', id).where('locked_by', '=', workerId).where('state', '=', 'running')
    .execute();
}

export async function reschedule(
  db: Executor, id: number, workerId: string, error: string, runAt: string, now: string, refundAttempt = false,
): Promise<void> {
  await db.updateTable('jobs')
    .set((eb) => ({
      state: 'queued', last_error: error, run_at: runAt, lease_until: null, locked_by: null, updated_at: now,
      ...(refundAttempt ? { attempts: eb('attempts', '-', 1) } : {}),
    }))
    .where('id', '=', id).where('locked_by', '=', workerId).where('state', '=', 'running')
    .execute();
}

export async function setProgress(db: Executor, id: number, done: number, total: number | null | undefined, now: string) {
  await db.updateTable('jobs')
    .set({ progress_done: done, ...(total === undefined ? {} : { progress_total: total }), updated_at: now })
    .where('id', '=', id).execute();
}

export async function findJob(db: Executor, id: number): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listJobs(
  db: Executor, f: { kind?: string; state?: JobRow['state']; beforeId?: number; limit: number },
): Promise<JobRow[]> {
  return db.selectFrom('jobs').selectAll()
    .$if(!!f.kind, (qb) => qb.where('kind', '=', f.kind!))
    .$if(!!f.state, (qb) => qb.where('state', '=', f.state!))
    .$if(f.beforeId !== undefined, (qb) => qb.where('id', '<', f.beforeId!))
    .orderBy('id', 'desc').limit(f.limit).execute();
}

/** Puts a failed job back in the queue for one more round of attempts. */
export async function requeueFailed(db: Executor, id: number, now: string): Promise<boolean> {
  const r = await db.updateTable('jobs')
    .set({ state: 'queued', run_at: now, attempts: 0, finished_at: null, updated_at: now })
    .where('id', '=', id).where('state', '=', 'failed').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
