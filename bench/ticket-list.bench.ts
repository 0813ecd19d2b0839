/**
 * Ticket list latency with 1,000,000 tickets, 100 concurrent clients (autocannon), on SQLite and PostgreSQL.
 * Baseline in the same run: GET /api/health (auth-free, one trivial query) on the same server.
 *
 *   npx tsx bench/ticket-list.bench.ts [--db sqlite|postgres] [--tickets 1000000] [--seconds 10] [--connections 100]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { startRelaydesk } from '../src/main.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    tickets: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
  },
});
const total = Number(args.tickets);
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-'));
let pgSchema: string | undefined;
if (args.db === 'postgres') {
  pgSchema = `bench_${crypto.randomBytes(3).toString('hex')}`;
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`create schema ${pgSchema}`);
  await c.end();
}

const config = loadConfig({
  RELAYDESK_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', RELAYDESK_WORKERS: 'false',
  RELAYDESK_ADMIN_EMAIL: 'bench@example.test', RELAYDESK_ADMIN_PASSWORD: 'bench-password',
  ...(args.db === 'postgres' ? { DATABASE_URL: pgUrl } : {}),
});
const app = await startRelaydesk(config, { pgSchema });
const db = app.ctx.db;

console.log(`seeding ${total.toLocaleString()} tickets on ${app.ctx.dialect}…`);
const t0 = performance.now();
const now = new Date().toISOString();
const customers = 200;
for (let c = 1; c <= customers; c++) {
  const cust = await db.insertInto('customers').values({ name: `Customer ${c}`, main_site_id: null, is_top_level: 0, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  const site = await db.insertInto('sites').values({ customer_id: cust.id, name: `Site ${c}`, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  await db.updateTable('customers').set({ main_site_id: site.id }).where('id', '=', cust.id).execute();
}
const statuses = ['new', 'in_progress', 'waiting', 'closed', 'closed', 'closed'];
if (app.ctx.dialect === 'postgres') {
  await sql`insert into tickets (number, summary, details, status, priority, ticket_type_id, customer_id, site_id, source, opened_at, updated_at, agent_touched)
    select g, 'Alert on device ' || g || ' disk usage', '', (array['new','in_progress','waiting','closed','closed','closed'])[1 + g % 6],
      1 + g % 4, 1 + g % 3, 1 + g % ${sql.lit(customers)}, 1 + g % ${sql.lit(customers)}, (array['email','webhook','api','web'])[1 + g % 4],
      ${now}, ${now}, 0
    from generate_series(1, ${total}) g`.execute(db);
  await sql`analyze tickets`.execute(db);
} else {
  const batch = 5000;
  for (let start = 1; start <= total; start += batch) {
    await db.transaction().execute(async (trx) => {
      const rows = [];
      for (let g = start; g < Math.min(start + batch, total + 1); g++) {
        rows.push({
          number: g, summary: `Alert on device ${g} disk usage`, details: '', status: statuses[g % 6] as 'new', priority: 1 + (g % 4),
          ticket_type_id: 1 + (g % 3), customer_id: 1 + (g % customers), site_id: 1 + (g % customers),
          source: (['email', 'webhook', 'api', 'web'] as const)[g % 4]!, opened_at: now, updated_at: now, agent_touched: 0,
        });
      }
      for (let i = 0; i < rows.length; i += 500) await trx.insertInto('tickets').values(rows.slice(i, i + 500)).execute();
    });
  }
  await sql`analyze`.execute(db);
}
console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const token = (await app.ctx.services.agents.createToken(1, 'bench')).token;
const headers = { authorization: `Bearer ${token}` };
const deepCursor = ((await (await fetch(`${app.url}/api/tickets?limit=200&status=closed`, { headers })).json()) as { nextCursor: string }).nextCursor;

const scenarios: Array<[string, string]> = [
  ['baseline: GET /api/health', '/api/health'],
  ['first page, newest 50', '/api/tickets?limit=50'],
  ['open tickets of one customer', '/api/tickets?limit=50&open=true&customerId=17'],
  ['status=new, by priority', '/api/tickets?limit=50&status=new&sort=priority'],
  ['next page (keyset cursor), closed', `/api/tickets?limit=50&status=closed&cursor=${deepCursor}`],
  ['text search, rare text (1,111 summaries)', '/api/tickets?limit=50&q=device%20123'],
  ['text search, common text (every summary)', '/api/tickets?limit=50&q=disk%20usage'],
];

type Row = { scenario: string; rps: number; p50: number; p99: number; errors: number };
const rows: Row[] = [];
for (const [name, url] of scenarios) {
  // Let the previous scenario's backlog drain so each one is measured on an idle server.
  for (let i = 0; i < 600; i++) {
    const t = performance.now();
    await fetch(`${app.url}/api/health`);
    if (performance.now() - t < 20) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const r = await autocannon({ url: app.url + url, connections: Number(args.connections), duration: Number(args.seconds), headers });
  rows.push({ scenario: name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx });
}
const base = rows[0]!;
console.log(`\n${app.ctx.dialect}, ${total.toLocaleString()} tickets, ${args.connections} connections, ${args.seconds} s each, ${os.cpus().length} cores`);
console.log('| scenario | req/s | p50 ms | p99 ms | p50 vs baseline | errors |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p99} | ${(r.p50 / Math.max(1, base.p50)).toFixed(1)}× | ${r.errors} |`);

await app.stop();
fs.rmSync(dataDir, { recursive: true, force: true });
if (pgSchema) {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`drop schema ${pgSchema} cascade`);
  await c.end();
}
