import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const t = new Date().toISOString();
  await db.insertInto('ticket_types').values([
    { name: 'Incident', is_default: 1, created_at: t },
    { name: 'Service Request', is_default: 0, created_at: t },
    { name: 'Alert', is_default: 0, created_at: t },
  ]).execute();
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
