import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * Which database the suite runs on: SQLite by default, PostgreSQL when TEST_DB=postgres
 * (with TEST_DATABASE_URL). Each test file gets a fresh schema.
 */
export const testDialect = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
export const postgresUrl = process.env.TEST_DATABASE_URL;

export type TestDatabase = { databaseUrl?: string; pgSchema?: string; drop(): Promise<void> };

export async function createTestDatabase(dialect: 'sqlite' | 'postgres' = testDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') return { drop: async () => {} };
  if (!postgresUrl) throw new Error('TEST_DB=postgres needs TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');
  const schema = `${inject('testRunPrefix')}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return {
    databaseUrl: postgresUrl,
    pgSchema: schema,
    // Swept by test/support/global-setup.ts after the run; see there why not here.
    async drop() {},
  };
}

/** For tests that exist only for PostgreSQL: the reason they are skipped, or null to run. */
export async function postgresSkipReason(): Promise<string | null> {
  if (!postgresUrl) return 'TEST_DATABASE_URL is not set; PostgreSQL tests are skipped (CI sets it)';
  const c = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return null;
  } catch (err) {
    if (process.env.CI) throw new Error(`PostgreSQL at TEST_DATABASE_URL is not reachable in CI: ${(err as Error).message}`);
    return `PostgreSQL at TEST_DATABASE_URL is not reachable (${(err as Error).message}); skipped`;
  }
}
