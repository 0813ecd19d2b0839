import { z } from 'zod';
import { defineJob, type JobDefinition } from '../../../jobs/job-definition.ts';
import type { DattoContext } from '../module-part.ts';
import type { DeviceSyncPayload } from './device-import.job.ts';
import { importSites } from './site-import.service.ts';
import { runSync, syncKinds, syncUniqueKey } from './sync-jobs.ts';

export const siteSyncPayload = z.object({
  /** Scheduled runs go on with the devices, reusing the device counts this run has just read. */
  thenDevices: z.boolean().default(false),
});
export type SiteSyncPayload = z.infer<typeof siteSyncPayload>;

export function siteImportJob(ctx: DattoContext, deviceJob: JobDefinition<DeviceSyncPayload>): JobDefinition<SiteSyncPayload> {
  return defineJob({
    kind: syncKinds.sites,
    payload: siteSyncPayload,
    // Datto failures end the run at once (see runSync); attempts only cover a worker that died mid-run.
    maxAttempts: 3,
    async run(payload, job) {
      const result = await runSync(ctx, 'sites', job, (client, settings, progress) =>
        importSites({ db: ctx.db, dialect: ctx.dialect, customers: ctx.services.customers, siteLinks: ctx.siteLinks }, client, settings.siteImport, progress));
      if (payload.thenDevices && (await ctx.settings.load()).settings.assetImport.enabled) {
        await ctx.queue.enqueue(deviceJob, { storedSiteCounts: true }, { uniqueKey: syncUniqueKey('devices') });
      }
      return result;
    },
  });
}
