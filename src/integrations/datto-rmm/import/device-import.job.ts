import { z } from 'zod';
import { PermanentJobError, defineJob, type JobDefinition } from '../../../jobs/job-definition.ts';
import type { DattoContext } from '../module-part.ts';
import { importDevices } from './device-import.service.ts';
import { runSync, syncKinds } from './sync-jobs.ts';

export const deviceSyncPayload = z.object({
  /** Set by the sites import that has just run: take each site's device count from it instead of listing sites again. */
  storedSiteCounts: z.boolean().default(false),
});
export type DeviceSyncPayload = z.infer<typeof deviceSyncPayload>;

export function deviceImportJob(ctx: DattoContext): JobDefinition<DeviceSyncPayload> {
  return defineJob({
    kind: syncKinds.devices,
    payload: deviceSyncPayload,
    maxAttempts: 3,
    run: (payload, job) =>
      runSync(ctx, 'devices', job, (client, settings, progress) => {
        if (!settings.assetImport.enabled) throw new PermanentJobError('Asset import is turned off in the Datto RMM settings.');
        return importDevices({ db: ctx.db }, client, { storedSiteCounts: payload.storedSiteCounts }, progress);
      }),
  });
}
