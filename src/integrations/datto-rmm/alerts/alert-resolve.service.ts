import type { Tx } from '../../../db/database.ts';
import { systemActor, type Actor } from '../../../core/actor.ts';
import type { TicketHooks } from '../../../core/tickets/ticket-hooks.ts';
import type { JobDefinition } from '../../../jobs/job-definition.ts';
import { ConflictError, NotFoundError } from '../../../errors.ts';
import type { DattoContext } from '../module-part.ts';
import { readSettingsRow } from '../settings.repository.ts';
import { cancelPendingResolves, lockAlert, markResolvePending, updateAlert, type AlertRow } from './alert.repository.ts';
import { ORIGIN } from './alert-intake.service.ts';
import { resolveKey } from './resolve-alert.job.ts';

const actor = systemActor('Datto RMM');

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
        await ctx.services.tickets.addActionIn(trx, ticket.id, 'alert_event',
          'The Datto RMM integration is disabled: the alert was not resolved in Datto RMM.', actor, {});
        return;
      }
      const pending = await markResolvePending(trx, ticket.id, new Date().toISOString());
      for (const a of pending) await enqueueIn(trx, a.alert_uid);
    },

    async onReopened(trx, { ticket }) {
      const cancelled = await cancelPendingResolves(trx, ticket.id, new Date().toISOString());
      if (cancelled.length) {
        await ctx.services.tickets.addActionIn(trx, ticket.id, 'alert_event',
          `The ticket was reopened before Datto RMM confirmed the resolve: ${cancelled.length === 1 ? 'the alert stays' : `${cancelled.length} alerts stay`} open in Datto RMM.`,
          actor, { alertUids: cancelled.map((a) => a.alert_uid) });
      }
    },
  };

  const hasLiveJob = async (trx: Tx, alertUid: string) =>
    !!(await trx.selectFrom('jobs').select('id').where('unique_key', '=', resolveKey(alertUid))
      .where('state', 'in', ['queued', 'running']).executeTakeFirst());

  return {
    hooks,

    /**
     * The retry button: a resolve that failed (or whose job was lost) is queued again. Only that:
     * an alert whose ticket is open is resolved by closing the ticket, not from here.
     */
    async retry(alertUid: string, by: Actor): Promise<AlertRow> {
      const row = await ctx.db.transaction().execute(async (trx) => {
        const current = await lockAlert(trx, ctx.dialect, alertUid);
        if (!current) throw new NotFoundError('Datto RMM alert', alertUid);
        if (current.resolve_state === 'done') throw new ConflictError(`Alert ${alertUid} is already resolved in Datto RMM`);
        if (current.datto_state === 'resolved') throw new ConflictError(`Alert ${alertUid} is already resolved in Datto RMM (resolved there)`);
        if (current.resolve_state === 'none') {
          throw new ConflictError(`Alert ${alertUid} has no failed resolve to retry: it is resolved in Datto RMM when its ticket is closed`);
        }
        if (current.resolve_state === 'pending' && (await hasLiveJob(trx, alertUid))) {
          throw new ConflictError(`Resolving alert ${alertUid} is already queued`);
        }
        if (current.ticket_id) {
          const ticket = await ctx.services.tickets.load(current.ticket_id, trx);
          if (ticket.status !== 'closed') {
            throw new ConflictError(`Ticket #${ticket.id} of alert ${alertUid} is open again: closing it resolves the alert in Datto RMM`);
          }
        }
        const updated = await updateAlert(trx, current.id, { resolve_state: 'pending', last_error: null, updated_at: new Date().toISOString() });
        await enqueueIn(trx, alertUid);
        if (current.ticket_id) {
          await ctx.services.tickets.addActionIn(trx, current.ticket_id, 'alert_event', `Retrying to resolve alert ${alertUid} in Datto RMM.`, by,
            { alertUid });
        }
        return updated;
      });
      ctx.queue.wake();
      return row;
    },
  };
}
