import type { Executor } from '../db/database.ts';

const meta = ['id', 'ticket_id', 'inbound_message_id', 'filename', 'content_type', 'size', 'created_at'] as const;

export const listTicketAttachments = (db: Executor, ticketId: number) =>
  db.selectFrom('ticket_attachments').select([...meta]).where('ticket_id', '=', ticketId).orderBy('id').execute();

export const findAttachment = (db: Executor, id: number) =>
  db.selectFrom('ticket_attachments').select([...meta, 'content']).where('id', '=', id).executeTakeFirst();
