/**
 * Datto import: 10,000 sites become customers with a main site, 100,000 devices
 * become assets, from the Datto RMM emulator (in its own process, as Datto would
 * be) at Datto's real limits with the window shrunk by `--factor`. The account
 * device listing misses one device in each of `--missing` sites, so the import
 * has to read those sites on their own. Runs what the schedule runs (sites, then
 * devices with the counts the sites import read), then the same again with
 * nothing changed in Datto.
 *
 *   npx tsx bench/datto-import.bench.ts [--factor 4] [--sites 10000] [--devices 100000] [--missing 20] [--db sqlite|postgres]
 *
 * PostgreSQL: `--db postgres` with TEST_DATABASE_URL (a fresh schema is made and dropped).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { startRelaydesk, type Running } from '../src/main.ts';
import { createState } from '../test/datto-emulator/data.ts';
import { login, type Api } from '../test/support/test-server.ts';

const { values } = parseArgs({
  options: {
    factor: { type: 'string' }, sites: { type: 'string' }, devices: { type: 'string' }, missing: { type: 'string' }, db: { type: 'string' },
  },
});
const factor = Number(values.factor ?? 4);
const siteCount = Number(values.sites ?? 10_000);
const deviceCount = Number(values.devices ?? 100_000);
const missing = Number(values.missing ?? 20);
const usePostgres = values.db === 'postgres';
const readLimit = 600;
const pageSize = 250;
const windowMs = 60_000 / factor;

const tracked = ['customers', 'sites', 'assets', 'datto_site_links', 'datto_device_links'] as const;
type LogEntry = { path: string; status: number; slowedDown: boolean; at: number };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const emulator = spawn(
  process.execPath,
  ['--import', 'tsx', 'test/datto-emulator/cli.ts', '--sites', String(siteCount), '--devices', String(deviceCount), '--alerts', '0',
    '--window-factor', String(factor)],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
let running: Running | undefined;
let dropSchema: (() => Promise<void>) | undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-'));

try {
  const banner = await readBanner();
  const control = async (route: string, method = 'GET', body?: unknown) =>
    (await fetch(`${banner.url}/__emulator/${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })).json();

  // The same seed gives the same data as the emulator's: pick the devices its account listing will miss.
  const data = createState({ seed: 1, sites: siteCount, devices: deviceCount, devicesPerSite: 3, alerts: 0, resolvedAlerts: 0, platform: 'merlot' });
  const check = (await control('state/site', 'POST', [data.sites[0]!.uid])) as { uid?: string } | null;
  if (check?.uid !== data.sites[0]!.uid) throw new Error('the local copy of the emulator data does not match the emulator');
  const missingSites = data.sites.filter((_, i) => i % Math.max(1, Math.floor(siteCount / Math.max(1, missing))) === 0).slice(0, missing);
  await control('faults/hideFromAccountDevices', 'POST', [missingSites.map((s) => data.devicesOfSite(s.uid)[0]!.uid)]);
  const minimumPages = Math.ceil(siteCount / pageSize) + Math.ceil((deviceCount - missingSites.length) / pageSize)
    + missingSites.reduce((n, s) => n + Math.ceil(data.devicesOfSite(s.uid).length / pageSize), 0);

  let databaseUrl: string | undefined;
  let pgSchema: string | undefined;
  if (usePostgres) {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('--db postgres needs TEST_DATABASE_URL');
    pgSchema = `bench_${crypto.randomBytes(4).toString('hex')}`;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`create schema ${pgSchema}`);
    await c.end();
    databaseUrl = url;
    dropSchema = async () => {
      const d = new pg.Client({ connectionString: url });
      await d.connect();
      await d.query(`drop schema if exists ${pgSchema} cascade`);
      await d.end();
    };
  }
  const admin = { email: 'bench@example.test', password: 'bench-password-1' };
  const config = loadConfig({
    RELAYDESK_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error',
    RELAYDESK_SECRET_KEY: crypto.randomBytes(32).toString('base64'), RELAYDESK_ADMIN_EMAIL: admin.email, RELAYDESK_ADMIN_PASSWORD: admin.password,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  running = await startRelaydesk(config, {
    pgSchema, workerPollMs: 50, schedulerEveryMs: 50, modules: { 'datto-rmm': { client: { windowFactor: factor } } },
  });
  const api = await login(running.url, admin.email, admin.password);
  const put = await api.put('/api/integrations/datto-rmm', {
    enabled: true, apiUrl: banner.url, apiKey: banner.key, apiSecret: banner.secret,
    siteImport: { mode: 'customerPerSite', scheduleMinutes: 60 }, assetImport: { enabled: true },
  });
  if (put.status !== 200) throw new Error(`settings: ${JSON.stringify(put.body)}`);

  const rows: string[][] = [];
  for (const phase of ['full import', 'again, nothing changed'] as const) {
    // Each run starts on an empty window, as an hourly run would.
    await new Promise((r) => setTimeout(r, windowMs * 1.1));
    await control('log', 'DELETE');
    const before = await snapshot(running);
    const startedIso = new Date().toISOString();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await running.ctx.db.updateTable('job_schedules').set({ next_run_at: new Date(Date.now() - 1000).toISOString() })
      .where('name', '=', 'datto-rmm.sync-sites').execute();
    const { sites, devices } = await waitForRun(api, startedIso);
    const wall = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const after = await snapshot(running);
    const log = (await control('log')) as LogEntry[];

    const apiRequests = log.filter((e) => e.path.startsWith('/api/')).length;
    const bound = (apiRequests / readLimit) * (windowMs / 1000);
    const written = await rowsWrittenSince(running, startedIso) + Math.max(0, before.total - after.total);
    const minimum = minimumPages + (phase === 'full import' ? 1 : 0);
    rows.push([
      phase, String(log.length), String(minimum), String(log.filter((e) => e.status === 429).length), String(log.filter((e) => e.slowedDown).length),
      String(devices.sitesWalked), wall.toFixed(2), ((cpu.user + cpu.system) / 1e6).toFixed(2), bound.toFixed(2), (wall / bound).toFixed(2),
      `${sites.created}/${sites.unchanged} · ${devices.created}/${devices.unchanged}`, String(written),
    ]);
    console.error(`${phase}: sites ${JSON.stringify(sites)}\n  devices ${JSON.stringify(devices)}`);
  }

  const header = ['run', 'requests', 'minimum', '429s', 'slowed', 'sites walked', 'wall s', 'cpu s', 'bound s', 'wall ÷ bound', 'created/unchanged sites · devices', 'rows written'];
  console.log(`\nDatto import, ${siteCount} sites / ${deviceCount} devices (${missingSites.length} missed by the account listing), `
    + `window 60 s ÷ ${factor} = ${windowMs} ms, ${readLimit} reads per window, ${usePostgres ? 'PostgreSQL' : 'SQLite'}, Node ${process.version}, `
    + `${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  await running?.stop();
  await dropSchema?.();
  emulator.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}

type Counts = { seconds: number; created: number; updated: number; unchanged: number; failed: number; deleted: number; skipped: number; sitesWalked: number };

/** Waits for the scheduled sites run started after `since` and the devices run it hands over to. */
async function waitForRun(api: Api, since: string): Promise<{ sites: Counts; devices: Counts }> {
  const finished = async (kind: string) => {
    const res = await api.get(`/api/jobs?kind=${kind}&limit=1`);
    const job = res.body.items[0];
    if (!job || job.createdAt < since) return undefined;
    if (job.state === 'failed') throw new Error(`${kind} failed: ${job.error}`);
    if (job.state !== 'done') return undefined;
    return { ...(job.result as Counts), seconds: (Date.parse(job.finishedAt) - Date.parse(job.createdAt)) / 1000 };
  };
  for (;;) {
    const sites = await finished('datto-rmm.sync-sites');
    const devices = sites ? await finished('datto-rmm.sync-devices') : undefined;
    if (sites && devices) return { sites, devices };
    await new Promise((r) => setTimeout(r, 100));
  }
}


