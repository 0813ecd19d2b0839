import { z } from 'zod';
import { systemActor } from '../../../core/actor.ts';
import { defineJob, PermanentJobError, RetryJobLater, type JobContext } from '../../../jobs/job-definition.ts';
import { isDattoApiError, type Alert } from '../client/index.ts';
import type { DattoContext } from '../module-part.ts';
import { findAlert, lockAlert, updateAlert } from './alert.repository.ts';
import type { AlertIntake } from './alert-intake.service.ts';
import { SETTINGS_CHANGED, type DattoAccess, type DattoAccessState } from './datto-access.ts';

const actor = systemActor('Datto RMM');
const MAX_ATTEMPTS = 14;
export const enrichKey = (alertUid: string) => `datto-enrich:${alertUid}`;

/**
 * Reads the alert from Datto (`GET /v2/alert/{uid}`) and fills the alert link and its ticket:
 * customer, site, asset, priority and the diagnostics. The ticket exists already; this only adds to it,
 * so Datto being slow or down never holds a ticket back.
 */
export function enrichAlertJob(ctx: DattoContext, access: DattoAccess, intake: AlertIntake) {
  /**
   * Notes a failed read on the alert link; a `final` one also on the ticket. When the settings were
   * saved since the call started, a final failure is not recorded: the job is tried again on the
   * saved ones (RetryJobLater). `failJob`: the job ends failed in the same transaction.
   */
  const recordFailure = async (
    alertUid: string, message: string,
    how: { final: boolean; unknownToDatto?: boolean; failJob?: JobContext; used: DattoAccessState },
  ): Promise<void> => {
    const { final, unknownToDatto } = how;
    const stale = await ctx.db.transaction().execute(async (trx) => {
      if (final && (await access.changedSince(trx, how.used))) return true;
      await how.failJob?.failIn(trx, message);
      const row = await lockAlert(trx, ctx.dialect, alertUid);
      if (!row) return false;
      await updateAlert(trx, row.id, {
        enrich_error: message, updated_at: new Date().toISOString(),
        ...(unknownToDatto && row.datto_state === 'open' ? { datto_state: 'unknown' as const } : {}),
      });
      // "Datto does not know it" is said once on the ticket, however often the alert is raised again
      // and read again (a retried failure's message is already on the link before its final attempt).
      const saidBefore = unknownToDatto && row.enrich_error === message;
      if (final && row.ticket_id && row.held_reason !== 'storm' && !saidBefore) {
        await ctx.services.tickets.addActionIn(trx, row.ticket_id, 'alert_event',
          `Could not read alert ${alertUid} from Datto RMM: ${message} The ticket keeps what the alert's e-mail or webhook said.`, actor,
          { alertUid, error: message });
      }
      return false;
    });
    if (stale) throw new RetryJobLater(SETTINGS_CHANGED, 0);
  };

  return defineJob({
    kind: 'datto-rmm.enrich-alert',
    payload: z.object({ alertUid: z.string().min(1) }),
    maxAttempts: MAX_ATTEMPTS,
    backoff: { baseMs: 5_000, maxMs: 30 * 60_000 },
    async run({ alertUid }, job) {
      if (!(await findAlert(ctx.db, alertUid))) return { skipped: 'no such alert' };
      const used = await access.current();
      const { enabled, client, problem } = used;
      if (!enabled || !client) {
        // Turned on (or configured) meanwhile: the save could not queue this alert again while this job ran.
        if (await access.changedSince(ctx.db, used)) throw new RetryJobLater(SETTINGS_CHANGED, 0);
        return { skipped: problem };
      }

      let alert: Alert;
      try {
        alert = await client.alert(alertUid);
      } catch (err) {
        if (!isDattoApiError(err)) throw err;
        if (err.kind === 'not-found') {
          const message = 'Datto RMM does not know this alert (it may have been deleted, or the uid belongs to another account).';
          await recordFailure(alertUid, message, { final: true, unknownToDatto: true, used });
          return { found: false };
        }
        if (err.kind === 'rate-limited' || err.kind === 'ip-blocked') throw new RetryJobLater(err.message, err.retryAfterMs ?? 60_000);
        const permanent = ['bad-credentials', 'forbidden', 'not-datto', 'invalid-url'].includes(err.kind);
        const final = permanent || job.attempt >= MAX_ATTEMPTS;
        await recordFailure(alertUid, err.message, { final, used, ...(final ? { failJob: job } : {}) });
        if (final) throw new PermanentJobError(err.message);
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
