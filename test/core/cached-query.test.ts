import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedQuery } from '../../src/db/cached-query.ts';
import { openDatabase, type DbHandle, type Executor } from '../../src/db/database.ts';
import { createTestDatabase, postgresSkipReason, postgresUrl, type TestDatabase } from '../support/test-database.ts';

type Probe = { id: number; name: string; note: string | null; size: number };
type Scratch = { probe: Probe };
const as = (exec: Executor) => exec as unknown as Kysely<Scratch>;

// Shared by both databases: a plan is kept per dialect.
const byName = cachedQuery((exec, name: string) => as(exec).selectFrom('probe').select(['id', 'name']).where('name', '=', name));
const insertProbe = cachedQuery((exec, row: { id: number; name: string; note?: string | null; size?: number | ReturnType<typeof sql> }) =>
  as(exec).insertInto('probe').values(row as never).returningAll());
const rename = cachedQuery((exec, id: number, patch: Partial<Probe>) => as(exec).updateTable('probe').set(patch).where('id', '=', id));

const skipPg = await postgresSkipReason();
if (skipPg) console.warn(`[skipped] cached queries on PostgreSQL: ${skipPg}`);

describe.each([['sqlite'], ['postgres']] as const)('cached Kysely queries on %s', (dialect) => {
  let handle: DbHandle;
  let tdb: TestDatabase | null = null;
  let dir = '';

  beforeAll(async () => {
    if (dialect === 'postgres') {
      if (skipPg) return;
      tdb = await createTestDatabase('postgres');
      handle = openDatabase({ databaseUrl: postgresUrl, dataDir: '.', pgSchema: tdb.pgSchema, poolSize: 2 });
    } else {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-cached-query-'));
      handle = openDatabase({ dataDir: dir });
    }
    await sql`create table probe (id integer primary key, name text not null, note text default 'unset', size integer not null default 7)`.execute(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    await tdb?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(dialect === 'postgres' && !!skipPg)('runs the query built once with each call\'s values, keeping the constants the build had', async () => {
    const db = handle.db;
    for (let i = 1; i <= 5; i++) await insertProbe.first(db, { id: i, name: i % 2 ? 'odd' : 'even', size: i });
    let builds = 0;
    const byNameAndSize = cachedQuery((exec, name: string, size: number) => {
      builds++;
      return as(exec).selectFrom('probe').select(['id', 'name']).where('name', '=', name).where('size', '>=', size).orderBy('id').limit(2);
    });
    expect(await byNameAndSize.all(db, 'odd', 2)).toEqual([{ id: 3, name: 'odd' }, { id: 5, name: 'odd' }]);
    expect(await byNameAndSize.all(db, 'even', 0)).toEqual([{ id: 2, name: 'even' }, { id: 4, name: 'even' }]);
    expect(await byNameAndSize.all(db, 'odd', 6)).toEqual([]);
    // The limit of 2 came from the build and stays, whatever the arguments.
    expect(await byNameAndSize.all(db, 'odd', 0)).toHaveLength(2);
    expect(builds).toBe(1);
  });

  it.skipIf(dialect === 'postgres' && !!skipPg)('builds a plan per set of keys of a values object, leaving out undefined ones as Kysely does', async () => {
    const db = handle.db;
    const full = await insertProbe.firstOrThrow(db, { id: 10, name: 'full', note: null, size: 3 });
    const bare = await insertProbe.firstOrThrow(db, { id: 11, name: 'bare', note: undefined });
    expect(full).toMatchObject({ id: 10, name: 'full', note: null, size: 3 });
    // note and size were left out, so the table's defaults apply.
    expect(bare).toMatchObject({ id: 11, name: 'bare', note: 'unset', size: 7 });
    expect(await rename.run(db, 11, { name: 'renamed' })).toEqual({ changed: 1 });
    expect(await rename.run(db, 11, { note: 'n', size: 9 })).toEqual({ changed: 1 });
    expect(await rename.run(db, 999, { name: 'nobody' })).toEqual({ changed: 0 });
    expect(await as(db).selectFrom('probe').selectAll().where('id', '=', 11).executeTakeFirst()).toEqual({ id: 11, name: 'renamed', note: 'n', size: 9 });
  });

  it.skipIf(dialect === 'postgres' && !!skipPg)('builds afresh when a values object holds an expression instead of a value', async () => {
    const db = handle.db;
    const a = await insertProbe.firstOrThrow(db, { id: 20, name: 'expr', size: sql`2 + 3` });
    const b = await insertProbe.firstOrThrow(db, { id: 21, name: 'expr', size: sql`4 * 4` });
    expect([a.size, b.size]).toEqual([5, 16]);
  });

  it.skipIf(dialect === 'postgres' && !!skipPg)('builds afresh for a list, whose length is part of the query', async () => {
    const db = handle.db;
    const byIds = cachedQuery((exec, ids: number[]) => as(exec).selectFrom('probe').select('id').where('id', 'in', ids).orderBy('id'));
    expect(await byIds.all(db, [1, 2])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await byIds.all(db, [3, 4, 5])).toEqual([{ id: 3 }, { id: 4 }, { id: 5 }]);
  });

  it.skipIf(dialect === 'postgres' && !!skipPg)('refuses a build that uses an argument other than as a value, instead of caching a wrong query', async () => {
    const db = handle.db;
    const misuse = cachedQuery((exec, big: boolean) => as(exec).selectFrom('probe').select('id').$if(big, (qb) => qb.where('size', '>', 5)));
    await expect(misuse.all(db, true)).rejects.toThrow(/argument 0\. is not a parameter of the query/);
  });

  it.skipIf(dialect === 'postgres' && !!skipPg)('works inside a transaction and sees its uncommitted rows', async () => {
    await handle.db.transaction().execute(async (trx) => {
      await insertProbe.first(trx, { id: 30, name: 'in-trx', size: 1 });
      expect(await byName.all(trx, 'in-trx')).toEqual([{ id: 30, name: 'in-trx' }]);
    });
  });
});
