import type { Logger } from '../logger.ts';
import type { JobDefinition } from './job-definition.ts';
import type { JobQueue } from './job-queue.ts';

export type RecurringJob = { name: string; definition: JobDefinition<any>; payload: unknown; intervalMs: number };

/**
 * Recurring jobs kept in the database: each process ticks, and the conditional update of next_run_at
 * lets exactly one of them enqueue a due run; the unique key keeps a slow run from overlapping the next.
 */
export async function upsertSchedule(queue: JobQueue, job: RecurringJob, enabled = true): Promise<void> {
  const now = queue.clock.now();
  const existing = await queue.db.selectFrom('job_schedules').selectAll().where('name', '=', job.name).executeTakeFirst();
  if (!existing) {
    await queue.db.insertInto('job_schedules').values({
      name: job.name, kind: job.definition.kind, payload: JSON.stringify(job.payload), interval_ms: job.intervalMs,
      next_run_at: new Date(now.getTime() + job.intervalMs).toISOString(), enabled: enabled ? 1 : 0,
    }).onConflict((oc) => oc.column('name').doNothing()).execute();
    return;
  }
  const changed = existing.interval_ms !== job.intervalMs;
  await queue.db.updateTable('job_schedules').set({
    kind: job.definition.kind, payload: JSON.stringify(job.payload), interval_ms: job.intervalMs, enabled: enabled ? 1 : 0,
    ...(changed ? { next_run_at: new Date(now.getTime() + job.intervalMs).toISOString() } : {}),
  }).where('name', '=', job.name).execute();
}

export async function runDueSchedules(queue: JobQueue, logger: Logger): Promise<number> {
  const now = queue.clock.now();
  const due = await queue.db.selectFrom('job_schedules').selectAll()
    .where('enabled', '=', 1).where('next_run_at', '<=', now.toISOString()).execute();
  let enqueued = 0;
  for (const s of due) {
    const taken = await queue.db.updateTable('job_schedules')
      .set({ next_run_at: new Date(now.getTime() + s.interval_ms).toISOString() })
      .where('name', '=', s.name).where('next_run_at', '=', s.next_run_at).executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) continue;
    const def = queue.definition(s.kind);
    if (!def) {
      logger.warn({ schedule: s.name, kind: s.kind }, 'schedule names an unknown job kind');
      continue;
    }
    await queue.enqueue(def, JSON.parse(s.payload), { uniqueKey: `schedule:${s.name}` });
    enqueued++;
  }
  return enqueued;
}

export function startScheduler(queue: JobQueue, logger: Logger, everyMs = 1000): { stop(): void } {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    runDueSchedules(queue, logger)
      .catch((err) => logger.error({ err }, 'scheduler tick failed'))
      .finally(() => (busy = false));
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
