import type { JobQueue } from '../../../jobs/job-queue.ts';
import { upsertSchedule } from '../../../jobs/scheduler.ts';
import type { DattoContext, ModulePart } from '../module-part.ts';
import type { DattoSettings } from '../settings.ts';
import { deviceImportJob } from './device-import.job.ts';
import { siteImportJob } from './site-import.job.ts';
import { createSiteMappingService } from './site-mapping.service.ts';
import { siteMappingsRoutes } from './site-mappings.routes.ts';
import { sitesScheduleName } from './sync-jobs.ts';
import { createSyncService } from './sync.service.ts';
import { syncRoutes } from './sync.routes.ts';

/** The import's jobs and services, for the module and for the CLI. */
export function createImport(ctx: DattoContext) {
  const devices = deviceImportJob(ctx);
  const sites = siteImportJob(ctx, devices);
  const jobs = { sites, devices };
  return {
    jobs,
    sync: createSyncService(ctx, jobs),
    mappings: createSiteMappingService(ctx.db, ctx.dialect, ctx.siteLinks),
    /** The recurring sites import (devices follow it when asset import is on); off when the module is off or the interval is 0. */
    schedules(settings: DattoSettings, enabled: boolean) {
      const minutes = settings.siteImport.scheduleMinutes;
      return [{
        name: sitesScheduleName, definition: sites, payload: { thenDevices: true },
        intervalMs: (minutes > 0 ? minutes : 60) * 60_000, enabled: enabled && minutes > 0,
      }];
    },
  };
}

/** Customer/site import, the site mapping table and devices as assets. */
export function createImportPart(ctx: DattoContext): ModulePart {
  const feature = createImport(ctx);

  // Saving the settings can turn the module or the schedule on or off: follow it in the same transaction.
  ctx.settings.onSaved(async (trx, { settings, enabled }) => {
    const inTransaction: JobQueue = { ...ctx.queue, db: trx };
    for (const s of feature.schedules(settings, enabled)) await upsertSchedule(inTransaction, s, s.enabled);
  });

  return {
    jobs: [feature.jobs.sites, feature.jobs.devices],
    routes(app) {
      siteMappingsRoutes(app, feature.mappings);
      syncRoutes(app, feature.sync);
    },
    schedules: (settings, enabled) => feature.schedules(settings, enabled),
  };
}
