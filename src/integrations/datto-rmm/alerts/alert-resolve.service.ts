import type { Tx } from '../../../db/database.ts';
import { systemActor, type Actor } from '../../../core/actor.ts';
import type { TicketHooks } from '../../../core/tickets/ticket-hooks.ts';
import type { JobDefinition } from '../../../jobs/job-definition.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../../../errors.ts';
import type { DattoContext } from '../module-part.ts';
import { readSettingsRow } from '../settings.repository.ts';
import { failedResolvesOfClosedTickets, failResolvesOff, lockAlert, markResolvePending, resetResolves, updateAlert, type AlertRow } from './alert.repository.ts';
import { ORIGIN } from './alert-intake.service.ts';
import { resolveKey } from './resolve-alert.job.ts';

const actor = systemActor('Datto RMM');
const OFF_REASON = 'The Datto RMM integration was disabled when the ticket was closed.';
const REQUEUE_LIMIT = 5_000;

/**
 * Close → resolve, as a transactional outbox: the close and one resolve job per alert commit
 * together. A close that came from Datto itself (origin datto-rmm) resolves nothing, and neither
 * does an alert Datto or Relaydesk already resolved. Reopening only cancels what has not run yet.
 */
export function createAlertResolveService(ctx: DattoContext, resolveJob: () => JobDefinition<{ alertUid: string }>) {
  const enqueueIn = (trx: Tx, alertUid: string) => ctx.queue.enqueue(resolveJob(), { alertUid }, { uniqueKey: resolveKey(alertUid) }, trx);

  const hooks: TicketHooks = {
    async onClosed(trx, { ticket, origin }) {
      if (origin === ORIGIN) return;
      const linked = await trx.selectFrom('datto_alerts').select('id').where('ticket_id', '=', ticket.id).limit(1).executeTakeFirst();
      if (!linked) return;
      const enabled = (await readSettingsRow(trx))?.enabled === 1;
      if (!enabled) {
        const failed = await failResolvesOff(trx, ticket.id, OFF_REASON, new Date().toISOString());
        if (failed.length) {
          await ctx.services.tickets.addActionIn(trx, ticket.id, 'alert_event',
            'The Datto RMM integration is disabled: the alert was not resolved in Datto RMM. It is resolved when the integration is turned on again.',
            actor, { alertUids: failed.map((a) => a.alert_uid) });
        }
        return;
      }
      const pending = await markResolvePending(trx, ticket.id, new Date().toISOString());
      for (const a of pending) await enqueueIn(trx, a.alert_uid);
    },

    async onReopened(trx, { ticket }) {
      const { cancelled } = await resetResolves(trx, ticket.id, new Date().toISOString());
      if (cancelled.length) {
        await ctx.services.tickets.addActionIn(trx, ticket.id, 'alert_event',
          `The ticket was reopened before Datto RMM confirmed the resolve: ${cancelled.length === 1 ? 'the alert stays' : `${cancelled.length} alerts stay`} open in Datto RMM.`,
          actor, { alertUids: cancelled });
      }
    },
  };

  const hasLiveJob = async (trx: Tx, alertUid: string) =>
    !!(await trx.selectFrom('jobs').select('id').where('unique_key', '=', resolveKey(alertUid))
      .where('state', 'in', ['queued', 'running']).executeTakeFirst());

  return {
    hooks,

    /** After the module is turned on or its credentials change: failed resolves of closed tickets are queued again. */
    async requeueFailedIn(trx: Tx): Promise<number> {
      const failed = await failedResolvesOfClosedTickets(trx, REQUEUE_LIMIT);
      const at = new Date().toISOString();
      for (const a of failed) {
        await updateAlert(trx, a.id, { resolve_state: 'pending', last_error: null, updated_at: at });
        await enqueueIn(trx, a.alert_uid);
      }
      return failed.length;
    },

    /**
     * The retry button: resolves in Datto the alert of a closed ticket whose resolve failed (or was
     * never made, or whose job was lost). An alert whose ticket is open is resolved by closing it.
     */
    async retry(alertUid: string, by: Actor): Promise<AlertRow> {
      const row = await ctx.db.transaction().execute(async (trx) => {
        const current = await lockAlert(trx, ctx.dialect, alertUid);
        if (!current) throw new NotFoundError('Datto RMM alert', alertUid);
        if (current.resolve_state === 'done') throw new ConflictError(`Alert ${alertUid} is already resolved in Datto RMM`);
        if (current.datto_state === 'resolved') throw new ConflictError(`Alert ${alertUid} is already resolved in Datto RMM (resolved there)`);
        if (current.resolve_state === 'pending' && (await hasLiveJob(trx, alertUid))) {
          throw new ConflictError(`Resolving alert ${alertUid} is already queued`);
        }
        if (!current.ticket_id) throw new ConflictError(`Alert ${alertUid} has no ticket: there is no closed ticket to resolve it for`);
        const ticket = await ctx.services.tickets.load(current.ticket_id, trx);
        if (ticket.status !== 'closed') {
          throw new ConflictError(`Ticket #${ticket.id} of alert ${alertUid} is open: closing it resolves the alert in Datto RMM`);
        }
        if ((await readSettingsRow(trx))?.enabled !== 1) {
          throw new UnprocessableError('datto_disabled', 'The Datto RMM integration is turned off; turning it on retries every failed resolve of a closed ticket');
        }
        const updated = await updateAlert(trx, current.id, { resolve_state: 'pending', last_error: null, updated_at: new Date().toISOString() });
        await enqueueIn(trx, alertUid);
        await ctx.services.tickets.addActionIn(trx, ticket.id, 'alert_event', `Retrying to resolve alert ${alertUid} in Datto RMM.`, by, { alertUid });
        return updated;
      });
      ctx.queue.wake();
      return row;
    },
  };
}
