import type { Kysely, Transaction } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { DB, InboundMessagesTable } from '../db/schema.ts';

/** The columns and tables migration 0003-mail adds, typed for the mail pipeline's queries. */
export type EmailThreadKeysTable = { thread_key: string; ticket_id: number; created_at: string; updated_at: string };
export type MailDB = Omit<DB, 'inbound_messages'> & {
  inbound_messages: InboundMessagesTable & { lease_until: string | null; locked_by: string | null };
  email_thread_keys: EmailThreadKeysTable;
};
export type MailExecutor = Kysely<MailDB> | Transaction<MailDB>;

export const mailDb = (exec: Executor): MailExecutor => exec as unknown as MailExecutor;
