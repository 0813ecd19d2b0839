import net from 'node:net';
import { sql } from 'kysely';
import type { Database, Dialect } from '../../src/db/database.ts';
import type { Api } from './test-server.ts';

type WithAdmin = { admin: Api };
import { eventually } from './test-server.ts';

export const SAMPLES_DIR = new URL('../../../shared/datto-rmm/samples/emails/', import.meta.url);

/** A minimal RFC 822 message; headers given as `null` are left out. */
export function buildMail(o: {
  from?: string | null; to?: string | null; subject?: string | null; body?: string; messageId?: string | null;
  date?: string | null; headers?: Record<string, string>;
} = {}): Buffer {
  const lines: string[] = [];
  const add = (k: string, v: string | null | undefined, dflt: string) => {
    if (v === null) return;
    lines.push(`${k}: ${v ?? dflt}`);
  };
  add('From', o.from, 'Customer <customer@example.com>');
  add('To', o.to, 'helpdesk@example.test');
  add('Subject', o.subject, 'Printer is broken');
  add('Date', o.date, 'Fri, 20 Nov 2026 09:15:00 +0000');
  add('Message-ID', o.messageId, `<${Math.random().toString(36).slice(2)}@example.com>`);
  for (const [k, v] of Object.entries(o.headers ?? {})) lines.push(`${k}: ${v}`);
  lines.push('MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', o.body ?? 'Hello, the printer on floor 2 is broken.', '');
  return Buffer.from(lines.join('\r\n'));
}

let mailboxes = 0;

/** Mailbox names are unique: the default one gets a number. */
export async function createMailbox(s: WithAdmin, body: Record<string, unknown> = { name: `Uploads ${++mailboxes}`, kind: 'upload' }): Promise<number> {
  const r = await s.admin.post('/api/mailboxes', body);
  if (r.status !== 201) throw new Error(`mailbox create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

export async function upload(s: WithAdmin, mailboxId: number, raw: Buffer, contentType = 'message/rfc822') {
  return s.admin.post(`/api/mailboxes/${mailboxId}/messages`, raw, { contentType });
}

/** Waits until the message left the `received` state and returns it from the API. */
export async function settled(s: WithAdmin, id: number, timeoutMs = 15_000) {
  return eventually(async () => {
    const r = await s.admin.get(`/api/inbound-messages/${id}`);
    return r.status === 200 && r.body.state !== 'received' ? r.body : undefined;
  }, timeoutMs);
}

/** Uploads and waits for the outcome. */
export async function ingest(s: WithAdmin, mailboxId: number, raw: Buffer) {
  const r = await upload(s, mailboxId, raw);
  if (r.status !== 202 && r.status !== 200) throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
  return settled(s, r.body.id);
}

/**
 * Makes every insert into the inbox fail, as a database that cannot be written would, until the
 * returned function is called. A trigger rather than renaming the table: other test files migrating
 * at the same moment read the whole catalog, and a table renamed under them fails their start.
 */
export async function inboxOutage(db: Database, dialect: Dialect): Promise<() => Promise<void>> {
  if (dialect === 'sqlite') {
    await sql.raw(`create trigger inbox_outage before insert on inbound_messages begin select raise(abort, 'the inbox is unavailable'); end`).execute(db);
    return async () => {
      await sql.raw('drop trigger inbox_outage').execute(db);
    };
  }
  await sql.raw(`create function inbox_outage() returns trigger language plpgsql as $$ begin raise exception 'the inbox is unavailable'; end $$`).execute(db);
  await sql.raw('create trigger inbox_outage before insert on inbound_messages for each statement execute function inbox_outage()').execute(db);
  return async () => {
    await sql.raw('drop trigger inbox_outage on inbound_messages').execute(db);
    await sql.raw('drop function inbox_outage()').execute(db);
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A server that can be stopped and started again on the same database (SQLite file or PostgreSQL schema). */
export async function startRestartableServer(env: Record<string, string> = {}) {
  const { default: crypto } = await import('node:crypto');
  const { default: fs } = await import('node:fs');
  const { default: os } = await import('node:os');
  const { default: path } = await import('node:path');
  const { loadConfig } = await import('../../src/config.ts');
  const { startRelaydesk } = await import('../../src/main.ts');
  const { createTestDatabase } = await import('./test-database.ts');
  const { ADMIN, apiClient, login } = await import('./test-server.ts');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-test-'));
  const db = await createTestDatabase();
  const secret = crypto.randomBytes(32).toString('base64');
  const boot = async (extra: Record<string, string> = {}) => {
    const config = loadConfig({
      RELAYDESK_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      RELAYDESK_SECRET_KEY: secret, RELAYDESK_ADMIN_EMAIL: ADMIN.email, RELAYDESK_ADMIN_PASSWORD: ADMIN.password,
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}), ...env, ...extra,
    });
    const running = await startRelaydesk(config, { pgSchema: db.pgSchema, workerPollMs: 25, schedulerEveryMs: 100 });
    return { ...running, admin: await login(running.url, ADMIN.email, ADMIN.password), anonymous: apiClient(running.url) };
  };
  let current = await boot();
  return {
    get server() { return current; },
    async restart(extra: Record<string, string> = {}) {
      await current.stop();
      current = await boot(extra);
      return current;
    },
    async close() {
      await current.stop();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Stores a rule the way an older version, or a row deleted since, would leave it: without the
 * save-time check that what it names exists. For tests of what a rule failing at run time does.
 */
export async function storeRuleUnchecked(db: Database, rule: { name: string; conditions: unknown[]; actions: unknown[] }): Promise<number> {
  const t = new Date().toISOString();
  const { max } = await db.selectFrom('email_rules').select((eb) => eb.fn.max('position').as('max')).executeTakeFirstOrThrow();
  const row = await db.insertInto('email_rules').values({
    name: rule.name, position: Number(max ?? 0) + 1, enabled: 1, match: 'all', conditions: JSON.stringify(rule.conditions),
    actions: JSON.stringify(rule.actions), accept_automated: 0, system_key: null, created_at: t, updated_at: t,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}
