import { systemActor } from '../core/actor.ts';
import { ticketReferenceProblems, type TicketService } from '../core/tickets/ticket.service.ts';
import { now, type Tx } from '../db/database.ts';
import type { InboundMail, RuleActionOutcome } from '../rules/rule-action.ts';
import { mailDb } from './mail-tables.ts';
import { rawQuery } from './raw-sql.ts';
import { findOpenFollowUp, findReferencedTicket } from './ticket-reference.ts';

export const ATTACHMENT_LIMIT_BYTES = 10 * 1024 * 1024;
const MAX_ATTACHMENTS = 50;
/** A reply to a ticket closed within this window reopens it; an older one opens a follow-up ticket. */
export const REOPEN_WINDOW_MS = 7 * 24 * 3600_000;
const MAX_DETAILS = 100_000;

export type TicketFromMailOptions = {
  ticketTypeId?: number; priority?: number; customerId?: number; siteId?: number;
  /** Mails with the same key go to the same open ticket (e.g. the same alert). */
  threadKey?: string;
};

const actor = systemActor('email');
const THREAD_TICKET = `select k.ticket_id, t.status from email_thread_keys k join tickets t on t.id = k.ticket_id where k.thread_key = ?`;

/**
 * "Make a ticket of this mail", shared by the no-rule default, the create-ticket rule action and any
 * module that wants it: a reply goes to the ticket it refers to, a mail with a known thread key to
 * that thread's open ticket, anything else opens a ticket. Runs in the caller's transaction.
 */
