import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './database.ts';
import * as m0001 from './migrations/0001-core.ts';
import * as m0002 from './migrations/0002-seed-ticket-types.ts';
import * as m0003 from './migrations/0003-mail.ts';
import * as m0004 from './migrations/0004-datto-import.ts';
import * as m0005 from './migrations/0005-datto-alerts.ts';
import * as m0006 from './migrations/0006-ticket-sort-indexes.ts';
import * as m0007 from './migrations/0007-email-rule-accept-automated.ts';
import * as m0008 from './migrations/0008-inbound-message-id-order.ts';
import * as m0009 from './migrations/0009-ticket-text-search.ts';
import * as m0010 from './migrations/0010-secret-key-check.ts';

/** The one migration history; append new files here in order. */
const migrations: Record<string, Migration> = {
  '0001-core': m0001,
  '0002-seed-ticket-types': m0002,
  '0003-mail': m0003,
  '0004-datto-import': m0004,
  '0005-datto-alerts': m0005,
  '0006-ticket-sort-indexes': m0006,
  '0007-email-rule-accept-automated': m0007,
  '0008-inbound-message-id-order': m0008,
  '0009-ticket-text-search': m0009,
  '0010-secret-key-check': m0010,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** `schema`: the PostgreSQL schema the tables live in, when it is not the default one. */
export async function migrateToLatest(db: Database, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
