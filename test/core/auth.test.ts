import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, login, startTestServer, type Api, type TestServer } from '../support/test-server.ts';

const PUBLIC = new Set(['GET /api/health', 'POST /api/auth/login', 'POST /api/auth/logout', 'GET /api/setup', 'POST /api/setup']);

describe('authentication and roles', () => {
  let s: TestServer;
  let agent: Api;
  beforeAll(async () => {
    s = await startTestServer();
    const created = await s.admin.post('/api/agents', { email: 'tech@example.test', name: 'Tech', password: 'tech-password-1' });
    expect(created.status).toBe(201);
    agent = await login(s.url, 'tech@example.test', 'tech-password-1');
  });
  afterAll(async () => { await s?.stop(); });

  it('requires a sign-in on every /api route except health, login and setup', async () => {
    const doc = (await s.anonymous.get('/docs/json')).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => [m.toUpperCase(), p] as const));
    const checked = routes.filter(([, p]) => p.startsWith('/api/'));
    expect(checked.length).toBeGreaterThan(20);
    for (const [method, p] of checked) {
      const url = p.replace(/\{[^}]+\}/g, '1');
      const res = await fetch(s.url + url, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      if (PUBLIC.has(`${method} ${p}`)) expect(res.status, `${method} ${p}`).not.toBe(401);
      else expect(res.status, `${method} ${p}`).toBe(401);
    }
  });

  it('rejects a wrong password with 401 and sets an httpOnly session cookie on success', async () => {
    const bad = await s.anonymous.post('/api/auth/login', { email: 'tech@example.test', password: 'nope-nope' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('unauthorized');
    const ok = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'tech@example.test', password: 'tech-password-1' }),
    });
    const cookie = ok.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/relaydesk_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
  });

  it('an agent cannot change settings, agents or ticket types', async () => {
    expect((await agent.put('/api/integrations/datto-rmm', { enabled: false })).status).toBe(403);
    expect((await agent.post('/api/agents', { email: 'x@example.test', name: 'X', password: 'password-123' })).status).toBe(403);
    expect((await agent.post('/api/ticket-types', { name: 'Change' })).status).toBe(403);
    expect((await agent.get('/api/audit-log')).status).toBe(403);
    // …but works tickets.
    expect((await agent.post('/api/tickets', { summary: 'Mouse broken' })).status).toBe(201);
  });

  it('an agent changes their own password: the current one is checked, other sessions end, this one stays', async () => {
    await s.admin.post('/api/agents', { email: 'pw@example.test', name: 'Pat', password: 'initial-pass-1' });
    const here = await login(s.url, 'pw@example.test', 'initial-pass-1');
    const elsewhere = await login(s.url, 'pw@example.test', 'initial-pass-1');
    const wrong = await here.post('/api/me/password', { currentPassword: 'not-it-at-all', newPassword: 'chosen-pass-2' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'body.currentPassword', message: 'is not your current password' }] });
    const short = await here.post('/api/me/password', { currentPassword: 'initial-pass-1', newPassword: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/^body\.newPassword: must be at least 8 characters/);

    expect((await here.post('/api/me/password', { currentPassword: 'initial-pass-1', newPassword: 'chosen-pass-2' })).status).toBe(204);
    expect((await here.get('/api/me')).status).toBe(200);
    expect((await elsewhere.get('/api/me')).status).toBe(401);
    expect((await s.anonymous.post('/api/auth/login', { email: 'pw@example.test', password: 'initial-pass-1' })).status).toBe(401);
    expect((await s.anonymous.post('/api/auth/login', { email: 'pw@example.test', password: 'chosen-pass-2' })).status).toBe(200);
    const entries = (await s.admin.get('/api/audit-log?limit=20')).body.items as Array<{ action: string; changes: unknown }>;
    expect(entries.find((e) => e.action === 'agent.password_change')?.changes).toEqual({ password: 'changed' });
  });

  it('API tokens authenticate as Bearer, are stored hashed and stop working when revoked', async () => {
    const created = await agent.post('/api/api-tokens', { name: 'script' });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    const viaToken = apiClient(s.url, { token });
    expect((await viaToken.get('/api/me')).body.email).toBe('tech@example.test');
    const stored = await s.ctx.db.selectFrom('api_tokens').select('token_hash').execute();
    expect(stored.some((r) => r.token_hash === token)).toBe(false);
    expect((await agent.get('/api/api-tokens')).body.items.some((t: any) => 'token' in t)).toBe(false);
    expect((await agent.delete(`/api/api-tokens/${created.body.id}`)).status).toBe(204);
    expect((await viaToken.get('/api/me')).status).toBe(401);
  });

  it('logout ends the session', async () => {
    const a = await login(s.url, 'tech@example.test', 'tech-password-1');
    expect((await a.get('/api/me')).status).toBe(200);
    expect((await a.post('/api/auth/logout')).status).toBe(204);
    expect((await a.get('/api/me')).status).toBe(401);
  });

  it('the first-run setup creates one administrator and is refused afterwards', async () => {
    expect((await s.anonymous.get('/api/setup')).body.needsSetup).toBe(false);
    const again = await s.anonymous.post('/api/setup', { email: 'other@example.test', name: 'O', password: 'password-123' });
    expect(again.status).toBe(409);
  });

  it('keeps at least one active administrator', async () => {
    const me = (await s.admin.get('/api/me')).body;
    const res = await s.admin.patch(`/api/agents/${me.id}`, { role: 'agent' });
    expect(res.status).toBe(409);
  });

  it('records who changed what in the audit log', async () => {
    await s.admin.post('/api/customers', { name: 'Audited Ltd' });
    const log = await s.admin.get('/api/audit-log?entity=customer');
    expect(log.body.items[0]).toMatchObject({ action: 'customer.create', agentName: 'Administrator' });
  });
});

describe('first run without an administrator', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer({ withAdmin: false }); });
  afterAll(async () => { await s?.stop(); });

  it('asks for the first administrator and signs them in', async () => {
    expect((await s.anonymous.get('/api/setup')).body.needsSetup).toBe(true);
    const res = await fetch(`${s.url}/api/setup`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'first@example.test', name: 'First', password: 'short' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toMatch(/password/);
    const ok = await fetch(`${s.url}/api/setup`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'first@example.test', name: 'First', password: 'long-enough-1' }),
    });
    expect(ok.status).toBe(201);
    const cookie = ok.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    expect((await apiClient(s.url, { cookie }).get('/api/me')).body.role).toBe('admin');
  });
});
