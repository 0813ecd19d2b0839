import type { Executor } from '../../../db/database.ts';

/** When the scheduler next enqueues the recurring import (job_schedules belongs to the scheduler; this only reads it). */
export const nextScheduledRun = async (db: Executor, name: string): Promise<string | null> =>
  (await db.selectFrom('job_schedules').select('next_run_at').where('name', '=', name).executeTakeFirst())?.next_run_at ?? null;