async function snapshot(r: Running): Promise<{ total: number }> {
  let total = 0;
  for (const table of [...tracked, 'audit_log'] as const) {
    const res = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(r.ctx.db);
    total += Number(res.rows[0]!.n);
  }
  return { total };
}

/** Rows of the import's tables inserted or updated since (updated_at moves on both), plus audit entries written since. */
async function rowsWrittenSince(r: Running, since: string): Promise<number> {
  let n = 0;
  for (const table of tracked) {
    const res = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where updated_at >= ${since}`.execute(r.ctx.db);
    n += Number(res.rows[0]!.n);
  }
  const audit = await sql<{ n: number }>`select count(*) as n from audit_log where created_at >= ${since}`.execute(r.ctx.db);
  return n + Number(audit.rows[0]!.n);
}

async function readBanner(): Promise<{ url: string; key: string; secret: string }> {
  const found: Record<string, string> = {};
  const lines = readline.createInterface({ input: emulator.stdout! });
  for await (const line of lines) {
    const match = /^\s*(API URL|API key|API secret):\s+(\S+)/.exec(line);
    if (match) found[match[1]!] = match[2]!;
    if (found['API secret']) break;
  }
  if (!found['API URL'] || !found['API key'] || !found['API secret']) throw new Error('the emulator did not start');
  return { url: found['API URL'], key: found['API key'], secret: found['API secret'] };
}
