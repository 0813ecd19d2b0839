/**
 * Mail ingest: alert-like e-mails through the upload path (HTTP) and through inbound SMTP into
 * tickets, 20,000 messages each where 70 % repeat 2,000 alerts. Reports messages/s and the latency
 * from accepted (stored) to ticket committed, and beside it, in the same process, the bound of
 * parsing plus one durable single-row commit per message. With dovecot installed it also measures
 * the delay from a message appended to an IMAP mailbox to its ticket.
 *
 *   npx tsx bench/mail-ingest.bench.ts [--db sqlite|postgres] [--messages 20000] [--concurrency 64] [--imap 200] [--action auto|core]
 *
 * The rule: when a module provides the "datto-rmm.alert" action it is used; otherwise the core
 * create-ticket action groups repeats onto the first ticket by the Alert{uid} in the subject.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { startRelaydesk } from '../src/main.ts';
import { parseMail } from '../src/mail/mail-parser.ts';
import { login } from '../test/support/test-server.ts';
import { freePort } from '../test/support/mail-helpers.ts';
import { dovecotSkipReason, startDovecot } from '../test/support/dovecot.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    messages: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    imap: { type: 'string', default: '200' },
    /** auto: the module's datto-rmm.alert action when present; core: always the core create-ticket grouping. */
    action: { type: 'string', default: 'auto' },
  },
});
const N = Number(args.messages);
const HOT = Math.round(N * 0.1); // 2,000 alerts for 20,000 messages
const REPEAT_SHARE = 0.7;
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN = { email: 'bench@example.test', password: 'bench-password-1' };

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-mail-bench-'));
let pgSchema: string | undefined;
if (args.db === 'postgres') {
  pgSchema = `mailbench_${crypto.randomBytes(3).toString('hex')}`;
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`create schema ${pgSchema}`);
  await c.end();
}
const config = loadConfig({
  RELAYDESK_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error',
  RELAYDESK_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
  RELAYDESK_ADMIN_EMAIL: ADMIN.email, RELAYDESK_ADMIN_PASSWORD: ADMIN.password,
  ...(args.db === 'postgres' ? { DATABASE_URL: pgUrl } : {}),
});
const running = await startRelaydesk(config, { pgSchema });
const { ctx } = running;
const admin = await login(running.url, ADMIN.email, ADMIN.password);
const cookie = await (async () => {
  const res = await fetch(`${running.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN),
  });
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
})();

// The rule: the module's alert action when present, else grouping by the alert uid in the subject.
const dattoAction = args.action === 'core' ? undefined : ctx.modules.flatMap((m) => m.ruleActions).find((a) => a.type === 'datto-rmm.alert');
const types = (await admin.get('/api/ticket-types')).body.items as Array<{ id: number; name: string }>;
const alertType = types.find((t) => t.name === 'Alert')?.id ?? types[0]!.id;
let actionUsed = 'create-ticket (groupBySubject Alert{uid})';
let action: { type: string; params: Record<string, unknown> } = {
  type: 'create-ticket', params: { ticketTypeId: alertType, groupBySubject: 'Alert\\{([0-9a-f-]+)\\}' },
};
if (dattoAction) {
  const candidates = [{}, { ticketTypeId: alertType }, { defaultTicketTypeId: alertType }];
  const params = candidates.find((p) => dattoAction.params.safeParse(p).success);
  if (params) {
    action = { type: 'datto-rmm.alert', params };
    actionUsed = 'datto-rmm.alert (module)';
  } else {
    console.log('note: the datto-rmm.alert action exists but none of the tried params fit; using create-ticket');
  }
}
const rule = await admin.post('/api/email-rules', {
  name: 'Bench alerts', match: 'all',
  conditions: [{ field: 'from', operator: 'equals', value: 'alerts@rmm.example-msp.com' }, { field: 'subject', operator: 'contains', value: 'Alert{' }],
  actions: [action],
});
if (rule.status !== 201) throw new Error(`rule: ${JSON.stringify(rule.body)}`);

function alertMail(uid: string, seq: number, tag: string): string {
  return [
    'From: Datto RMM <alerts@rmm.example-msp.com>',
    'To: helpdesk@example-msp.com',
    `Subject: Alert on device: 10.20.${seq % 250}.${seq % 200}, reason Disk usage on C: is above 90% -`,
    ` Alert{${uid}}`,
    `Date: ${new Date(Date.UTC(2026, 10, 20, 9, 0, seq % 60)).toUTCString()}`,
    `Message-ID: <${tag}-${seq}@rmm.example-msp.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    `Device: FS${seq % 97}`,
    'Site: Contoso Ltd',
    'Monitor: Disk Usage',
    `Diagnostics: C: 9${seq % 10}% used (14.1 GB free of 200 GB) =3D threshold 90%`,
    'Priority: High',
    '',
  ].join('\r\n');
}

let distinctAlerts = 0;

/** 20,000 messages: 30 % first sightings of distinct alerts, 70 % repeats of a hot set of 2,000. */
function workload(tag: string): string[] {
  const hot = Array.from({ length: HOT }, () => crypto.randomUUID());
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < N; i++) {
    const repeat = i >= HOT && Math.random() < REPEAT_SHARE / (1 - HOT / N);
    const uid = i < HOT ? hot[i]! : repeat ? hot[Math.floor(Math.random() * HOT)]! : crypto.randomUUID();
    out.push(alertMail(uid, i, tag));
    seen.add(uid);
  }
  if (tag !== 'bound') distinctAlerts += seen.size;
  return out;
}

