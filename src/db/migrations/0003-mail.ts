import type { Kysely } from 'kysely';

/**
 * The mail pipeline's additions: a claim lease on inbound messages (several processors on one
 * PostgreSQL), a Message-ID index for reply threading across mailboxes, and the thread keys that
 * group repeated mails (e.g. the same alert) onto one ticket.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('inbound_messages').addColumn('lease_until', 'text').execute();
  await db.schema.alterTable('inbound_messages').addColumn('locked_by', 'text').execute();
  await db.schema.createIndex('inbound_messages_message_id').on('inbound_messages').columns(['message_id']).execute();

  await db.schema.createTable('email_thread_keys')
    .addColumn('thread_key', 'text', (c) => c.primaryKey())
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('email_thread_keys_ticket').on('email_thread_keys').columns(['ticket_id']).execute();
  await db.schema.createIndex('email_rules_position').on('email_rules').columns(['position', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
