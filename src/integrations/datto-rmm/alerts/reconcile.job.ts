import { z } from 'zod';
import { systemActor } from '../../../core/actor.ts';
import { defineJob, PermanentJobError, RetryJobLater } from '../../../jobs/job-definition.ts';
import { isDattoApiError, type Alert, type DattoClient } from '../client/index.ts';
import type { DattoContext } from '../module-part.ts';
import { findAlert, lockAlert, trackedOpenAlerts, updateAlert } from './alert.repository.ts';
import type { AlertIntake } from './alert-intake.service.ts';
import type { AlertDelivery } from './alert-types.ts';

const actor = systemActor('Datto RMM');
export const RECONCILE_SCHEDULE = 'datto-rmm.reconcile';
/** The scheduler's unique key, shared by on-demand runs so two never overlap. */
export const reconcileKey = `schedule:${RECONCILE_SCHEDULE}`;

export function deliveryOfAlert(alert: Alert, at: Date): AlertDelivery {
  const device = alert.alertSourceInfo?.deviceName ?? alert.alertSourceInfo?.deviceUid ?? 'a device';
  return {
    alertUid: alert.alertUid.toLowerCase(),
    via: 'reconcile',
    event: alert.resolved ? 'resolved' : 'raised',
    at,
    summary: `${alert.priority ?? 'Datto RMM'} alert on ${device}: ${alert.diagnostics?.split('\n')[0]?.slice(0, 200) || 'no diagnostics'}`,
    details: `Found open in Datto RMM by reconciliation: no e-mail or webhook for this alert reached Relaydesk.\n\n${alert.diagnostics ?? ''}`.trim(),
    facts: {},
    alert,
  };
}

/**
 * Compares Relaydesk with Datto's open alerts. All pages are read before anything is changed; then an
 * open alert with no ticket (a lost e-mail or webhook) gets one, and an alert Relaydesk tracks as open
 * that Datto no longer lists is read once more and, when Datto says it is resolved, goes through the
 * "resolved in Datto" policy. Reads stay within the rate limit: the client paces them.
 */
export function reconcileJob(ctx: DattoContext, intake: AlertIntake) {
  return defineJob({
    kind: 'datto-rmm.reconcile',
    payload: z.object({}).passthrough(),
    maxAttempts: 3,
    backoff: { baseMs: 30_000, maxMs: 10 * 60_000 },
    leaseMs: 5 * 60_000,
    async run(_payload, job) {
      const { settings, enabled } = await ctx.settings.load();
      if (!enabled) return { skipped: 'the Datto RMM integration is disabled' };
      let client: DattoClient;
      try {
        client = await ctx.settings.client();
      } catch (err) {
        throw new PermanentJobError((err as Error).message);
      }
      const started = new Date();
      const since = started.getTime() - settings.policies.reconcileLookbackHours * 3600_000;

      const open = new Map<string, Alert>();
      try {
        for await (const page of client.openAlerts({ account: true }).pages()) {
          for (const a of page.items) open.set(a.alertUid.toLowerCase(), a);
          await job.progress(open.size, page.totalCount ?? null);
        }
      } catch (err) {
        if (isDattoApiError(err) && (err.kind === 'rate-limited' || err.kind === 'ip-blocked')) throw new RetryJobLater(err.message, err.retryAfterMs ?? 60_000);
        if (isDattoApiError(err) && ['bad-credentials', 'forbidden', 'not-datto'].includes(err.kind)) throw new PermanentJobError(err.message);
        throw err;
      }

      let ticketed = 0;
      let skippedOld = 0;
      for (const alert of open.values()) {
        if (alert.muted) continue;
        if (alert.timestamp && alert.timestamp.getTime() < since) {
          skippedOld++;
          continue;
        }
        const uid = alert.alertUid.toLowerCase();
        if (await findAlert(ctx.db, uid)) continue;
        const outcome = await ctx.db.transaction().execute((trx) => intake.raiseIn(trx, deliveryOfAlert(alert, new Date()), settings, true));
        if (outcome.outcome === 'ticket_created') ticketed++;
      }

      let resolved = 0;
      let vanished = 0;
      for (let after = 0; ;) {
        const tracked = await trackedOpenAlerts(ctx.db, after, 200);
        if (tracked.length === 0) break;
        after = tracked[tracked.length - 1]!.id;
        for (const t of tracked) {
          if (open.has(t.alert_uid)) continue;
          let current: Alert;
          try {
            current = await client.alert(t.alert_uid);
          } catch (err) {
            if (isDattoApiError(err, 'not-found')) {
              vanished++;
              await markVanished(t.alert_uid);
              continue;
            }
            throw err;
          }
          // Listed as open again, or raised after the listing was read: nothing to do.
          if (current.resolved !== true) continue;
          await ctx.db.transaction().execute(async (trx) => {
            const row = await lockAlert(trx, ctx.dialect, t.alert_uid);
            if (row) await intake.resolvedInDattoIn(trx, row, settings, 'found by reconciliation', new Date());
          });
          resolved++;
        }
      }
      return { openInDatto: open.size, ticketed, resolved, vanished, olderThanLookback: skippedOld };
    },
  });

  async function markVanished(alertUid: string) {
    await ctx.db.transaction().execute(async (trx) => {
      const row = await lockAlert(trx, ctx.dialect, alertUid);
      if (!row || row.datto_state !== 'open') return;
      await updateAlert(trx, row.id, { datto_state: 'unknown', updated_at: new Date().toISOString() });
      if (row.ticket_id) {
        await ctx.services.tickets.addActionIn(trx, row.ticket_id, 'alert_event',
          `Datto RMM no longer knows alert ${alertUid} (deleted with its device or monitor?). The ticket was left as it is.`, actor, { alertUid });
      }
    });
  }
}
