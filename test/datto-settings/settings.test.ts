import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { startDattoEmulator, type DattoEmulator } from '../datto-emulator/index.ts';
import { login, startTestServer, type Api, type TestServer } from '../support/test-server.ts';

describe('Datto RMM settings and test connection', () => {
  let s: TestServer;
  let emu: DattoEmulator;
  let agent: Api;
  let logText = '';
  const sink = new Writable({ write(chunk, _enc, cb) { logText += chunk.toString(); cb(); } });

  beforeAll(async () => {
    emu = await startDattoEmulator({ sites: 3 });
    s = await startTestServer({
      start: {
        logger: createLogger('debug', sink),
        modules: { 'datto-rmm': { client: { retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20, rateLimitRetries: 0 }, timeoutMs: 3000 } } },
      },
    });
    await s.admin.post('/api/agents', { email: 'tech@example.test', name: 'Tech', password: 'tech-password-1' });
    agent = await login(s.url, 'tech@example.test', 'tech-password-1');
  });
  afterAll(async () => {
    await s?.stop();
    await emu?.stop();
  });

  it('starts disabled, lists the module, and shows the webhook URL and the API key only to admins', async () => {
    const list = await s.admin.get('/api/integrations');
    expect(list.body.items).toEqual([expect.objectContaining({ key: 'datto-rmm', name: 'Datto RMM', enabled: false })]);
    const mine = (await s.admin.get('/api/integrations/datto-rmm')).body;
    expect(mine).toMatchObject({ enabled: false, apiSecretSet: false, siteImport: { mode: 'customerPerSite' }, assetImport: { enabled: true } });
    expect(mine.webhookUrl).toMatch(new RegExp(`^${s.url}/hooks/datto-rmm/[A-Za-z0-9_-]{20,}$`));
    const seenByAgent = (await agent.get('/api/integrations/datto-rmm')).body;
    expect(seenByAgent.webhookUrl).toBeNull();
    expect(seenByAgent.apiKey).toBeNull();
  });

  it('refuses a non-https URL, and enabling without credentials, naming what is wrong', async () => {
    const http = await s.admin.put('/api/integrations/datto-rmm', { apiUrl: 'http://merlot-api.centrastage.net' });
    expect(http.status).toBe(400);
    expect(http.body.error.message).toMatch(/apiUrl.*https/);
    const junk = await s.admin.put('/api/integrations/datto-rmm', { apiUrl: 'not a url' });
    expect(junk.status).toBe(400);
    const enable = await s.admin.put('/api/integrations/datto-rmm', { enabled: true });
    expect(enable.status).toBe(422);
    expect(enable.body.error.code).toBe('datto_not_configured');
    // A misspelt or unknown field, at any depth, is named instead of being ignored with a 200.
    const typo = await s.admin.put('/api/integrations/datto-rmm', { polices: { reconcileMinutes: 1 } });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toBe('body.polices: Unrecognized key');
    const nested = await s.admin.put('/api/integrations/datto-rmm', { policies: { reconcileMinutes: 7, storm: { treshold: 3 } } });
    expect(nested.status).toBe(400);
    expect(nested.body.error.details).toEqual([{ field: 'body.policies.storm.treshold', message: 'Unrecognized key' }]);
    expect((await s.admin.get('/api/integrations/datto-rmm')).body.policies.reconcileMinutes).not.toBe(7);
    for (const fromAddress of [`${'a'.repeat(300)}@x.example`, `${'a'.repeat(65)}@x.example`]) {
      const long = await s.admin.put('/api/integrations/datto-rmm', { alerting: { fromAddress } });
      expect(long.status).toBe(400);
      expect(long.body.error.message).toMatch(/^body\.alerting\.fromAddress: /);
    }
    const badMode = await s.admin.put('/api/integrations/datto-rmm', { siteImport: { mode: 'topLevelCustomer' } });
    expect(badMode.status).toBe(422);
    expect(badMode.body.error.message).toMatch(/topLevelCustomerId/);
  });

  it('keeps the secret write-only and encrypted at rest, and audits the change without it', async () => {
    const put = await s.admin.put('/api/integrations/datto-rmm', { enabled: true, apiUrl: `${emu.url}/api/`, apiKey: emu.apiKey, apiSecret: emu.apiSecret });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ enabled: true, apiUrl: emu.url, apiKey: emu.apiKey, apiSecretSet: true });
    expect(JSON.stringify(put.body)).not.toContain(emu.apiSecret);
    expect(JSON.stringify((await s.admin.get('/api/integrations/datto-rmm')).body)).not.toContain(emu.apiSecret);
    const row = await s.ctx.db.selectFrom('integration_settings').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(emu.apiSecret);
    expect(row.secrets_enc).toMatch(/^v1:/);
    const audit = (await s.admin.get('/api/audit-log?entity=integration')).body.items;
    expect(audit[0].changes.apiSecret).toBe('changed');
    expect(JSON.stringify(audit)).not.toContain(emu.apiSecret);
    // A PUT without the secret keeps it.
    await s.admin.put('/api/integrations/datto-rmm', { siteImport: { scheduleMinutes: 30 } });
    expect((await s.admin.get('/api/integrations/datto-rmm')).body).toMatchObject({ apiSecretSet: true, siteImport: { scheduleMinutes: 30 } });
    expect((await s.admin.get('/api/integrations')).body.items[0].enabled).toBe(true);
  });

  it('tests the connection: account name and the rate budget', async () => {
    const r = await s.admin.post('/api/integrations/datto-rmm/test', {});
    expect(r.status).toBe(200);
    expect(r.body.account.name).toBe(emu.state.account.name);
    expect(r.body.requestRate).toMatchObject({ accountRateLimit: 600 });
    expect(r.body.apiUrl).toBe(emu.url);
    expect((await agent.post('/api/integrations/datto-rmm/test', {})).status).toBe(403);
    // No body at all, or a JSON content type with an empty body: the saved credentials are tested.
    const bare = await s.admin.post('/api/integrations/datto-rmm/test');
    expect(bare.status, JSON.stringify(bare.body)).toBe(200);
    const empty = await s.admin.post('/api/integrations/datto-rmm/test', '', { contentType: 'application/json' });
    expect(empty.status, JSON.stringify(empty.body)).toBe(200);
    // Where a body is required, an empty one is a 400 that says so.
    const put = await s.admin.put('/api/integrations/datto-rmm', '', { contentType: 'application/json' });
    expect(put.status).toBe(400);
    expect(put.body.error.code).toBe('validation_failed');
  });

  it('explains each way the connection can fail', async () => {
    const wrong = await s.admin.post('/api/integrations/datto-rmm/test', { apiSecret: 'WRONGSECRET' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('datto_bad_credentials');
    expect(wrong.body.error.message).not.toContain('WRONGSECRET');

    const closedPort = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const unreachable = await s.admin.post('/api/integrations/datto-rmm/test', { apiUrl: `http://127.0.0.1:${closedPort}` });
    expect(unreachable.status).toBe(503);
    expect(unreachable.body.error.code).toBe('datto_unreachable');

    const notDatto = await s.admin.post('/api/integrations/datto-rmm/test', { apiUrl: s.url });
    expect(notDatto.body.error.code).toBe('datto_not_datto');

    emu.faults.forbid(/\/api\/v2\/account$/);
    const forbidden = await s.admin.post('/api/integrations/datto-rmm/test', {});
    expect(forbidden.status).toBe(422);
    expect(forbidden.body.error.code).toBe('datto_forbidden');
    emu.faults.clear();

    emu.faults.rateLimitNext(5, { retryAfterSeconds: 30 });
    const limited = await s.admin.post('/api/integrations/datto-rmm/test', {});
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('datto_rate_limited');
    emu.faults.clear();

    const insecure = await s.admin.post('/api/integrations/datto-rmm/test', { apiUrl: 'http://example.com' });
    expect(insecure.status).toBe(400);
    expect(insecure.body.error.code).toBe('datto_invalid_url');
  });

  it('"any mailbox" (no mailbox) still creates the Datto rule, without a mailbox condition; choosing one later adds it', async () => {
    const ruleNow = async () => ((await s.admin.get('/api/email-rules')).body.items as any[]).find((r) => r.systemKey === 'datto-rmm-alerts');
    expect(await ruleNow()).toBeUndefined();
    const saved = await s.admin.put('/api/integrations/datto-rmm', { alerting: { mailboxId: null, fromAddress: 'noc@rmm.example.test' } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const rule = await ruleNow();
    expect(rule.conditions).toEqual([
      { field: 'from', operator: 'equals', value: 'noc@rmm.example.test' },
      { field: 'subject', operator: 'contains', value: 'Alert{' },
    ]);
    const mailbox = await s.admin.post('/api/mailboxes', { name: 'Alerts (any, then this)', kind: 'upload' });
    expect((await s.admin.put('/api/integrations/datto-rmm', { alerting: { mailboxId: mailbox.body.id } })).status).toBe(200);
    expect((await ruleNow()).conditions[0]).toEqual({ field: 'mailbox', operator: 'equals', value: mailbox.body.id });
    expect((await s.admin.put('/api/integrations/datto-rmm', { alerting: { mailboxId: null } })).status).toBe(200);
    expect((await ruleNow()).conditions.map((c: any) => c.field)).toEqual(['from', 'subject']);
  });

  it('trims spaces around the From Address, pasted ones included, before checking it', async () => {
    const saved = await s.admin.put('/api/integrations/datto-rmm', { alerting: { fromAddress: ' alerts@example.com ' } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.alerting.fromAddress).toBe('alerts@example.com');
    const rule = ((await s.admin.get('/api/email-rules')).body.items as any[]).find((r) => r.systemKey === 'datto-rmm-alerts');
    expect(rule.conditions).toContainEqual({ field: 'from', operator: 'equals', value: 'alerts@example.com' });
    const bad = await s.admin.put('/api/integrations/datto-rmm', { alerting: { fromAddress: ' not an address ' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^body\.alerting\.fromAddress: /);
  });

  it('a deleted alert mailbox does not block saving other settings; naming a missing one is still refused', async () => {
    const mailbox = await s.admin.post('/api/mailboxes', { name: 'Alerts (to delete)', kind: 'upload' });
    expect(mailbox.status).toBe(201);
    const saved = await s.admin.put('/api/integrations/datto-rmm', { alerting: { mailboxId: mailbox.body.id, fromAddress: 'alerts@rmm.example.test' } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const mail = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: hello\r\nMessage-ID: <delete-me@example.test>\r\n\r\nbody\r\n';
    expect((await s.admin.post(`/api/mailboxes/${mailbox.body.id}/messages`, Buffer.from(mail), { contentType: 'message/rfc822' })).status).toBe(202);
    expect((await s.admin.delete(`/api/mailboxes/${mailbox.body.id}?force=true`)).status).toBe(204);

    const other = await s.admin.put('/api/integrations/datto-rmm', { policies: { reopenWindowHours: 12 } });
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.body.policies.reopenWindowHours).toBe(12);
    const missing = await s.admin.put('/api/integrations/datto-rmm', { alerting: { mailboxId: 999_999 } });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toMatch(/alerting\.mailboxId: no mailbox 999999/);
    expect((await s.admin.put('/api/integrations/datto-rmm', { alerting: { mailboxId: null } })).status).toBe(200);
  });

  it('a deleted "Datto RMM Alerts" rule stays deleted through other saves; changing the alerting settings brings it back', async () => {
    const ruleNow = async () => ((await s.admin.get('/api/email-rules')).body.items as any[]).find((r) => r.systemKey === 'datto-rmm-alerts');
    expect((await s.admin.put('/api/integrations/datto-rmm', { alerting: { mailboxId: null, fromAddress: 'rmm@alerts.example.test' } })).status).toBe(200);
    const rule = await ruleNow();
    expect((await s.admin.delete(`/api/email-rules/${rule.id}?force=true`)).status).toBe(204);

    for (const change of [{ policies: { reopenWindowHours: 6 } }, { enabled: false }, { alerting: { fromAddress: 'rmm@alerts.example.test' } }]) {
      const saved = await s.admin.put('/api/integrations/datto-rmm', change);
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
      expect(await ruleNow(), JSON.stringify(change)).toBeUndefined();
    }
    expect((await s.admin.put('/api/integrations/datto-rmm', { alerting: { fromAddress: 'noc@alerts.example.test' } })).status).toBe(200);
    expect((await ruleNow()).conditions).toContainEqual({ field: 'from', operator: 'equals', value: 'noc@alerts.example.test' });
  });

  it('rotates the webhook token', async () => {
    const before = (await s.admin.get('/api/integrations/datto-rmm')).body.webhookUrl;
    const after = (await s.admin.post('/api/integrations/datto-rmm/webhook-token')).body.webhookUrl;
    expect(after).not.toBe(before);
    expect(after).toMatch(/\/hooks\/datto-rmm\//);
  });

  it('never writes the secret or a token to the log', () => {
    expect(logText.length).toBeGreaterThan(0);
    expect(logText).not.toContain(emu.apiSecret);
    expect(logText).not.toContain('WRONGSECRET');
  });
});
