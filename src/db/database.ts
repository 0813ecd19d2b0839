import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import type { DB } from './schema.ts';
import { withPreparedStatements } from './pg-prepared-statements.ts';
import { withStatementCache } from './sqlite-statement-cache.ts';

export type Database = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Either the database or an open transaction: repositories take this so callers choose. */
export type Executor = Kysely<DB> | Transaction<DB>;
export type Dialect = 'sqlite' | 'postgres';

export type DbHandle = { db: Database; dialect: Dialect; pgSchema?: string; close(): Promise<void> };

// pg returns int8 (count(*), bigint ids) as strings; our ids and counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export type OpenOptions = {
  databaseUrl?: string; dataDir: string; sqliteFile?: string; pgSchema?: string; poolSize?: number;
  /** PostgreSQL: name frequent statements per connection (default true); see pg-prepared-statements.ts. */
  preparedStatements?: boolean;
};

export function openDatabase(options: OpenOptions): DbHandle {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
    });
    // An idle client losing its connection must not crash the process.
    pool.on('error', () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: options.preparedStatements === false ? pool : withPreparedStatements(pool) }) });
    return { db, dialect: 'postgres', pgSchema: options.pgSchema, close: () => db.destroy() };
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = options.sqliteFile ?? path.join(options.dataDir, 'relaydesk.sqlite');
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is on disk (fsync) before it returns, so a mail or webhook we acknowledged survives
  // a power cut, not only a crash of the process. Group commits keep the cost per message small.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 64 MiB of page cache (the default is 2 MiB): a desk's working set of tickets and alerts fits.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('wal_autocheckpoint = 10000');
  // SQLite's lower() and like fold only A-Z: text filters fold every letter with this (see core/text-match.ts).
  sqlite.function('fold_case', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

export function now(): string {
  return new Date().toISOString();
}
