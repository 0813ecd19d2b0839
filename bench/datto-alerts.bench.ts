/**
 * Datto RMM alerts at scale, against the Datto RMM emulator (its own process, Datto's real limits,
 * the 60 s window shrunk by --factor for emulator and client alike):
 *
 *  A. resolve: 5,000 alert tickets closed at once → time until the emulator has answered every
 *     `POST /v2/alert/{uid}/resolve`, against the write limit (100 alert-resolve per window);
 *     429s received and duplicate resolves.
 *  B. storm: 100,000 webhook alerts from 50 devices sent in 60 s by a separate process → tickets
 *     made (storm control on, default policy), deliveries still unprocessed when the 60 s are up,
 *     time to drain, and the server process's peak RSS (sampled every 100 ms).
 *
 *   npx tsx bench/datto-alerts.bench.ts [--db sqlite|postgres] [--parts resolve,storm] [--factor 60]
 *        [--tickets 5000] [--alerts 100000] [--devices 50] [--seconds 60] [--jobs 8]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { createDattoClient } from '../src/integrations/datto-rmm/client/index.ts';
import { startRelaydesk, type Running } from '../src/main.ts';
import type { InboundMail, RuleActionDefinition } from '../src/rules/rule-action.ts';
import { login, type Api } from '../test/support/test-server.ts';

const { values: args } = parseArgs({
  options: {
    sender: { type: 'string' },
    db: { type: 'string', default: 'sqlite' },
    parts: { type: 'string', default: 'resolve,storm' },
    factor: { type: 'string', default: '60' },
    tickets: { type: 'string', default: '5000' },
    alerts: { type: 'string', default: '100000' },
    devices: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    jobs: { type: 'string', default: '8' },
  },
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (args.sender) {
  await runSender(JSON.parse(fs.readFileSync(args.sender, 'utf8')));
  process.exit(0);
}

const factor = Number(args.factor);
const windowMs = 60_000 / factor;
const RESOLVE_LIMIT = 100;
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN = { email: 'bench@example.test', password: 'bench-password-1' };
const FROM = 'alerts@rmm.example.test';

type Emulator = { url: string; key: string; secret: string; proc: ChildProcess };
type LogEntry = { method: string; path: string; status: number; at: number };

const emulator = await startEmulator(Number(args.tickets), Number(args.devices));
const control = async (route: string, method = 'GET', body?: unknown): Promise<unknown> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(`${emulator.url}/__emulator/${route}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) })).json();
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(100 * attempt);
    }
  }
};

const report: string[] = [];
try {
  const parts = args.parts!.split(',');
  if (parts.includes('resolve')) await resolveBench();
  if (parts.includes('storm')) await stormBench();
} finally {
  emulator.proc.kill('SIGTERM');
}
console.log(`\nDatto RMM alerts, ${args.db}, window 60 s ÷ ${factor} = ${windowMs} ms, Node ${process.version}, ${os.cpus().length} cores\n`);
console.log(report.join('\n'));

// A. close → resolve

async function resolveBench() {
  const n = Number(args.tickets);
  const server = await startServer('resolve');
  try {
    const { running, api } = server;
    // Tickets are made with the module off, so no enrichment call competes with the resolves.
    await configure(api, { enabled: false, policies: { storm: { enabled: false } } });
    const open = (await control('state/alertsOf', 'POST', [{}, false])) as Array<{ alertUid: string }>;
    const uids = open.slice(0, n).map((a) => a.alertUid);
    if (uids.length < n) throw new Error(`the emulator has ${uids.length} open alerts, ${n} needed`);
    const action = running.ctx.modules.flatMap((m) => m.ruleActions).find((a) => a.type === 'datto-rmm.alert') as RuleActionDefinition<any>;
    const ticketIds: number[] = [];
    for (let i = 0; i < uids.length; i += 200) {
      await running.ctx.db.transaction().execute(async (trx) => {
        for (const uid of uids.slice(i, i + 200)) {
          const r = await action.run(trx, mailFor(uid), {});
          if (r.outcome !== 'ticket_created') throw new Error(`alert ${uid}: ${JSON.stringify(r)}`);
          ticketIds.push(r.ticketId);
        }
      });
    }
    await configure(api, { enabled: true });
    await control('log', 'DELETE');
    await sleep(windowMs * 1.2);

    // Closed at once: 10 tickets per transaction, each close writing its resolve jobs (the outbox) in
    // that transaction; between transactions the event loop runs, so the workers start meanwhile.
    const actor = { kind: 'agent' as const, agentId: 1, role: 'admin' as const, name: 'bench' };
    const started = Date.now();
    for (let i = 0; i < ticketIds.length; i += 10) {
      await running.ctx.db.transaction().execute(async (trx) => {
        for (const id of ticketIds.slice(i, i + 10)) await running.ctx.services.tickets.closeIn(trx, id, actor);
      });
      running.ctx.queue.wake();
      await new Promise((r) => setImmediate(r));
    }
    const closedIn = (Date.now() - started) / 1000;

    let log: LogEntry[] = [];
    const resolves = () => log.filter((e) => e.method === 'POST' && e.path.endsWith('/resolve'));
    const deadline = started + Math.max(120_000, (n / RESOLVE_LIMIT) * windowMs * 4);
    for (;;) {
      log = (await control('log')) as LogEntry[];
      if (resolves().filter((e) => e.status === 200).length >= n || Date.now() > deadline) break;
      await sleep(200);
    }
    const ok = resolves().filter((e) => e.status === 200);
    const first = Math.min(...resolves().map((e) => e.at));
    const last = Math.max(...ok.map((e) => e.at));
    const wall = (last - started) / 1000;
    const bound = (n / RESOLVE_LIMIT) * (windowMs / 1000);
    const distinct = new Set(ok.map((e) => e.path)).size;
    const perWindow = new Map<number, number>();
    for (const e of ok) perWindow.set(Math.floor((e.at - first) / windowMs), (perWindow.get(Math.floor((e.at - first) / windowMs)) ?? 0) + 1);
    console.error('resolves per window:', [...perWindow.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c).join(' '));
    const done = await running.ctx.db.selectFrom('datto_alerts').select((eb) => eb.fn.countAll<number>().as('c'))
      .where('resolve_state', '=', 'done').executeTakeFirstOrThrow();
    report.push(
      `### A. ${n} tickets closed at once → resolved in Datto`,
      '',
      '| closed in s | first resolve after ms | last resolve after s | bound s (100 per window) | bound ÷ wall | resolves 200 | distinct alerts | 429s | other statuses | links done |',
      '|---|---|---|---|---|---|---|---|---|---|',
      `| ${closedIn.toFixed(2)} | ${first - started} | ${wall.toFixed(2)} | ${bound.toFixed(2)} | ${(bound / wall).toFixed(3)} | ${ok.length} | ${distinct} | ${log.filter((e) => e.status === 429).length} | ${resolves().filter((e) => e.status !== 200).length} | ${Number(done.c)} |`,
      '',
    );
  } finally {
    await server.stop();
  }
}

// B. alert storm through the webhook

async function stormBench() {
  const total = Number(args.alerts);
  const seconds = Number(args.seconds);
  const server = await startServer('storm');
  try {
    const { running, api } = server;
    await configure(api, { enabled: true });
    const webhookUrl = `${running.url}${new URL((await api.get('/api/integrations/datto-rmm')).body.webhookUrl).pathname}`;
    const devices = await allDevices();
    const plan = path.join(os.tmpdir(), `datto-storm-${process.pid}.json`);
    fs.writeFileSync(plan, JSON.stringify({ url: webhookUrl, total, seconds, devices: devices.slice(0, Number(args.devices)) }));

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const db = running.ctx.db;
    const count = async (table: 'tickets' | 'datto_alerts') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow()).c);
    const received = async () => Number((await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('c'))
      .where('state', '=', 'received').executeTakeFirstOrThrow()).c);
    const deliveries = async () => Number((await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow()).c);

    const started = Date.now();
    const sender = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--sender', plan], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: sender.stdout! });
    let last: { sent: number; answered: number; accepted: number; failed: number; done?: boolean; cpuMs?: number } = { sent: 0, answered: 0, accepted: 0, failed: 0 };
    const serverCpu = process.cpuUsage();
    const finished = (async () => {
      for await (const line of lines) last = JSON.parse(line);
    })();

    const progress = setInterval(() => {
      void received().then((backlog) => console.error(`storm ${((Date.now() - started) / 1000).toFixed(0)} s: sent ${last.sent}, answered ${last.answered}, unprocessed ${backlog}, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`));
    }, 5000);
    await sleep(Math.max(0, started + seconds * 1000 - Date.now()));
    const at60 = { ...last, stored: await deliveries(), backlog: await received(), tickets: await count('tickets') };
    await finished;
    const sentAt = (Date.now() - started) / 1000;
    for (;;) {
      if ((await received()) === 0) break;
      await sleep(200);
    }
    const drained = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(serverCpu);
    clearInterval(sampler);
    clearInterval(progress);
    const held = Number((await db.selectFrom('datto_alerts').select((eb) => eb.fn.countAll<number>().as('c'))
      .where('held_reason', '=', 'storm').executeTakeFirstOrThrow()).c);
    const storms = Number((await db.selectFrom('datto_alert_storms').select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow()).c);
    report.push(
      `### B. ${total} webhook alerts from ${args.devices} devices in ${seconds} s (storm control default: >10 per device in 10 min)`,
      '',
      `| sent by ${seconds} s | answered 202 by ${seconds} s | stored by ${seconds} s | not yet processed at ${seconds} s | all sent at s | all processed at s | alerts | tickets | storm tickets | rolled up | non-202 | peak RSS MB | server CPU s | sender CPU s |`,
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      `| ${at60.sent} | ${at60.accepted} | ${at60.stored} | ${at60.backlog + (at60.sent - at60.answered)} | ${sentAt.toFixed(1)} | ${drained.toFixed(1)} | ${await count('datto_alerts')} | ${await count('tickets')} | ${storms} | ${held} | ${last.failed} | ${(peakRss / 1024 / 1024).toFixed(0)} | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} | ${((last.cpuMs ?? 0) / 1000).toFixed(1)} |`,
      '',
    );
    fs.rmSync(plan, { force: true });
  } finally {
    await server.stop();
  }
}

async function allDevices(): Promise<Array<{ uid: string; hostname: string; siteUid: string }>> {
  const client = createDattoClient({ apiUrl: emulator.url, apiKey: emulator.key, apiSecret: emulator.secret, windowFactor: factor });
  const out = [];
  for await (const d of client.accountDevices()) out.push({ uid: d.uid, hostname: d.hostname ?? d.uid, siteUid: d.siteUid ?? '' });
  return out;
}

// The sender (a child process, so its CPU and memory are not the server's)

async function runSender(plan: { url: string; total: number; seconds: number; devices: Array<{ uid: string; hostname: string; siteUid: string }> }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(plan.url);
  const rate = plan.total / plan.seconds;
  const state = { sent: 0, answered: 0, accepted: 0, failed: 0 };
  const started = Date.now();
  const tick = setInterval(() => process.stdout.write(`${JSON.stringify(state)}\n`), 500);
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const post = (i: number) => new Promise<void>((resolve) => {
    const d = plan.devices[i % plan.devices.length]!;
    const body = JSON.stringify({
      alertUID: crypto.randomUUID(), alertMessage: `Disk usage above 95% (${i})`, deviceUid: d.uid, deviceHostname: d.hostname,
      siteUid: d.siteUid, alertPriority: 'High', platform: 'merlot', resolved: 'false',
    });
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => {
        state.answered++;
        if (res.statusCode === 202) state.accepted++;
        else state.failed++;
        resolve();
      });
    });
    req.on('error', () => {
      state.answered++;
      state.failed++;
      resolve();
    });
    req.end(body);
  });
  const pending: Promise<void>[] = [];
  for (let i = 0; i < plan.total; i++) {
    const due = started + (i / rate) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inFlight >= 256) await new Promise<void>((r) => (wake = r));
    inFlight++;
    state.sent++;
    pending.push(post(i).then(() => {
      inFlight--;
      wake?.();
      wake = null;
    }));
    if (pending.length > 5000) pending.splice(0, pending.length - 5000);
  }
  await Promise.all(pending);
  while (inFlight > 0) await sleep(10);
  clearInterval(tick);
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ ...state, done: true, cpuMs: Math.round((cpu.user + cpu.system) / 1000) })}\n`);
  agent.destroy();
}

// Helpers

function mailFor(uid: string): InboundMail {
  return {
    inboundMessageId: 0, mailboxId: 0, messageId: `<${uid}@bench>`, from: { address: FROM, name: 'Datto RMM' }, to: [], cc: [],
    subject: `Alert on device: 10.0.0.1, reason Bench - Alert{${uid}}`, text: 'bench', html: null, date: new Date(),
    inReplyTo: null, references: [], headers: {}, attachments: [],
  };
}

async function configure(api: Api, update: Record<string, unknown>) {
  const res = await api.put('/api/integrations/datto-rmm', {
    apiUrl: emulator.url, apiKey: emulator.key, apiSecret: emulator.secret, siteImport: { scheduleMinutes: 0 }, ...update,
  });
  if (res.status !== 200) throw new Error(`settings: ${res.status} ${JSON.stringify(res.body)}`);
}

async function startServer(name: string): Promise<{ running: Running; api: Api; stop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `relaydesk-alerts-bench-${name}-`));
  let pgSchema: string | undefined;
  if (args.db === 'postgres') {
    pgSchema = `alertbench_${crypto.randomBytes(3).toString('hex')}`;
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`create schema ${pgSchema}`);
    await c.end();
  }
  const config = loadConfig({
    RELAYDESK_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    RELAYDESK_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
    RELAYDESK_ADMIN_EMAIL: ADMIN.email, RELAYDESK_ADMIN_PASSWORD: ADMIN.password, RELAYDESK_JOB_CONCURRENCY: args.jobs!,
    ...(args.db === 'postgres' ? { DATABASE_URL: pgUrl } : {}),
  });
  const running = await startRelaydesk(config, { pgSchema, modules: { 'datto-rmm': { client: { windowFactor: factor } } } });
  const api = await login(running.url, ADMIN.email, ADMIN.password);
  return {
    running, api,
    async stop() {
      await running.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (pgSchema) {
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(`drop schema if exists ${pgSchema} cascade`);
        await c.end();
      }
    },
  };
}

async function startEmulator(alerts: number, devices: number): Promise<Emulator> {
  const proc = spawn(process.execPath, [
    '--import', 'tsx', 'test/datto-emulator/cli.ts', '--sites', '10', '--devices', String(devices), '--alerts', String(alerts),
    '--resolved-alerts', '0', '--window-factor', String(factor),
  ], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const found: Record<string, string> = {};
  const lines = readline.createInterface({ input: proc.stdout! });
  for await (const line of lines) {
    const match = /^\s*(API URL|API key|API secret):\s+(\S+)/.exec(line);
    if (match) found[match[1]!] = match[2]!;
    if (found['API secret']) break;
  }
  if (!found['API secret']) throw new Error('the emulator did not start');
  return { url: found['API URL']!, key: found['API key']!, secret: found['API secret']!, proc };
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
