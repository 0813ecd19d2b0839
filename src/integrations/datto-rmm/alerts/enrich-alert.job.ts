import { z } from 'zod';
import { systemActor } from '../../../core/actor.ts';
import { defineJob, PermanentJobError, RetryJobLater } from '../../../jobs/job-definition.ts';
import { isDattoApiError, type Alert } from '../client/index.ts';
import type { DattoContext } from '../module-part.ts';
import { findAlert, lockAlert, updateAlert } from './alert.repository.ts';
import type { AlertIntake } from './alert-intake.service.ts';
import type { DattoAccess } from './datto-access.ts';

const actor = systemActor('Datto RMM');
const MAX_ATTEMPTS = 14;
export const enrichKey = (alertUid: string) => `datto-enrich:${alertUid}`;

/**
 * Reads the alert from Datto (`GET /v2/alert/{uid}`) and fills the alert link and its ticket:
 * customer, site, asset, priority and the diagnostics. The ticket exists already; this only adds to it,
 * so Datto being slow or down never holds a ticket back.
 */
export function enrichAlertJob(ctx: DattoContext, access: DattoAccess, intake: AlertIntake) {
  const recordFailure = async (alertUid: string, message: string, final: boolean, unknownToDatto = false) => {
    await ctx.db.transaction().execute(async (trx) => {
      const row = await lockAlert(trx, ctx.dialect, alertUid);
      if (!row) return;
      await updateAlert(trx, row.id, {
        enrich_error: message, updated_at: new Date().toISOString(),
        ...(unknownToDatto && row.datto_state === 'open' ? { datto_state: 'unknown' as const } : {}),
      });
      if (final && row.ticket_id && row.held_reason !== 'storm') {
        await ctx.services.tickets.addActionIn(trx, row.ticket_id, 'alert_event',
          `Could not read alert ${alertUid} from Datto RMM: ${message} The ticket keeps what the alert's e-mail or webhook said.`, actor,
          { alertUid, error: message });
      }
    });
  };

  return defineJob({
    kind: 'datto-rmm.enrich-alert',
    payload: z.object({ alertUid: z.string().min(1) }),
    maxAttempts: MAX_ATTEMPTS,
    backoff: { baseMs: 5_000, maxMs: 30 * 60_000 },
    async run({ alertUid }, job) {
      if (!(await findAlert(ctx.db, alertUid))) return { skipped: 'no such alert' };
      const { enabled, client, problem } = await access.current();
      if (!enabled || !client) return { skipped: problem };

      let alert: Alert;
      try {
        alert = await client.alert(alertUid);
      } catch (err) {
        if (!isDattoApiError(err)) throw err;
        if (err.kind === 'not-found') {
          await recordFailure(alertUid, 'Datto RMM does not know this alert (it may have been deleted, or the uid belongs to another account).', true, true);
          return { found: false };
        }
        if (err.kind === 'rate-limited' || err.kind === 'ip-blocked') throw new RetryJobLater(err.message, err.retryAfterMs ?? 60_000);
        const permanent = ['bad-credentials', 'forbidden', 'not-datto', 'invalid-url'].includes(err.kind);
        const final = permanent || job.attempt >= MAX_ATTEMPTS;
        await recordFailure(alertUid, err.message, final);
        if (permanent) throw new PermanentJobError(err.message);
        throw err;
      }

      const { settings } = await ctx.settings.load();
      await ctx.db.transaction().execute(async (trx) => {
        const row = await lockAlert(trx, ctx.dialect, alertUid);
        if (row) await intake.applyDattoAlertIn(trx, row, alert, settings);
      });
      return { found: true, resolved: alert.resolved === true };
    },
  });
}
