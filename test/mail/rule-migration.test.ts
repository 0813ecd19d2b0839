import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import * as m0001 from '../../src/db/migrations/0001-core.ts';
import * as m0002 from '../../src/db/migrations/0002-seed-ticket-types.ts';
import * as m0003 from '../../src/db/migrations/0003-mail.ts';
import * as m0004 from '../../src/db/migrations/0004-datto-import.ts';
import * as m0005 from '../../src/db/migrations/0005-datto-alerts.ts';
import * as m0006 from '../../src/db/migrations/0006-ticket-sort-indexes.ts';
import { createTestDatabase, postgresUrl, testDialect, type TestDatabase } from '../support/test-database.ts';

const before0007 = {
  '0001-core': m0001, '0002-seed-ticket-types': m0002, '0003-mail': m0003,
  '0004-datto-import': m0004, '0005-datto-alerts': m0005, '0006-ticket-sort-indexes': m0006,
};

describe('migration 0007: email_rules.accept_automated on an existing install', () => {
  let tdb: TestDatabase;
  let handle: DbHandle;
  let dataDir: string;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-migration-'));
    handle = openDatabase({ dataDir, ...(testDialect === 'postgres' ? { databaseUrl: postgresUrl, pgSchema: tdb.pgSchema } : {}) });
    const migrator = new Migrator({
      db: handle.db, provider: { getMigrations: async () => before0007 }, ...(tdb.pgSchema ? { migrationTableSchema: tdb.pgSchema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
    const db = handle.db as unknown as Kysely<any>;
    const t = new Date().toISOString();
    const row = { enabled: 1, match: 'all', conditions: '[]', created_at: t, updated_at: t };
    await db.insertInto('email_rules').values([
      { ...row, name: 'My Datto rule', position: 0, actions: '[{"type":"datto-rmm.alert","params":{}}]', system_key: 'datto-rmm-alerts' },
      { ...row, name: 'Catch-all', position: 1, actions: '[{"type":"create-ticket","params":{}}]', system_key: null },
    ]).execute();
    await migrateToLatest(handle.db, tdb.pgSchema);
  });
  afterAll(async () => {
    await handle?.close();
    await tdb?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the Datto RMM system rule keeps taking machine-sent alert mail; other rules do not', async () => {
    const rows = await handle.db.selectFrom('email_rules').select(['name', 'accept_automated']).orderBy('position').execute();
    expect(rows).toEqual([{ name: 'My Datto rule', accept_automated: 1 }, { name: 'Catch-all', accept_automated: 0 }]);
  });

  it('a row inserted without the column gets 0', async () => {
    const t = new Date().toISOString();
    await sql`insert into email_rules (name, position, enabled, match, conditions, actions, created_at, updated_at)
      values ('Later', 2, 1, 'all', '[]', '[]', ${t}, ${t})`.execute(handle.db);
    const later = await handle.db.selectFrom('email_rules').select('accept_automated').where('name', '=', 'Later').executeTakeFirstOrThrow();
    expect(later.accept_automated).toBe(0);
  });
});