export function createMailTicketing(tickets: TicketService) {
  /** The mail as the ticket's `email` action, and its attachments; `touch` also marks an existing ticket updated. */
  const addMail = async (trx: Tx, ticketId: number, mail: InboundMail, opts: { note?: string; touch?: boolean } = {}): Promise<void> => {
    const { note, touch = false } = opts;
    const data = {
      from: mail.from?.address ?? null, fromName: mail.from?.name || null, to: mail.to, cc: mail.cc, subject: mail.subject,
      messageId: mail.messageId, inboundMessageId: mail.inboundMessageId, date: mail.date?.toISOString() ?? null,
      ...(note ? { note } : {}),
    };
    const addAction = touch ? tickets.addActionTouchingIn : tickets.addActionIn;
    await addAction(trx, ticketId, 'email', mail.text.slice(0, MAX_DETAILS), actor, data);
    await storeAttachments(trx, ticketId, mail);
  };

  const storeAttachments = async (trx: Tx, ticketId: number, mail: InboundMail) => {
    const skipped: string[] = [];
    for (const [i, a] of mail.attachments.entries()) {
      if (i >= MAX_ATTACHMENTS) {
        skipped.push(`${mail.attachments.length - MAX_ATTACHMENTS} more attachments (only ${MAX_ATTACHMENTS} are kept per mail)`);
        break;
      }
      if (a.size > ATTACHMENT_LIMIT_BYTES) {
        skipped.push(`${a.filename} (${(a.size / 1024 / 1024).toFixed(1)} MB, over the ${ATTACHMENT_LIMIT_BYTES / 1024 / 1024} MB limit)`);
        continue;
      }
      await trx.insertInto('ticket_attachments').values({
        ticket_id: ticketId, inbound_message_id: mail.inboundMessageId, filename: a.filename, content_type: a.contentType,
        size: a.content.length, content: a.content, created_at: now(),
      }).execute();
    }
    if (skipped.length) {
      await tickets.addActionIn(trx, ticketId, 'system', `Attachments not stored: ${skipped.join('; ')}. The original mail keeps them.`, actor,
        { inboundMessageId: mail.inboundMessageId, skipped });
    }
  };

  const append = async (trx: Tx, ticketId: number, mail: InboundMail, note?: string): Promise<RuleActionOutcome> => {
    await addMail(trx, ticketId, mail, { note, touch: true });
    return { outcome: 'ticket_updated', ticketId, note };
  };

  const create = async (trx: Tx, mail: InboundMail, opts: TicketFromMailOptions, parentTicketId?: number): Promise<{ outcome: 'ticket_created'; ticketId: number; note?: string }> => {
    let customerId = opts.customerId;
    if (opts.siteId !== undefined && customerId === undefined) {
      customerId = (await trx.selectFrom('sites').select('customer_id').where('id', '=', opts.siteId).executeTakeFirst())?.customer_id;
    }
    const ticket = await tickets.createIn(trx, {
      summary: mail.subject.trim() || '(no subject)', details: mail.text.slice(0, MAX_DETAILS), source: 'email',
      ticketTypeId: opts.ticketTypeId, priority: opts.priority, customerId, siteId: opts.siteId, parentTicketId,
    }, actor);
    if (parentTicketId) {
      await tickets.addActionIn(trx, ticket.id, 'system', `Follow-up of ticket #${parentTicketId}, which was closed more than 7 days ago`, actor,
        { parentTicketId });
    }
    await addMail(trx, ticket.id, mail);
    return { outcome: 'ticket_created', ticketId: ticket.id };
  };

  /**
   * Adds the mail to a ticket; a closed one is reopened within the window, otherwise the mail goes to
   * the ticket's open follow-up, or opens one.
   */
  const continueTicket = async (trx: Tx, ticketId: number, mail: InboundMail, opts: TicketFromMailOptions, how: string): Promise<RuleActionOutcome> => {
    const ticket = await tickets.load(ticketId, trx);
    if (ticket.status !== 'closed') return append(trx, ticketId, mail, how);
    const closedAt = ticket.closed_at ? Date.parse(ticket.closed_at) : 0;
    if (Date.now() - closedAt <= REOPEN_WINDOW_MS) {
      await tickets.updateIn(trx, ticketId, { status: 'in_progress' }, actor, 'email');
      return append(trx, ticketId, mail, `${how}; reopened`);
    }
    // Two replies to the old ticket processed at once (PostgreSQL lanes) must not open two follow-ups:
    // the row write waits for the other's commit, after which its follow-up is found. SQLite has one writer.
    await rawQuery(trx, 'update tickets set updated_at = updated_at where id = ?', [ticketId]);
    const followUp = await findOpenFollowUp(trx, ticketId);
    if (followUp) return append(trx, followUp, mail, `${how}; ticket #${ticketId} was closed over 7 days ago, added to its follow-up`);
    const made = await create(trx, mail, opts, ticketId);
    return { ...made, note: `${how}; ticket #${ticketId} was closed over 7 days ago, follow-up opened` };
  };

  return {
    referenceProblems: ticketReferenceProblems,

    addMailToTicket: (trx: Tx, ticketId: number, mail: InboundMail, note?: string) => continueTicket(trx, ticketId, mail, {}, note ?? 'added'),

    async ticketFromMail(trx: Tx, mail: InboundMail, opts: TicketFromMailOptions = {}): Promise<RuleActionOutcome> {
      const ref = await findReferencedTicket(trx, mail, mail.inboundMessageId);
      if (ref) return continueTicket(trx, ref.ticketId, mail, opts, `reply (${ref.via})`);
      if (opts.threadKey) {
        const keys = mailDb(trx);
        const known = (await rawQuery<{ ticket_id: number; status: string }>(trx, THREAD_TICKET, [opts.threadKey])).rows[0];
        if (known && known.status !== 'closed') return append(trx, Number(known.ticket_id), mail, 'same thread key');
        const made = await create(trx, mail, opts);
        const t = now();
        // Two processors racing on a new key: the loser's transaction rolls back and the mail is retried.
        const won = known
          ? Number((await keys.updateTable('email_thread_keys').set({ ticket_id: made.ticketId, updated_at: t })
            .where('thread_key', '=', opts.threadKey).where('ticket_id', '=', known.ticket_id).executeTakeFirst()).numUpdatedRows) === 1
          : !!(await keys.insertInto('email_thread_keys').values({ thread_key: opts.threadKey, ticket_id: made.ticketId, created_at: t, updated_at: t })
            .onConflict((oc) => oc.column('thread_key').doNothing()).returning('thread_key').executeTakeFirst());
        if (!won) throw new ConcurrentMailError(`another mail with thread key ${opts.threadKey} was ticketed at the same time`);
        return made;
      }
      return create(trx, mail, opts);
    },
  };
}

export type MailTicketing = ReturnType<typeof createMailTicketing>;

/** The mail lost a race with another one for the same thread; processing it again resolves it. */
export class ConcurrentMailError extends Error {}
