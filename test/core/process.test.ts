import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, login, startTestServer } from '../support/test-server.ts';

const bin = path.resolve('bin/relaydesk.js');
const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-proc-'));
  dirs.push(d);
  return d;
};
const cleanEnv = (extra: Record<string, string>) => {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('RELAYDESK_') && k !== 'DATABASE_URL' && k !== 'PORT') env[k] = v;
  return { ...env, LOG_LEVEL: 'info', ...extra };
};

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('the relaydesk process', () => {
  it('refuses a bad setting with a message that names the variable', () => {
    const r = spawnSync(process.execPath, [bin, 'serve'], { env: cleanEnv({ RELAYDESK_DATA_DIR: tempDir(), PORT: 'eighty', DATABASE_URL: 'mysql://x', DATABASE_PREPARED_STATEMENTS: 'maybe' }), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PORT/);
    expect(r.stderr).toMatch(/DATABASE_URL/);
    expect(r.stderr).toMatch(/DATABASE_PREPARED_STATEMENTS/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('migrates, creates an administrator from the CLI, serves, logs in, and keeps secrets out of the log', { timeout: 120_000 }, async () => {
    const dataDir = tempDir();
    const env = cleanEnv({ RELAYDESK_DATA_DIR: dataDir, HOST: '127.0.0.1' });
    const migrate = spawnSync(process.execPath, [bin, 'migrate'], { env, encoding: 'utf8' });
    expect(migrate.status, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/Applied: 0001-core/);
    expect(spawnSync(process.execPath, [bin, 'migrate'], { env, encoding: 'utf8' }).stdout).toMatch(/up to date/);

    const password = `pw-${crypto.randomBytes(6).toString('hex')}`;
    // Without a password and with nothing to read it from, it says how to give one instead of hanging or exiting silently.
    const unasked = spawnSync(process.execPath, [bin, 'admin', 'create', '--email', 'ops@example.test'], { env, encoding: 'utf8', input: '' });
    expect(unasked.status).toBe(1);
    expect(unasked.stderr).toMatch(/No password given: pass --password P, set RELAYDESK_NEW_PASSWORD/);
    const admin = spawnSync(process.execPath, [bin, 'admin', 'create', '--email', 'ops@example.test', '--password', password], { env, encoding: 'utf8' });
    expect(admin.status, admin.stderr).toBe(0);
    expect(admin.stdout).toMatch(/Created administrator ops@example.test/);

    const keyFile = path.join(dataDir, 'secret.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dataDir, 'relaydesk.sqlite'))).toBe(true);

    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [bin, 'serve'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    try {
      const url = `http://127.0.0.1:${port}`;
      await eventually(async () => (await fetch(`${url}/api/health`)).ok, 20_000, 100);
      const api = await login(url, 'ops@example.test', password);
      expect((await api.get('/api/me')).body.role).toBe('admin');
      const bad = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.test', password: 'wrong-one-x' }) });
      expect(bad.status).toBe(401);
      expect((await fetch(`${url}/metrics`)).headers.get('content-type')).toMatch(/text\/plain/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(log).toMatch(/Relaydesk is listening/);
    for (const line of log.split('\n').filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line)).not.toThrow();
    expect(log).not.toContain(password);
  });

  it('a request handled after stopping closed the database answers 503 shutting_down, not a 500', async () => {
    const s = await startTestServer();
    try {
      await s.ctx.db.destroy();
      const r = await s.admin.get('/api/tickets');
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ error: { code: 'shutting_down', message: 'Relaydesk is shutting down; try again in a moment' } });
    } finally {
      await s.stop().catch(() => {});
    }
  });
});
