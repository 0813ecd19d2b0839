import type { Actor } from '../../../core/actor.ts';
import { audit } from '../../../core/audit/audit.repository.ts';
import { UnprocessableError } from '../../../errors.ts';
import type { JobDefinition } from '../../../jobs/job-definition.ts';
import { findJob, listJobs, type JobRow } from '../../../jobs/job.repository.ts';
import { presentJob } from '../../../jobs/jobs.routes.ts';
import type { DattoContext } from '../module-part.ts';
import { MODULE_KEY } from '../settings.ts';
import type { DeviceSyncPayload } from './device-import.job.ts';
import type { SiteSyncPayload } from './site-import.job.ts';
import { nextScheduledRun } from './sync.repository.ts';
import { sitesScheduleName, syncKinds, syncUniqueKey, type SyncWhat } from './sync-jobs.ts';

export type SyncJobs = { sites: JobDefinition<SiteSyncPayload>; devices: JobDefinition<DeviceSyncPayload> };

export type SyncService = ReturnType<typeof createSyncService>;

export function createSyncService(ctx: DattoContext, jobs: SyncJobs) {
  const { db, queue } = ctx;

  /** The latest live job of a kind, the latest finished one, and the result of the latest successful one. */
  const kindStatus = async (what: SyncWhat) => {
    const kind = syncKinds[what];
    const [running] = await listJobs(db, { kind, state: 'running', limit: 1 });
    const [queued] = running ? [undefined] : await listJobs(db, { kind, state: 'queued', limit: 1 });
    const [done] = await listJobs(db, { kind, state: 'done', limit: 1 });
    const [failed] = await listJobs(db, { kind, state: 'failed', limit: 1 });
    const lastJob = [done, failed].filter((j): j is JobRow => !!j).sort((a, b) => b.id - a.id)[0];
    const live = running ?? queued;
    return {
      running: live ? presentJob(live) : null,
      lastJob: lastJob ? presentJob(lastJob) : null,
      lastResult: done?.result ? (JSON.parse(done.result) as unknown) : null,
      lastSuccessAt: done?.finished_at ?? null,
    };
  };

  return {
    /** Queues a sync of sites or devices, or returns the one of that kind already queued or running. */
    async start(what: SyncWhat, actor: Actor) {
      const { settings, secrets, enabled } = await ctx.settings.load();
      if (!settings.apiUrl || !settings.apiKey || !secrets.apiSecret) {
        throw new UnprocessableError('datto_not_configured', 'Enter the Datto RMM API URL, API Key and API Key Secret first');
      }
      if (!enabled) throw new UnprocessableError('datto_disabled', 'The Datto RMM integration is turned off; turn it on before importing');
      if (what === 'devices' && !settings.assetImport.enabled) {
        throw new UnprocessableError('datto_asset_import_off', 'Asset import is turned off: turn on assetImport.enabled in the Datto RMM settings to import devices');
      }
      const job = await db.transaction().execute(async (trx) => {
        const enqueued = what === 'sites'
          ? await queue.enqueue(jobs.sites, { thenDevices: false }, { uniqueKey: syncUniqueKey('sites') }, trx)
          : await queue.enqueue(jobs.devices, { storedSiteCounts: false }, { uniqueKey: syncUniqueKey('devices') }, trx);
        if (enqueued.created) {
          await audit(trx, actor, { action: 'integration.sync', entity: 'integration', entityId: MODULE_KEY, changes: { what, jobId: enqueued.id } });
        }
        return (await findJob(trx, enqueued.id))!;
      });
      queue.wake();
      return presentJob(job);
    },

    async status() {
      const { settings, enabled } = await ctx.settings.load();
      const scheduled = enabled && settings.siteImport.scheduleMinutes > 0;
      return {
        sites: await kindStatus('sites'),
        devices: await kindStatus('devices'),
        schedule: {
          enabled: scheduled,
          everyMinutes: settings.siteImport.scheduleMinutes,
          includesDevices: settings.assetImport.enabled,
          nextRunAt: scheduled ? await nextScheduledRun(db, sitesScheduleName) : null,
        },
      };
    },
  };
}
