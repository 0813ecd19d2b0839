import type { Kysely } from 'kysely';

/**
 * Machine-sent mail (Auto-Submitted other than `no`, Precedence bulk/junk/list) only makes a ticket
 * through a rule that accepts it. Existing rules do not, except the Datto RMM module's rule: alert
 * mail is machine mail by nature and that rule has always taken it. The key is written out, not
 * imported: a migration stays what it was when it shipped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('email_rules').addColumn('accept_automated', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.updateTable('email_rules').set({ accept_automated: 1 }).where('system_key', '=', 'datto-rmm-alerts').execute();
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
