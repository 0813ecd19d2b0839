import type { Kysely } from 'kysely';

/** The ticket list's common filter + sort pairs, so a page is an ordered index scan, not a sort. */
export async function up(db: Kysely<any>): Promise<void> {
  for (const col of ['priority', 'updated_at', 'opened_at']) {
    await db.schema.createIndex(`tickets_status_${col}`).on('tickets').columns(['status', col, 'id']).execute();
  }
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
