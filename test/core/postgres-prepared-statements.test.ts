import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from '../../src/db/database.ts';
import { withPreparedStatements } from '../../src/db/pg-prepared-statements.ts';
import { createTestDatabase, postgresSkipReason, postgresUrl, type TestDatabase } from '../support/test-database.ts';

const skip = await postgresSkipReason();
if (skip) console.warn(`[skipped] PostgreSQL prepared statements: ${skip}`);

type Scratch = { probe: { a: number; b?: string | null } };

describe.skipIf(!!skip)('PostgreSQL prepared statements', () => {
  let tdb: TestDatabase;
  let handle: DbHandle;
  const scratch = () => handle.db as unknown as import('kysely').Kysely<Scratch>;
  const prepared = async () => (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(handle.db)).rows.map((r) => r.statement);

  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    // One connection, so every statement below runs on the session whose prepared statements are read.
    handle = openDatabase({ databaseUrl: postgresUrl, dataDir: '.', pgSchema: tdb.pgSchema, poolSize: 1 });
    await sql`create table probe (a integer not null)`.execute(handle.db);
    await sql`insert into probe (a) values (1), (2)`.execute(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    await tdb?.drop();
  });

  it('prepares a statement with parameters on its second run on the connection, and runs it by name after', async () => {
    for (const a of [1, 2, 1]) {
      const rows = await scratch().selectFrom('probe').select('a').where('a', '=', a).execute();
      expect(rows).toEqual([{ a }]);
    }
    const statements = await prepared();
    expect(statements.filter((s) => s === 'select "a" from "probe" where "a" = $1')).toHaveLength(1);
  });

  it('keeps working when a table behind a prepared select * changes its columns', async () => {
    for (let i = 0; i < 2; i++) expect(await scratch().selectFrom('probe').selectAll().where('a', '=', 1).execute()).toEqual([{ a: 1 }]);
    await sql`alter table probe add column b text`.execute(handle.db);
    await sql`update probe set b = 'x'`.execute(handle.db);
    // Without dropping the old statement, PostgreSQL refuses: "cached plan must not change result type".
    const after = await scratch().selectFrom('probe').selectAll().where('a', '=', 1).execute();
    expect(after).toEqual([{ a: 1, b: 'x' }]);
  });

  it('recovers when another process changes the columns behind a prepared select *', async () => {
    for (let i = 0; i < 2; i++) expect(await scratch().selectFrom('probe').selectAll().where('a', '=', 2).execute()).toEqual([{ a: 2, b: 'x' }]);
    const other = new pg.Client({ connectionString: postgresUrl, options: `-c search_path=${tdb.pgSchema}` });
    await other.connect();
    await other.query('alter table probe add column c integer');
    await other.end();
    // Outside a transaction the statement is prepared again and run at once.
    expect(await scratch().selectFrom('probe').selectAll().where('a', '=', 2).execute()).toEqual([{ a: 2, b: 'x', c: null }]);
    // Prepared again.
    for (let i = 0; i < 2; i++) expect(await scratch().selectFrom('probe').selectAll().where('a', '=', 2).execute()).toEqual([{ a: 2, b: 'x', c: null }]);

    const third = new pg.Client({ connectionString: postgresUrl, options: `-c search_path=${tdb.pgSchema}` });
    await third.connect();
    // Columns are only ever added here: a column dropped while another test file's migrator reads
    // the whole catalog would fail that file's start.
    await third.query('alter table probe add column d integer');
    await third.end();
    // Inside a transaction the first try fails (the transaction is lost); the next one works.
    const inTx = () => handle.db.transaction().execute((trx) => (trx as unknown as import('kysely').Kysely<Scratch>)
      .selectFrom('probe').selectAll().where('a', '=', 2).execute());
    await expect(inTx()).rejects.toThrow(/cached plan/);
    expect(await inTx()).toEqual([{ a: 2, b: 'x', c: null, d: null }]);
  });

  it('prepares nothing when turned off (DATABASE_PREPARED_STATEMENTS=false)', async () => {
    const off = openDatabase({ databaseUrl: postgresUrl, dataDir: '.', pgSchema: tdb.pgSchema, poolSize: 1, preparedStatements: false });
    try {
      const probe = off.db as unknown as import('kysely').Kysely<Scratch>;
      for (let i = 0; i < 3; i++) expect(await probe.selectFrom('probe').select('a').where('a', '=', 2).execute()).toEqual([{ a: 2 }]);
      const n = (await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(off.db)).rows[0]!.n;
      expect(n).toBe(0);
    } finally {
      await off.close();
    }
  });

  it('runs statements without parameters unprepared', async () => {
    await sql`select count(*) from probe`.execute(handle.db);
    expect((await prepared()).some((s) => s.includes('count(*)'))).toBe(false);
  });

  it('keeps at most its capacity of statements on a connection, dropping the least recently used', async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 1, options: `-c search_path=${tdb.pgSchema}` });
    const small = new Kysely<Scratch>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool, 2) }) });
    const statements = async () => (await sql<{ statement: string }>`select statement from pg_prepared_statements order by statement`.execute(small)).rows
      .map((r) => r.statement);
    const eq = () => small.selectFrom('probe').select('a').where('a', '=', 1).execute();
    const gt = () => small.selectFrom('probe').select('a').where('a', '>', 1).execute();
    const lt = () => small.selectFrom('probe').select('a').where('a', '<', 2).execute();
    try {
      for (let i = 0; i < 2; i++) {
        expect(await eq()).toEqual([{ a: 1 }]);
        expect(await gt()).toEqual([{ a: 2 }]);
      }
      expect(await eq()).toEqual([{ a: 1 }]);
      for (let i = 0; i < 2; i++) expect(await lt()).toEqual([{ a: 1 }]);
      expect(await statements()).toEqual(['select "a" from "probe" where "a" < $1', 'select "a" from "probe" where "a" = $1']);
      // The dropped one is prepared again when it comes back.
      for (let i = 0; i < 2; i++) expect(await gt()).toEqual([{ a: 2 }]);
      expect(await statements()).toEqual(['select "a" from "probe" where "a" < $1', 'select "a" from "probe" where "a" > $1']);
    } finally {
      await small.destroy();
    }
  });
});
