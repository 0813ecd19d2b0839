import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { DattoClientOptions } from '../../src/integrations/datto-rmm/client/index.ts';
import { startRelaydesk, type Running } from '../../src/main.ts';
import { startDattoEmulator, type DattoEmulator, type EmulatorOptions } from '../datto-emulator/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { ADMIN, eventually, login, type Api } from '../support/test-server.ts';

/** Emulator and client share a shrunk clock: Datto's 60 s window is 1 s, a Retry-After of 2 s is 33 ms. */
export const windowFactor = 60;
export const FROM = 'alerts@rmm.example-msp.com';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type EnvOptions = {
  emulator?: EmulatorOptions;
  client?: Partial<DattoClientOptions>;
  policies?: Record<string, unknown>;
  /** false: no workers in the first server (jobs stay queued). */
  workers?: boolean;
  env?: Record<string, string>;
};

export type AlertsEnv = {
  emu: DattoEmulator;
  server: Running;
  api: Api;
  mailboxId: number;
  alertTypeId: number;
  webhookPath: string;
  /** Uploads a raw message to the alert mailbox and waits until the pipeline recorded its outcome. */
  mail(raw: string | Buffer): Promise<InboundMessage>;
  /** Uploads without waiting. */
  upload(raw: string | Buffer): Promise<{ id: number }>;
  waitMessage(id: number): Promise<InboundMessage>;
  /** POSTs a webhook body (object or raw text) and waits until it was processed. */
  webhook(body: unknown, opts?: { path?: string; contentType?: string }): Promise<Delivery>;
  alert(uid: string): Promise<any>;
  ticket(id: number): Promise<any>;
  actions(ticketId: number): Promise<any[]>;
  alertsOfTicket(ticketId: number): Promise<any[]>;
  /** Resolve calls (POST …/resolve) the emulator answered, by status. */
  resolveCalls(uid?: string): Array<{ status: number; at: number; path: string }>;
  configure(update: Record<string, unknown>): Promise<void>;
  /** Stops the server, keeping the database; `restart` starts a new one on it. */
  stopServer(): Promise<void>;
  restart(opts?: { workers?: boolean }): Promise<void>;
  stop(): Promise<void>;
};

export type InboundMessage = { id: number; state: string; ticketId: number | null; reason: string | null; ruleName: string | null };
export type Delivery = { id: number; state: string; alertUid: string | null; ticketId: number | null; reason: string | null };

/**
 * A Relaydesk server on its own database with the Datto RMM module pointed at an emulator, an
 * upload mailbox for alert e-mails and the webhook URL. The database outlives `stopServer`, so a
 * test can stop the server mid-way and start another one on the same data.
 */