const mailboxId = (await admin.post('/api/mailboxes', { name: 'Bench upload', kind: 'upload' })).body.id as number;
const smtpPort = await freePort();
const smtpMailboxId = (await admin.post('/api/mailboxes', {
  name: 'Bench SMTP', kind: 'smtp', smtp: { port: smtpPort, addresses: ['helpdesk@example-msp.com'] },
})).body.id as number;

type Stats = { perSecond: number; p50: number; p99: number; seconds: number; cpuMs: number };
// Latency: received_at (set when the message is stored, before the client is answered) to processed_at
// (written in the transaction that makes the ticket, which commits at most ~10 ms later: group commit).

async function waitProcessed(mailbox: number, count: number, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  const countWhere = async (op: '=' | '!=') => Number((await ctx.db.selectFrom('inbound_messages').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('mailbox_id', '=', mailbox).where('state', op, 'received').executeTakeFirstOrThrow()).n);
  for (;;) {
    // Counting only the backlog (an index range) keeps this poll from loading the database it measures.
    if ((await countWhere('=')) === 0 && (await countWhere('!=')) >= count) return;
    if (Date.now() > deadline) throw new Error(`mailbox ${mailbox}: the ${count} mails were not all processed in time`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

async function latencies(mailbox: number) {
  const rows = await ctx.db.selectFrom('inbound_messages').select(['received_at', 'processed_at', 'state'])
    .where('mailbox_id', '=', mailbox).execute();
  const ms = rows.map((r) => Date.parse(r.processed_at!) - Date.parse(r.received_at)).sort((a, b) => a - b);
  const states = rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.state]: (acc[r.state] ?? 0) + 1 }), {});
  return { p50: ms[Math.floor(ms.length * 0.5)]!, p99: ms[Math.floor(ms.length * 0.99)]!, states };
}

