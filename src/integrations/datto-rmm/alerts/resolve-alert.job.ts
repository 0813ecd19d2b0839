import { z } from 'zod';
import { systemActor } from '../../../core/actor.ts';
import { defineJob, PermanentJobError, RetryJobLater, type JobContext } from '../../../jobs/job-definition.ts';
import { isDattoApiError, type DattoApiError, type DattoClient } from '../client/index.ts';
import type { DattoContext } from '../module-part.ts';
import { findAlert, lockAlert, updateAlert, type AlertRow } from './alert.repository.ts';
import { SETTINGS_CHANGED, type DattoAccess, type DattoAccessState } from './datto-access.ts';

const actor = systemActor('Datto RMM');
export const RESOLVE_MAX_ATTEMPTS = 20;
export const resolveKey = (alertUid: string) => `datto-resolve:${alertUid}`;

/** Datto answers that mean "another attempt will not help". */
const PERMANENT = ['bad-credentials', 'forbidden', 'not-datto', 'invalid-url'];

/**
 * `POST /v2/alert/{uid}/resolve` for an alert whose ticket was closed. The client paces writes and
 * waits out short 429s; what it gives up on comes back here: a 429 is retried after its Retry-After,
 * 5xx and timeouts with backoff, a 403 fails at once with its reason. An alert Datto no longer has,
 * or has already resolved, counts as resolved. Every outcome lands on the alert link and the ticket.
 */
export function resolveAlertJob(ctx: DattoContext, access: DattoAccess) {
  const tickets = ctx.services.tickets;

  const finish = async (alertUid: string, how: string, called: boolean) => {
    await ctx.db.transaction().execute(async (trx) => {
      const row = await lockAlert(trx, ctx.dialect, alertUid);
      if (!row) return;
      const at = new Date().toISOString();
      await updateAlert(trx, row.id, {
        resolve_state: 'done', datto_state: 'resolved', resolved_at: row.resolved_at ?? at,
        resolve_attempts: row.resolve_attempts + (called ? 1 : 0),
        resolved_by: row.datto_state === 'resolved' ? row.resolved_by : 'relaydesk', last_error: null, updated_at: at,
      });
      if (!row.ticket_id) return;
      if (row.held_reason === 'storm') {
        const left = await trx.selectFrom('datto_alerts').select('id').where('ticket_id', '=', row.ticket_id)
          .where('resolve_state', '=', 'pending').limit(1).executeTakeFirst();
        if (!left) await tickets.addActionIn(trx, row.ticket_id, 'alert_resolved', 'The alerts of this storm were resolved in Datto RMM.', actor, {});
        return;
      }
      await tickets.addActionIn(trx, row.ticket_id, 'alert_resolved', `Alert resolved in Datto RMM${how ? ` (${how})` : ''}.`, actor,
        { alertUid, attempts: row.resolve_attempts + (called ? 1 : 0) });
    });
  };

  /**
   * A failure another attempt will not mend: recorded on the alert link and the ticket, in one
   * transaction with the job's own failure. When the settings were saved since the call started,
   * the call is tried again on the saved ones instead.
   */
  const fail = async (alertUid: string, reason: string, called: boolean, job: JobContext, used: DattoAccessState): Promise<never> => {
    const stale = await ctx.db.transaction().execute(async (trx) => {
      if (await access.changedSince(trx, used)) return true;
      await job.failIn(trx, reason);
      const row = await lockAlert(trx, ctx.dialect, alertUid);
      if (!row || row.resolve_state !== 'pending') return false;
      const attempts = row.resolve_attempts + (called ? 1 : 0);
      await updateAlert(trx, row.id, { resolve_state: 'failed', last_error: reason, resolve_attempts: attempts, updated_at: new Date().toISOString() });
      if (row.ticket_id) {
        await tickets.addActionIn(trx, row.ticket_id, 'alert_resolve_failed',
          `Resolving the alert in Datto RMM failed: ${reason} Retry it from Datto RMM > Alerts once the cause is fixed.`, actor,
          { alertUid, attempts, error: reason });
      }
      return false;
    });
    if (stale) throw new RetryJobLater(SETTINGS_CHANGED, 0);
    throw new PermanentJobError(reason);
  };

  /** A failed call that will be tried again: counted, and its reason shown on the alert link. */
  const noteError = (row: AlertRow, message: string) =>
    updateAlert(ctx.db, row.id, { last_error: message, resolve_attempts: row.resolve_attempts + 1, updated_at: new Date().toISOString() });

  /** A 4xx other than 403/404: Datto may refuse to resolve what is already resolved, so ask it. */
  const alreadyResolved = async (client: DattoClient, alertUid: string) => {
    try {
      return (await client.alert(alertUid)).resolved === true;
    } catch {
      return false;
    }
  };

  return defineJob({
    kind: 'datto-rmm.resolve-alert',
    payload: z.object({ alertUid: z.string().min(1) }),
    maxAttempts: RESOLVE_MAX_ATTEMPTS,
    backoff: { baseMs: 2_000, maxMs: 15 * 60_000 },
    async run({ alertUid }, job) {
      const row = await findAlert(ctx.db, alertUid);
      if (!row) return { skipped: 'no such alert' };
      if (row.resolve_state !== 'pending') return { skipped: `resolve is ${row.resolve_state}` };
      if (row.datto_state === 'resolved') {
        await finish(alertUid, 'it was already resolved there', false);
        return { resolved: true, called: false };
      }
      const used = await access.current();
      const { enabled, client, problem } = used;
      if (!enabled || !client) return fail(alertUid, `${problem ?? 'Datto RMM is not configured'}.`, false, job, used);
      try {
        await client.resolveAlert(alertUid);
      } catch (err) {
        if (!isDattoApiError(err)) {
          await noteError(row, (err as Error).message);
          throw err;
        }
        return handleFailure(err, client, alertUid, row, job, used);
      }
      await finish(alertUid, '', true);
      return { resolved: true, called: true };
    },
  });

  async function handleFailure(err: DattoApiError, client: DattoClient, alertUid: string, row: AlertRow, job: JobContext, used: DattoAccessState) {
    if (err.kind === 'not-found') {
      await finish(alertUid, 'Datto RMM no longer has it', true);
      return { resolved: true, gone: true };
    }
    if (err.kind === 'rate-limited' || err.kind === 'ip-blocked') {
      await noteError(row, err.message);
      throw new RetryJobLater(err.message, err.retryAfterMs ?? 60_000);
    }
    if (err.kind === 'invalid-response' && err.status !== undefined && err.status >= 400 && err.status < 500 && (await alreadyResolved(client, alertUid))) {
      await finish(alertUid, 'it was already resolved there', true);
      return { resolved: true, called: true };
    }
    if (PERMANENT.includes(err.kind) || (err.kind === 'invalid-response' && err.status !== undefined && err.status < 500)) {
      return fail(alertUid, err.message, true, job, used);
    }
    if (job.attempt >= RESOLVE_MAX_ATTEMPTS) return fail(alertUid, `${err.message} (gave up after ${job.attempt} attempts)`, true, job, used);
    await noteError(row, err.message);
    throw err;
  }
}
