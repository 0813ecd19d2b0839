import type { Executor } from '../db/database.ts';
import type { ParsedMail } from './mail-parser.ts';
import { rawQuery } from './raw-sql.ts';

/** `[#1234]` anywhere in the subject names ticket number 1234. */
const SUBJECT_REFERENCE = /\[#(\d{1,9})\]/;

export function subjectTicketNumber(subject: string): number | null {
  const m = SUBJECT_REFERENCE.exec(subject);
  return m ? Number(m[1]) : null;
}

const SAME_MESSAGE_ID = `select ticket_id from inbound_messages
  where message_id = ? and from_addr = ? and ticket_id is not null and id <> ? order by id desc limit 1`;

export type TicketReference = { ticketId: number; via: 'subject' | 'in-reply-to' | 'message-id' };

/**
 * The ticket a mail continues: a `[#N]` subject tag, an In-Reply-To/References id that we sent
 * (outbound_messages) or that an earlier inbound mail carried when it made or updated a ticket, or
 * the mail's own Message-ID when an earlier mail from the same sender with that id (but other
 * content: a resend) was ticketed. Another sender reusing a Message-ID is a new mail, so knowing an
 * id is not enough to write into someone else's ticket.
 */
export async function findReferencedTicket(
  exec: Executor, mail: Pick<ParsedMail, 'subject' | 'inReplyTo' | 'references' | 'messageId' | 'from'>, selfId?: number,
): Promise<TicketReference | null> {
  const number = subjectTicketNumber(mail.subject);
  if (number !== null) {
    const t = await exec.selectFrom('tickets').select('id').where('number', '=', number).executeTakeFirst();
    if (t) return { ticketId: t.id, via: 'subject' };
  }
  const ids = [...new Set([mail.inReplyTo, ...mail.references.slice().reverse()].filter((x): x is string => !!x))].slice(0, 20);
  if (ids.length) {
    const out = await exec.selectFrom('outbound_messages').select('ticket_id').where('message_id', 'in', ids)
      .orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (out) return { ticketId: out.ticket_id, via: 'in-reply-to' };
    // The nearest reference wins (In-Reply-To, then References from the newest); of the mails that
    // carried that id, the first is the one replied to: a later one reusing the id may be anyone's.
    const rows = await exec.selectFrom('inbound_messages').select(['message_id', 'ticket_id']).where('message_id', 'in', ids)
      .where('ticket_id', 'is not', null).orderBy('id').limit(200).execute();
    const first = new Map<string, number>();
    for (const r of rows) if (!first.has(r.message_id!)) first.set(r.message_id!, r.ticket_id!);
    const hit = ids.find((id) => first.has(id));
    if (hit) return { ticketId: first.get(hit)!, via: 'in-reply-to' };
  }
  if (mail.messageId && mail.from) {
    const same = (await rawQuery<{ ticket_id: number }>(exec, SAME_MESSAGE_ID, [mail.messageId, mail.from.address, selfId ?? 0])).rows[0];
    if (same?.ticket_id) return { ticketId: Number(same.ticket_id), via: 'message-id' };
  }
  return null;
}

/**
 * The open follow-up that mail made of a ticket closed too long ago to reopen (its `parent_ticket_id`),
 * the newest if several: later replies to the old ticket join it rather than open one each.
 */
export async function findOpenFollowUp(exec: Executor, ticketId: number): Promise<number | null> {
  const t = await exec.selectFrom('tickets').select('id').where('parent_ticket_id', '=', ticketId).where('source', '=', 'email')
    .where('status', '<>', 'closed').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return t?.id ?? null;
}
