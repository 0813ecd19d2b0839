import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withStatementCache } from '../../src/db/sqlite-statement-cache.ts';

type Row = { id: number; name: string };
const opened: Kysely<{ t: Row }>[] = [];

function open(capacity?: number) {
  const sqlite = new SqliteDatabase(':memory:');
  const prepare = vi.spyOn(sqlite, 'prepare');
  const db = new Kysely<{ t: Row }>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, capacity) }) });
  opened.push(db);
  return { db, prepare };
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});

describe('SQLite statement cache', () => {
  it('prepares a statement once and reuses it with other parameters', async () => {
    const { db, prepare } = open();
    await sql`create table t (id integer primary key, name text)`.execute(db);
    for (let i = 1; i <= 5; i++) await db.insertInto('t').values({ id: i, name: `n${i}` }).execute();
    const names = [];
    for (let i = 1; i <= 5; i++) names.push((await db.selectFrom('t').select('name').where('id', '=', i).executeTakeFirst())?.name);
    expect(names).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    // create + one insert + one select
    expect(prepare).toHaveBeenCalledTimes(3);
  });

  it('gives a statement that is still being iterated no second caller', () => {
    const sqlite = new SqliteDatabase(':memory:');
    const cached = withStatementCache(sqlite);
    sqlite.exec('create table t (id integer primary key); insert into t values (1), (2), (3)');
    const text = 'select id from t order by id';
    const outer: unknown[] = [];
    const inner: unknown[][] = [];
    for (const row of cached.prepare(text).iterate([])) {
      outer.push(row);
      // Sharing the busy statement would throw "This statement is busy executing a query".
      inner.push(cached.prepare(text).all([]));
    }
    expect(outer).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(inner).toEqual(Array.from({ length: 3 }, () => [{ id: 1 }, { id: 2 }, { id: 3 }]));
    cached.close();
  });

  it('keeps at most its capacity and evicts the least recently used', async () => {
    const { db, prepare } = open(2);
    await sql`create table t (id integer primary key, name text)`.execute(db);
    const byId = (id: number) => db.selectFrom('t').select('id').where('id', '=', id);
    const byName = () => db.selectFrom('t').select('id').where('name', '=', 'x');
    const all = () => db.selectFrom('t').select('id');
    await byId(1).execute(); // cache: byId
    await byName().execute(); // cache: byId, byName (the create was evicted)
    await byId(2).execute(); // hit; byName is now least recent
    await all().execute(); // evicts byName
    prepare.mockClear();
    await byId(3).execute();
    expect(prepare).not.toHaveBeenCalled();
    await byName().execute();
    expect(prepare).toHaveBeenCalledTimes(1);
  });
});
