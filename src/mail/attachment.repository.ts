import type { Executor } from '../db/database.ts';

const meta = ['id', 'ticket_id', 'inbound_message_id', 'filename', 'content_type', 'size', 'created_at'] as const;

/** Oldest first; the cursor continues after the last id served. */
export const listTicketAttachments = (db: Executor, ticketId: number, page: { afterId?: number; limit: number }) =>
  db.selectFrom('ticket_attachments').select([...meta]).where('ticket_id', '=', ticketId)
    .$if(page.afterId !== undefined, (qb) => qb.where('id', '>', page.afterId!))
    .orderBy('id').limit(page.limit).execute();

export const findAttachment = (db: Executor, id: number) =>
  db.selectFrom('ticket_attachments').select([...meta, 'content']).where('id', '=', id).executeTakeFirst();
