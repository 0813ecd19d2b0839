import crypto from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/**
 * PostgreSQL test schemas are dropped after the whole run instead of by each file: Kysely's migrator
 * inspects every schema, and one dropped by a parallel file mid-inspection would fail another
 * file's start. Schema names carry the run id and the start time (t_<epoch s>_<run>_…), so a run
 * drops only its own and sweeps leftovers of crashed runs older than a day.
 */
const startedAt = Math.floor(Date.now() / 1000);
const runId = crypto.randomBytes(3).toString('hex');

declare module 'vitest' {
  export interface ProvidedContext {
    testRunPrefix: string;
  }
}

async function drop(filter: (name: string) => boolean) {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
  } catch {
    return;
  }
  try {
    const { rows } = await client.query<{ nspname: string }>("select nspname from pg_namespace where nspname like 't\\_%'");
    for (const r of rows.filter((r) => filter(r.nspname))) await client.query(`drop schema if exists "${r.nspname}" cascade`);
  } finally {
    await client.end();
  }
}

export async function setup(project: TestProject) {
  project.provide('testRunPrefix', `t_${startedAt}_${runId}`);
  await drop((name) => {
    const epoch = Number(name.split('_')[1]);
    return Number.isFinite(epoch) && epoch < startedAt - 86_400;
  });
}

export async function teardown() {
  await drop((name) => name.startsWith(`t_${startedAt}_${runId}_`));
}