export async function startAlertsEnv(opts: EnvOptions = {}): Promise<AlertsEnv> {
  const emu = await startDattoEmulator({ windowFactor, sites: 3, devicesPerSite: 3, alerts: 4, resolvedAlerts: 1, ...opts.emulator });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-alerts-'));
  const db: TestDatabase = await createTestDatabase();
  const secret = crypto.randomBytes(32).toString('base64');
  const client: Partial<DattoClientOptions> = {
    windowFactor, timeoutMs: 2_000, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20, rateLimitRetries: 2 }, ...opts.client,
  };

  const boot = async (workers: boolean) => {
    const config = loadConfig({
      RELAYDESK_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      RELAYDESK_SECRET_KEY: secret, RELAYDESK_ADMIN_EMAIL: ADMIN.email, RELAYDESK_ADMIN_PASSWORD: ADMIN.password,
      RELAYDESK_WORKERS: workers ? 'true' : 'false',
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
      ...opts.env,
    });
    const server = await startRelaydesk(config, {
      pgSchema: db.pgSchema, workerPollMs: 25, schedulerEveryMs: 100, modules: { 'datto-rmm': { client } },
    });
    return { server, api: await login(server.url, ADMIN.email, ADMIN.password) };
  };

  let { server, api } = await boot(opts.workers ?? true);
  let running = true;

  const mailbox = await api.post('/api/mailboxes', { name: 'Datto alerts', kind: 'upload' });
  expect(mailbox.status, JSON.stringify(mailbox.body)).toBe(201);
  const types = (await api.get('/api/ticket-types')).body.items as Array<{ id: number; name: string }>;
  const alertTypeId = types.find((t) => t.name === 'Alert')?.id ?? types[0]!.id;

  const configure = async (update: Record<string, unknown>) => {
    const res = await api.put('/api/integrations/datto-rmm', update);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  await configure({
    enabled: true, apiUrl: emu.url, apiKey: emu.apiKey, apiSecret: emu.apiSecret,
    alerting: { mailboxId: mailbox.body.id, fromAddress: FROM, defaultTicketTypeId: alertTypeId },
    siteImport: { scheduleMinutes: 0 },
    ...(opts.policies ? { policies: opts.policies } : {}),
  });
  const settings = (await api.get('/api/integrations/datto-rmm')).body;
  const webhookPath = new URL(settings.webhookUrl).pathname;

  const env: AlertsEnv = {
    emu,
    get server() {
      return server;
    },
    get api() {
      return api;
    },
    mailboxId: mailbox.body.id,
    alertTypeId,
    webhookPath,
    async upload(raw) {
      const res = await api.post(`/api/mailboxes/${mailbox.body.id}/messages`, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), { contentType: 'message/rfc822' });
      expect([200, 202], JSON.stringify(res.body)).toContain(res.status);
      return res.body;
    },
    waitMessage: (id) =>
      eventually(async () => {
        const m = (await api.get(`/api/inbound-messages/${id}`)).body as InboundMessage;
        return m.state === 'received' ? undefined : m;
      }, 15_000),
    async mail(raw) {
      return env.waitMessage((await env.upload(raw)).id);
    },
    async webhook(body, o = {}) {
      const res = await fetch(server.url + (o.path ?? webhookPath), {
        method: 'POST',
        headers: { 'content-type': o.contentType ?? 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBe(202);
      const { deliveryId } = (await res.json()) as { deliveryId: number };
      return eventually(async () => {
        const list = (await api.get(`/api/integrations/datto-rmm/webhook-deliveries?limit=200`)).body.items as Delivery[];
        const d = list.find((x) => x.id === deliveryId);
        return d && d.state !== 'received' ? d : undefined;
      }, 15_000);
    },
    async alert(uid) {
      const res = await api.get(`/api/integrations/datto-rmm/alerts/${uid}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    },
    async ticket(id) {
      const res = await api.get(`/api/tickets/${id}`);
      expect(res.status).toBe(200);
      return res.body;
    },
    async actions(ticketId) {
      const res = await api.get(`/api/tickets/${ticketId}/actions?limit=200`);
      expect(res.status).toBe(200);
      return res.body.items;
    },
    async alertsOfTicket(ticketId) {
      const res = await api.get(`/api/tickets/${ticketId}/datto-alerts`);
      expect(res.status).toBe(200);
      return res.body.items;
    },
    resolveCalls: (uid) =>
      emu.log.entries
        .filter((e) => e.method === 'POST' && e.path.endsWith('/resolve') && (!uid || e.path === `/api/v2/alert/${uid}/resolve`))
        .map((e) => ({ status: e.status, at: e.at, path: e.path })),
    configure,
    async stopServer() {
      if (!running) return;
      running = false;
      await server.stop();
    },
    async restart(o = {}) {
      await env.stopServer();
      ({ server, api } = await boot(o.workers ?? true));
      running = true;
    },
    async stop() {
      await env.stopServer();
      await db.drop();
      await emu.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return env;
}

/** A Datto alert e-mail as the monitor sends it. */
export function alertMail(o: { uid: string; subject?: string; body?: string; from?: string; messageId?: string; date?: Date }): string {
  const subject = o.subject ?? `Alert on device: 10.0.0.1, reason Test alert - Alert{${o.uid}}`;
  return [
    `From: Datto RMM <${o.from ?? FROM}>`,
    'To: helpdesk@example-msp.com',
    `Subject: ${subject}`,
    `Date: ${(o.date ?? new Date()).toUTCString()}`,
    `Message-ID: <${o.messageId ?? crypto.randomUUID()}@rmm.example-msp.com>`,
    'Content-Type: text/plain; charset="utf-8"',
    'MIME-Version: 1.0',
    '',
    o.body ?? 'Device: TEST\r\nDiagnostics: something happened',
    '',
  ].join('\r\n');
}

let alertCount = 0;

/**
 * An open alert in the emulator, raised now. Unless told otherwise each one is on the next device and
 * of its own monitor kind, so the reopen window, dedup per condition and storms stay out of the way.
 */
export function emulatorAlert(emu: DattoEmulator, o: { deviceUid?: string; priority?: string; alertContext?: Record<string, unknown>; diagnostics?: string } = {}) {
  const n = ++alertCount;
  const devices = emu.state.devices;
  return emu.state.addAlert({
    deviceUid: o.deviceUid ?? devices[n % devices.length]!.uid, priority: o.priority ?? 'High', timestamp: Date.now(), muted: false,
    alertContext: o.alertContext ?? { '@class': `test_monitor_${n}_ctx`, reading: `${90 + (n % 10)}%`, threshold: '90%' },
    diagnostics: o.diagnostics ?? `Test monitor ${n} above its threshold`,
  });
}

export const raiseBody = (uid: string, extra: Record<string, unknown> = {}) =>
  ({ alertUID: uid, alertMessage: 'Test alert raised', platform: 'merlot', resolved: 'false', ...extra });
export const resolveBody = (uid: string, extra: Record<string, unknown> = {}) =>
  ({ alertUID: uid, alertMessage: 'Test alert resolved', platform: 'merlot', resolved: 'true', ...extra });
