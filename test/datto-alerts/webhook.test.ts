import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/test-server.ts';
import { emulatorAlert, raiseBody, resolveBody, startAlertsEnv, type AlertsEnv } from './alerts-env.ts';

const samples = path.resolve(process.cwd(), '../shared/datto-rmm/samples');
const haveSamples = fs.existsSync(samples);
if (!haveSamples && process.env.CI) throw new Error(`The shared samples are missing at ${samples}`);

const deliveries = async (env: AlertsEnv) => (await env.api.get('/api/integrations/datto-rmm/webhook-deliveries?limit=200')).body.items as any[];

describe('Datto RMM webhooks', () => {
  let env: AlertsEnv;
  beforeAll(async () => {
    env = await startAlertsEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('a raise body opens a ticket, which enrichment completes from Datto', async () => {
    const alert = emulatorAlert(env.emu, { priority: 'Critical' });
    const device = env.emu.state.device(alert.deviceUid)!;
    const d = await env.webhook(raiseBody(alert.alertUid, { deviceUid: device.uid, deviceHostname: device.hostname, alertPriority: 'Critical' }));
    expect(d).toMatchObject({ state: 'processed', alertUid: alert.alertUid, reason: `created ticket #${d.ticketId}` });
    const again = await env.webhook(raiseBody(alert.alertUid, { deviceUid: device.uid, alertPriority: 'Critical', timestamp: 'later' }));
    expect(again).toMatchObject({ state: 'processed', ticketId: d.ticketId, reason: `added to ticket #${d.ticketId} (occurrence 2)` });
    const ticket = await env.ticket(d.ticketId!);
    expect(ticket).toMatchObject({ source: 'webhook', summary: 'Test alert raised', priority: 1 });
    expect(ticket.details).toContain(device.hostname);
    const link = await eventually(async () => {
      const a = await env.alert(alert.alertUid);
      return a.enrichedAt ? a : undefined;
    });
    expect(link).toMatchObject({ via: ['webhook'], deviceUid: device.uid, priority: 'Critical', monitorKind: alert.alertContext['@class'] });
    const history = await env.actions(ticket.id);
    expect(history.some((a) => a.kind === 'alert_details' && a.body.includes(alert.diagnostics))).toBe(true);
    // No import ran: the Datto site is not known, which the history says with what to do; the ticket stays.
    expect(history.filter((a) => /has not been imported yet.*Run a sites import/.test(a.body))).toHaveLength(1);
    expect((await env.ticket(ticket.id)).customerId).toBeNull();

    // The sites import maps the Datto site: the open ticket gets the customer and site it made.
    const sync = await env.api.post('/api/integrations/datto-rmm/sync', { what: 'sites' });
    expect(sync.status, JSON.stringify(sync.body)).toBe(202);
    await eventually(async () => (await env.api.get(`/api/jobs/${sync.body.id}`)).body.state === 'done', 20_000);
    const mapping = (await env.api.get(`/api/integrations/datto-rmm/site-mappings/${device.siteUid}`)).body;
    expect(await env.ticket(ticket.id)).toMatchObject({ customerId: mapping.customerId, siteId: mapping.siteId });
  });

  it('accepts alertUid / alert_uid spellings, boolean or string flags, and any content type', async () => {
    const a = emulatorAlert(env.emu);
    const d1 = await env.webhook(JSON.stringify({ alert_uid: a.alertUid.toUpperCase(), alertMessage: 'x', resolved: false }), { contentType: 'text/plain' });
    expect(d1.state).toBe('processed');
    const d2 = await env.webhook({ alertUid: a.alertUid, alertMessage: 'x', resolvedAlert: true }, { contentType: 'application/x-www-form-urlencoded' });
    expect(d2).toMatchObject({ state: 'processed', ticketId: d1.ticketId });
    expect((await env.alert(a.alertUid)).dattoState).toBe('resolved');
  });

  it('a resolve body resolves the alert and applies the policy (default: close when nobody worked the ticket) without calling Datto back', async () => {
    const alert = emulatorAlert(env.emu);
    const raised = await env.webhook(raiseBody(alert.alertUid));
    const resolved = await env.webhook(resolveBody(alert.alertUid));
    expect(resolved).toMatchObject({ state: 'processed', ticketId: raised.ticketId });
    const ticket = await env.ticket(raised.ticketId!);
    expect(ticket.status).toBe('closed');
    expect(await env.alert(alert.alertUid)).toMatchObject({ dattoState: 'resolved', resolveState: 'none', resolvedBy: 'datto' });
    const history = await env.actions(ticket.id);
    expect(history.some((a) => a.kind === 'alert_resolved' && /resolved in Datto RMM/.test(a.body))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(env.resolveCalls(alert.alertUid)).toEqual([]);
  });

  it('a wrong token answers exactly like a route that does not exist, and stores nothing', async () => {
    const before = (await deliveries(env)).length;
    const wrong = await fetch(`${env.server.url}/hooks/datto-rmm/not-the-token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(raiseBody('5a38c0de-dc7c-4b13-b125-a4cfee0bfb1a')),
    });
    const missing = await fetch(`${env.server.url}/hooks/datto-rmm-nothing/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(wrong.status).toBe(404);
    expect(missing.status).toBe(404);
    const [a, b] = [await wrong.json(), await missing.json()] as any[];
    expect(Object.keys(a.error)).toEqual(Object.keys(b.error));
    expect(a.error.code).toBe(b.error.code);
    expect((await deliveries(env)).length).toBe(before);
  });

  it('unreplaced placeholders are stored as failed with the reason', async () => {
    const template = haveSamples
      ? fs.readFileSync(path.join(samples, 'webhook-template-with-resolved-flag.json'), 'utf8')
      : JSON.stringify({ resolvedAlert: 'false', alertUID: '[alert_uid]', alertMessage: '[alert_message]' });
    const d = await env.webhook(template);
    expect(d.state).toBe('failed');
    expect(d.reason).toMatch(/\[alert_uid\] was not replaced/);
    const stored = (await deliveries(env)).find((x) => x.id === d.id);
    expect(stored.body).toBe(template);

    const badFlag = await env.webhook({ alertUID: emulatorAlert(env.emu).alertUid, resolved: '[resolved]' });
    expect(badFlag.state).toBe('failed');
    expect(badFlag.reason).toMatch(/resolved must be true or false/);
    const notJson = await env.webhook('alertUID=abc', { contentType: 'text/plain' });
    expect(notJson).toMatchObject({ state: 'failed', reason: 'the body is not JSON' });
  });

  it('NUL in a body is stored and read without failing the store (PostgreSQL text cannot hold it)', async () => {
    const alert = emulatorAlert(env.emu);
    const escaped = await env.webhook({ ...raiseBody(alert.alertUid), alertMessage: 'Disk\u0000 full' });
    expect(escaped.state).toBe('processed');
    expect((await env.ticket(escaped.ticketId!)).summary).toBe('Disk full');
    const raw = await env.webhook('{"alertUID": "x\u0000y"}', { contentType: 'text/plain' });
    expect(raw).toMatchObject({ state: 'failed', reason: '"x\uFFFDy" is not a Datto alert uid (a UUID)' });
    expect((await deliveries(env)).find((x) => x.id === raw.id).body).toBe('{"alertUID": "x\uFFFDy"}');
  });

  it.skipIf(!haveSamples)('the shared raise sample is read (unknown to this Datto account: ticket kept, enrichment says why)', async () => {
    const body = fs.readFileSync(path.join(samples, 'webhook-raised.json'), 'utf8');
    const d = await env.webhook(body);
    expect(d).toMatchObject({ state: 'processed', alertUid: 'fa9b26c0-3761-4927-9412-e9f4a5db38d1' });
    expect((await env.ticket(d.ticketId!)).summary).toBe("Process 'AdobeARMservice' isStopped");
    await eventually(async () => (await env.alert('fa9b26c0-3761-4927-9412-e9f4a5db38d1')).enrichError);
  });

  it('the same body replayed within the window counts once; a distinct body counts again', async () => {
    const alert = emulatorAlert(env.emu);
    const body = raiseBody(alert.alertUid);
    const first = await env.webhook(body);
    const replay = await env.webhook(body);
    expect(replay.state).toBe('ignored');
    expect(replay.reason).toMatch(new RegExp(`identical to delivery #${first.id}`));
    expect((await env.alert(alert.alertUid)).occurrences).toBe(1);
    const distinct = await env.webhook({ ...body, timestamp: String(Date.now()) });
    expect(distinct).toMatchObject({ state: 'processed', ticketId: first.ticketId });
    expect((await env.alert(alert.alertUid)).occurrences).toBe(2);
  });

  it('a body over the limit is refused with 413', async () => {
    const res = await fetch(env.server.url + env.webhookPath, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ alertUID: 'x', pad: 'x'.repeat(70 * 1024) }),
    });
    expect(res.status).toBe(413);
  });

  it('rotating the token retires the old URL', async () => {
    const old = env.webhookPath;
    const rotated = await env.api.post('/api/integrations/datto-rmm/webhook-token');
    expect(rotated.status).toBe(200);
    const fresh = new URL(rotated.body.webhookUrl).pathname;
    expect(fresh).not.toBe(old);
    // A process trusts the token it read for up to a second.
    await new Promise((r) => setTimeout(r, 1_100));
    const res = await fetch(env.server.url + old, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    const alert = emulatorAlert(env.emu);
    expect((await env.webhook(raiseBody(alert.alertUid), { path: fresh })).state).toBe('processed');
  });
});
