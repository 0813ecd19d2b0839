import { UnprocessableError } from '../../../errors.ts';
import type { JobQueue } from '../../../jobs/job-queue.ts';
import { upsertSchedule, type RecurringJob } from '../../../jobs/scheduler.ts';
import type { DattoContext, ModulePart } from '../module-part.ts';
import type { DattoSettings } from '../settings.ts';
import { createAlertIntake } from './alert-intake.service.ts';
import { createAlertQueries } from './alert-query.service.ts';
import { createAlertResolveService } from './alert-resolve.service.ts';
import { alertsAwaitingEnrichment } from './alert.repository.ts';
import { placeAlertTicketsOnMapping } from './alert-site-mapped.ts';
import { alertRuleAction } from './alert-rule-action.ts';
import { alertsRoutes } from './alerts.routes.ts';
import { createDattoAccess } from './datto-access.ts';
import { enrichAlertJob, enrichKey } from './enrich-alert.job.ts';
import { createMaintenanceWindowService } from './maintenance-window.service.ts';
import { RECONCILE_SCHEDULE, reconcileJob, reconcileKey } from './reconcile.job.ts';
import { RELEASE_SCHEDULE, releaseHeldJob } from './release-held.job.ts';
import { resolveAlertJob } from './resolve-alert.job.ts';
import { syncSystemRule } from './system-rule.ts';
import { createWebhookProcessor } from './webhook-processor.ts';
import { webhookRoutes } from './webhook.routes.ts';

/** The newest open alerts re-read when the module is turned on or its credentials change; older ones wait for reconciliation. */
const REENRICH_LIMIT = 5_000;

/** Alerts by e-mail and webhook, enrichment, close → resolve, reconciliation and the lifecycle policies. */
export function createAlertsPart(ctx: DattoContext): ModulePart {
  const intake = createAlertIntake({
    dialect: ctx.dialect,
    tickets: ctx.services.tickets,
    enqueueEnrichment: async (trx, alertUid) => {
      await ctx.queue.enqueue(enrich, { alertUid }, { uniqueKey: enrichKey(alertUid) }, trx);
    },
  });

  const access = createDattoAccess(ctx);
  const enrich = enrichAlertJob(ctx, access, intake);
  const resolve = resolveAlertJob(ctx, access);
  const reconcile = reconcileJob(ctx, intake);
  const release = releaseHeldJob(ctx, access, intake);

  const resolves = createAlertResolveService(ctx, () => resolve);
  const windows = createMaintenanceWindowService(ctx, () => release);
  const webhooks = createWebhookProcessor(ctx, intake);
  const queries = createAlertQueries(ctx.db);

  const schedules = (settings: DattoSettings, enabled: boolean): Array<RecurringJob & { enabled: boolean }> => [
    { name: RECONCILE_SCHEDULE, definition: reconcile, payload: {}, intervalMs: settings.policies.reconcileMinutes * 60_000, enabled },
    { name: RELEASE_SCHEDULE, definition: release, payload: {}, intervalMs: 60_000, enabled: true },
  ];

  placeAlertTicketsOnMapping(ctx);

  ctx.settings.onSaved(async (trx, { settings, enabled, before, credentialsChanged }) => {
    await syncSystemRule(trx, settings, before.settings);
    // The reconcile interval follows the saved setting without a restart; the queue is pointed at the settings transaction.
    const inTrx = { ...ctx.queue, db: trx } as unknown as JobQueue;
    for (const s of schedules(settings, enabled)) await upsertSchedule(inTrx, s, s.enabled);
    // Alerts that arrived while the module was off, or whose reading failed on the old credentials, are read now.
    // So are the resolves of closed tickets that failed, or were never tried because the module was off.
    if (enabled && (!before.enabled || credentialsChanged)) {
      for (const alertUid of await alertsAwaitingEnrichment(trx, REENRICH_LIMIT)) {
        await ctx.queue.enqueue(enrich, { alertUid }, { uniqueKey: enrichKey(alertUid) }, trx);
      }
      await resolves.requeueFailedIn(trx);
    }
  });

  return {
    jobs: [enrich, resolve, reconcile, release],
    ruleActions: [alertRuleAction(ctx, intake)],
    ticketHooks: resolves.hooks,
    schedules,
    async routes(app) {
      await webhookRoutes(app, ctx, webhooks);
      alertsRoutes(app, ctx, {
        queries, resolves, windows, webhooks,
        async startReconcile() {
          if (!(await ctx.settings.load()).enabled) {
            throw new UnprocessableError('datto_disabled', 'The Datto RMM integration is turned off; turn it on before comparing alerts with Datto RMM');
          }
          const { id } = await ctx.queue.enqueue(reconcile, {}, { uniqueKey: reconcileKey });
          return id;
        },
      });
    },
    async start() {
      return webhooks.start();
    },
  };
}
