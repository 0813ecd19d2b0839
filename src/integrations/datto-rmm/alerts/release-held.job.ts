import { z } from 'zod';
import { defineJob } from '../../../jobs/job-definition.ts';
import { isDattoApiError } from '../client/index.ts';
import type { DattoContext } from '../module-part.ts';
import { findAlert, heldForMaintenance, lockAlert, updateAlert } from './alert.repository.ts';
import type { AlertIntake } from './alert-intake.service.ts';
import type { DattoAccess } from './datto-access.ts';
import { findWindow } from './maintenance-window.repository.ts';

export const RELEASE_SCHEDULE = 'datto-rmm.release-held';

/**
 * Alerts held by a maintenance window that has ended: those Datto still has open get their ticket
 * now. Runs when a window ends (queued for its end time) and every minute as a sweep. When Datto
 * can be asked, an alert resolved during the window is marked resolved instead; when it cannot,
 * the alert is ticketed anyway (a lost alert is worse than a needless ticket).
 */
export function releaseHeldJob(ctx: DattoContext, access: DattoAccess, intake: AlertIntake) {
  return defineJob({
    kind: 'datto-rmm.release-held',
    payload: z.object({ windowId: z.number().int().optional() }).passthrough(),
    maxAttempts: 5,
    async run() {
      const { settings } = await ctx.settings.load();
      const { enabled, client: configured } = await access.current();
      const client = enabled ? configured : null;
      const now = new Date().toISOString();
      let ticketed = 0;
      let stillHeld = 0;
      let resolved = 0;
      for (let after = 0; ;) {
        const batch = await heldForMaintenance(ctx.db, after, 200);
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!.id;
        for (const { alert_uid: uid } of batch) {
          const row = await findAlert(ctx.db, uid);
          if (!row || row.held_reason !== 'maintenance') continue;
          const window = row.maintenance_window_id ? await findWindow(ctx.db, row.maintenance_window_id) : undefined;
          if (window && window.starts_at <= now && window.ends_at > now) {
            stillHeld++;
            continue;
          }
          let dattoSays: 'open' | 'resolved' | 'gone' | 'unknown' = row.datto_state === 'resolved' ? 'resolved' : 'unknown';
          if (client && dattoSays !== 'resolved') {
            try {
              dattoSays = (await client.alert(uid)).resolved ? 'resolved' : 'open';
            } catch (err) {
              if (isDattoApiError(err, 'not-found')) dattoSays = 'gone';
            }
          }
          const outcome = await ctx.db.transaction().execute(async (trx) => {
            const current = await lockAlert(trx, ctx.dialect, uid);
            if (!current || current.held_reason !== 'maintenance') return null;
            if (dattoSays === 'resolved' || current.datto_state === 'resolved') {
              await updateAlert(trx, current.id, {
                datto_state: 'resolved', held_reason: 'resolved', resolved_at: current.resolved_at ?? new Date().toISOString(),
                resolved_by: 'datto', updated_at: new Date().toISOString(),
              });
              return 'resolved' as const;
            }
            if (dattoSays === 'gone') {
              await updateAlert(trx, current.id, { datto_state: 'unknown', held_reason: null, updated_at: new Date().toISOString() });
              return 'gone' as const;
            }
            return (await intake.releaseIn(trx, current, settings, window?.name ?? null)).outcome;
          });
          if (outcome === 'resolved') resolved++;
          else if (outcome === 'held') stillHeld++;
          else if (outcome === 'ticket_created' || outcome === 'ticket_updated') ticketed++;
        }
      }
      return { ticketed, stillHeld, resolved };
    },
  });
}
