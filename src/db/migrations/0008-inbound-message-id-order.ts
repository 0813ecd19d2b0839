import type { Kysely } from 'kysely';

/**
 * "The latest ticketed mail with this Message-ID" (reply threading, duplicate Message-IDs) filters on
 * message_id and orders by id. With message_id alone indexed, PostgreSQL walked the primary key
 * backwards and filtered, reading the whole inbox for a Message-ID it had not seen: (message_id, id)
 * serves the filter and the order together.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('inbound_messages_message_id_order').on('inbound_messages').columns(['message_id', 'id']).execute();
  await db.schema.dropIndex('inbound_messages_message_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
