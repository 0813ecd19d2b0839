import type { Kysely } from 'kysely';

/**
 * One value encrypted with the secret key of the first start, so that a start with another key
 * (a second instance or a lost data dir that generated its own) is refused before it meets a
 * stored secret it cannot read.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('secret_key_check')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('check_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
