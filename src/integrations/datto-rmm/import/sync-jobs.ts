import { AppError } from '../../../errors.ts';
import { PermanentJobError, RetryJobLater, type JobContext } from '../../../jobs/job-definition.ts';
import { isDattoApiError, type DattoClient } from '../client/index.ts';
import type { DattoContext } from '../module-part.ts';
import type { DattoSettings } from '../settings.ts';

export type SyncWhat = 'sites' | 'devices';

export const syncKinds: Record<SyncWhat, string> = { sites: 'datto-rmm.sync-sites', devices: 'datto-rmm.sync-devices' };

/** Name of the recurring sites import in job_schedules. */
export const sitesScheduleName = 'datto-rmm.sync-sites';

/**
 * The scheduler enqueues with the key `schedule:<name>`; runs started by hand use the
 * same key, so a scheduled and a manual sync of one kind never run side by side.
 */
export const syncUniqueKey = (what: SyncWhat) => `schedule:datto-rmm.sync-${what}`;

const progressEveryMs = 250;

const nouns: Record<SyncWhat, string> = { sites: 'sites', devices: 'devices' };

/**
 * Runs one import with the saved settings and a configured client, turning what
 * stops it into a job outcome: Datto's own explanation plus how far the run got.
 * Limits and IP blocks wait and run again; everything else Datto says fails the run,
 * which the next run resumes (every page written so far is committed).
 */
export async function runSync<R>(
  ctx: DattoContext, what: SyncWhat, job: JobContext,
  work: (client: DattoClient, settings: DattoSettings, progress: JobContext['progress']) => Promise<R>,
): Promise<R> {
  const { settings, enabled } = await ctx.settings.load();
  if (!enabled) throw new PermanentJobError('The Datto RMM integration is turned off; turn it on to import.');
  let client: DattoClient;
  try {
    client = await ctx.settings.client();
  } catch (err) {
    throw new PermanentJobError((err as Error).message);
  }
  let done = 0;
  let total: number | null | undefined = null;
  let written = { at: 0, done: -1 };
  const flush = async () => {
    if (written.done === done) return;
    written = { at: Date.now(), done };
    await job.progress(done, total);
  };
  // Progress is a row update: a few a second are enough for a bar, not one per page.
  const progress: JobContext['progress'] = async (d, t) => {
    done = d;
    total = t;
    if (Date.now() - written.at >= progressEveryMs) await flush();
  };
  try {
    const result = await work(client, settings, progress);
    await flush();
    return result;
  } catch (err) {
    await flush().catch(() => {});
    const where = done > 0 ? ` Stopped after ${done}${total ? ` of ${total}` : ''} ${nouns[what]}; what was imported is kept and the next run continues from there.` : '';
    if (isDattoApiError(err, 'rate-limited') || isDattoApiError(err, 'ip-blocked')) {
      throw new RetryJobLater(err.message + where, err.retryAfterMs ?? 60_000);
    }
    if (isDattoApiError(err)) throw new PermanentJobError(err.message + where);
    if (err instanceof AppError) throw new PermanentJobError(err.message);
    throw err;
  }
}