/** The load runs in a worker thread so the client does not share the server's event loop. */
function runClient(kind: 'http' | 'smtp' | 'floor', messages: string[]): Promise<{ errors: number }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { kind, url, floorUrl, cookie, messages, concurrency, port } = workerData;
    let next = 0, errors = 0;
    // The load generator shares the machine's two cores with the server, so it costs as little as it
    // can: HTTP/1.1 keep-alive on bare sockets, one request in flight per connection, the request
    // written in one piece and only the status line and Content-Length of the answer read.
    const net = require('node:net');
    function connection(target) {
      const u = new URL(target);
      const socket = net.connect({ host: u.hostname, port: Number(u.port) });
      socket.setNoDelay(true);
      let buffered = Buffer.alloc(0);
      let waiting = null;
      const fail = () => { if (waiting) { const w = waiting; waiting = null; w(0); } };
      socket.on('error', fail);
      socket.on('close', fail);
      socket.on('data', (chunk) => {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        const end = buffered.indexOf('\\r\\n\\r\\n');
        if (end < 0 || !waiting) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\\r\\ncontent-length: *(\\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.subarray(end + 4 + length);
        const w = waiting;
        waiting = null;
        w(Number(head.slice(9, 12)));
      });
      return {
        request(method, path, body) {
          return new Promise((resolve) => {
            waiting = resolve;
            const bytes = body === undefined ? null : Buffer.from(body);
            socket.write(method + ' ' + path + ' HTTP/1.1\\r\\nhost: ' + u.host + '\\r\\ncookie: ' + cookie
              + (bytes ? '\\r\\ncontent-type: message/rfc822\\r\\ncontent-length: ' + bytes.length : '') + '\\r\\n\\r\\n');
            if (bytes) socket.write(bytes);
          });
        },
        close: () => socket.end(),
      };
    }
    async function httpLane() {
      const c = connection(url);
      const path = new URL(url).pathname;
      while (next < messages.length) {
        const status = await c.request('POST', path, messages[next++]);
        if (status !== 202 && status !== 200) errors++;
      }
      c.close();
    }
    async function floorLane() {
      const c = connection(floorUrl);
      const path = new URL(floorUrl).pathname;
      while (next < messages.length) {
        next++;
        if ((await c.request('GET', path)) !== 200) errors++;
      }
      c.close();
    }
    // One SMTP connection sending message after message with PIPELINING (RFC 2920), as Postfix and
    // Exchange do: MAIL, RCPT and DATA go in one write, the body after the 354. Written on a bare
    // socket because a full client library costs the shared cores more than the server it measures.
    async function smtpLane() {
      const net = require('node:net');
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      let buffered = '';
      const waiting = [];
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        let nl;
        while ((nl = buffered.indexOf('\\n')) >= 0) {
          const line = buffered.slice(0, nl).replace(/\\r$/, '');
          buffered = buffered.slice(nl + 1);
          if (line[3] === '-') continue; // a continuation line of a multi-line reply
          const w = waiting.shift();
          if (w) w(Number(line.slice(0, 3)));
        }
      });
      socket.on('error', () => { for (const w of waiting.splice(0)) w(0); });
      const reply = () => new Promise((resolve) => waiting.push(resolve));
      const greeting = reply();
      await new Promise((resolve) => socket.once('connect', resolve));
      if ((await greeting) !== 220) { errors++; return; }
      const ehlo = reply();
      socket.write('EHLO load.example.test\\r\\n');
      if ((await ehlo) !== 250) { errors++; return; }
      while (next < messages.length) {
        const body = messages[next++].replace(/^\\./gm, '..');
        const replies = [reply(), reply(), reply()];
        socket.write('MAIL FROM:<alerts@rmm.example-msp.com>\\r\\nRCPT TO:<helpdesk@example-msp.com>\\r\\nDATA\\r\\n');
        const [mail, rcpt, data] = await Promise.all(replies);
        if (mail !== 250 || rcpt !== 250 || data !== 354) { errors++; continue; }
        const done = reply();
        socket.write(body.endsWith('\\r\\n') ? body + '.\\r\\n' : body + '\\r\\n.\\r\\n');
        if ((await done) !== 250) errors++;
      }
      const bye = reply();
      socket.write('QUIT\\r\\n');
      await bye;
      socket.end();
    }
    (async () => {
      if (kind === 'http') {
        await Promise.all(Array.from({ length: concurrency }, httpLane));
      } else if (kind === 'floor') {
        await Promise.all(Array.from({ length: concurrency }, floorLane));
      } else {
        await Promise.all(Array.from({ length: 32 }, smtpLane));
      }
      parentPort.postMessage({ errors });
    })();
  `;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, {
      eval: true,
      workerData: {
        kind, url: `${running.url}/api/mailboxes/${mailboxId}/messages`, floorUrl: `${running.url}/api/me`, cookie, messages, concurrency: Number(args.concurrency), port: smtpPort,
      },
    });
    w.once('message', (m) => {
      void w.terminate();
      resolve(m);
    });
    w.once('error', reject);
  });
}

async function measure(kind: 'http' | 'smtp', mailbox: number): Promise<Stats & { errors: number; states: Record<string, number> }> {
  const messages = workload(kind);
  const t0 = performance.now();
  // CPU of the whole process: server, parse workers and the load generator's thread alike.
  const cpu0 = process.cpuUsage();
  const { errors } = await runClient(kind, messages);
  await waitProcessed(mailbox, N - errors);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const lat = await latencies(mailbox);
  return { perSecond: N / seconds, seconds, errors, cpuMs: (cpu.user + cpu.system) / 1000 / N, ...lat };
}

/** Parsing plus one single-row insert transaction per message, sequentially, on the same database. */
let boundCpuMs = 0;
async function bound(count = N): Promise<number> {
  const messages = workload('bound').slice(0, count).map((m) => Buffer.from(m));
  await sql`create table mail_bench_bound (id integer primary key, subject text not null)`.execute(ctx.db);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const [i, raw] of messages.entries()) {
    const mail = await parseMail(raw);
    await ctx.db.transaction().execute((trx) => sql`insert into mail_bench_bound (id, subject) values (${i}, ${mail.subject})`.execute(trx));
  }
  const perSecond = messages.length / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  boundCpuMs = (cpu.user + cpu.system) / 1000 / messages.length;
  await sql`drop table mail_bench_bound`.execute(ctx.db);
  return perSecond;
}

async function imapDelay(): Promise<string> {
  const count = Number(args.imap);
  if (!count) return 'skipped (--imap 0)';
  const skip = dovecotSkipReason();
  if (skip) return `skipped: ${skip}`;
  const dovecot = await startDovecot();
  try {
    const m = await admin.post('/api/mailboxes', {
      name: 'Bench IMAP', kind: 'imap',
      imap: { host: dovecot.host, port: dovecot.port, tls: 'none', username: dovecot.user, password: dovecot.password, pollSeconds: 300 },
    });
    const id = m.body.id as number;
    for (let i = 0; i < 200 && !(await admin.get(`/api/mailboxes/${id}`)).body.health.connected; i++) await new Promise((r) => setTimeout(r, 50));
    const client = dovecot.client();
    await client.connect();
    const appended = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const raw = alertMail(crypto.randomUUID(), i, 'imap');
      appended.set(`<imap-${i}@rmm.example-msp.com>`, Date.now());
      await client.append('INBOX', raw);
      await new Promise((r) => setTimeout(r, 20));
    }
    await client.logout();
    await waitProcessed(id, count, 120_000);
    const rows = await ctx.db.selectFrom('inbound_messages').select(['message_id', 'processed_at']).where('mailbox_id', '=', id).execute();
    const ms = rows.map((r) => Date.parse(r.processed_at!) - appended.get(r.message_id!)!).sort((a, b) => a - b);
    return `${count} appends (one every ~20 ms): p50 ${ms[Math.floor(ms.length / 2)]} ms, p99 ${ms[Math.floor(ms.length * 0.99)]} ms, max ${ms[ms.length - 1]} ms`;
  } finally {
    await dovecot.close();
  }
}

console.log(`Mail ingest benchmark — ${ctx.dialect}, ${N} messages per path (${HOT} hot alerts, ~70 % repeats), action: ${actionUsed}`);
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
// The bound is measured before and after the runs and averaged: this machine's speed drifts by 10-20 % within minutes.
await bound(2_000); // warms up the parser and the database, as the runs do for each other
const boundBefore = await bound();
const http = await measure('http', mailboxId);
console.log(`upload (HTTP, ${args.concurrency} concurrent): ${http.perSecond.toFixed(0)} msg/s (${http.seconds.toFixed(1)} s), accepted→committed p50 ${http.p50} ms, p99 ${http.p99} ms, CPU ${http.cpuMs.toFixed(2)} ms/msg, errors ${http.errors}, outcomes ${JSON.stringify(http.states)}`);
const smtp = await measure('smtp', smtpMailboxId);
console.log(`SMTP (32 connections): ${smtp.perSecond.toFixed(0)} msg/s (${smtp.seconds.toFixed(1)} s), accepted→committed p50 ${smtp.p50} ms, p99 ${smtp.p99} ms, CPU ${smtp.cpuMs.toFixed(2)} ms/msg, errors ${smtp.errors}, outcomes ${JSON.stringify(smtp.states)}`);
const tickets = await ctx.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
console.log(`tickets made: ${tickets.n} for ${distinctAlerts} distinct alerts${Number(tickets.n) === distinctAlerts ? ' (one each)' : ' — MISMATCH'}`);
const boundAfter = await bound();
const b = (boundBefore + boundAfter) / 2;
console.log(`bound (mailparser parse + one single-row insert transaction per message, sequential): ${b.toFixed(0)} msg/s (${boundBefore.toFixed(0)} before the runs, ${boundAfter.toFixed(0)} after), CPU ${boundCpuMs.toFixed(2)} ms/msg`);
console.log(`upload = ${((http.perSecond / b) * 100).toFixed(0)} % of the bound, SMTP = ${((smtp.perSecond / b) * 100).toFixed(0)} % of the bound`);
{
  // What this machine gives the same HTTP client for a request that does nothing but authenticate.
  const t0 = performance.now();
  await runClient('floor', Array.from({ length: N }, () => ''));
  console.log(`HTTP floor (same client, GET /api/me, ${args.concurrency} concurrent): ${(N / ((performance.now() - t0) / 1000)).toFixed(0)} req/s`);
}
console.log(`load average during the run: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
console.log(`IMAP append → ticket: ${await imapDelay()}`);

await running.stop();
if (pgSchema) {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`drop schema ${pgSchema} cascade`);
  await c.end();
}
fs.rmSync(dataDir, { recursive: true, force: true });
