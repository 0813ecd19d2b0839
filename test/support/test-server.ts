import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { startRelaydesk, type Running, type StartOptions } from '../../src/main.ts';
import { createTestDatabase } from './test-database.ts';

export const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };

export type ApiReply<T = any> = { status: number; body: T; headers: Headers };
export type Api = {
  get<T = any>(p: string): Promise<ApiReply<T>>;
  post<T = any>(p: string, body?: unknown, init?: { contentType?: string; headers?: Record<string, string> }): Promise<ApiReply<T>>;
  put<T = any>(p: string, body?: unknown, init?: { contentType?: string }): Promise<ApiReply<T>>;
  patch<T = any>(p: string, body?: unknown): Promise<ApiReply<T>>;
  delete<T = any>(p: string): Promise<ApiReply<T>>;
};

/** A client over real HTTP that carries a session cookie or a bearer token. */
export function apiClient(baseUrl: string, auth: { cookie?: string; token?: string } = {}): Api {
  const call = async (method: string, p: string, body?: unknown, contentType?: string, extra: Record<string, string> = {}): Promise<ApiReply> => {
    const headers: Record<string, string> = { ...extra };
    if (auth.cookie) headers.cookie = auth.cookie;
    if (auth.token) headers.authorization = `Bearer ${auth.token}`;
    let payload: RequestInit['body'];
    if (body !== undefined) {
      if (Buffer.isBuffer(body) || typeof body === 'string') {
        headers['content-type'] = contentType ?? 'application/octet-stream';
        payload = body as string;
      } else {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body);
      }
    }
    const res = await fetch(baseUrl + p, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    get: (p) => call('GET', p),
    post: (p, b, init) => call('POST', p, b, init?.contentType, init?.headers),
    put: (p, b, init) => call('PUT', p, b, init?.contentType),
    patch: (p, b) => call('PATCH', p, b),
    delete: (p) => call('DELETE', p),
  };
}

export async function login(baseUrl: string, email: string, password: string): Promise<Api> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return apiClient(baseUrl, { cookie });
}

export type TestServer = Running & { admin: Api; anonymous: Api; dataDir: string };

/** The real server on a fresh database (SQLite file or PostgreSQL schema) and a free port, with an admin signed in. */
export async function startTestServer(
  opts: { env?: Record<string, string>; withAdmin?: boolean; start?: Partial<StartOptions> } = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-test-'));
  const db = await createTestDatabase();
  const withAdmin = opts.withAdmin ?? true;
  const config = loadConfig({
    RELAYDESK_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RELAYDESK_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    ...(withAdmin ? { RELAYDESK_ADMIN_EMAIL: ADMIN.email, RELAYDESK_ADMIN_PASSWORD: ADMIN.password } : {}),
    ...opts.env,
  });
  const running = await startRelaydesk(config, { pgSchema: db.pgSchema, workerPollMs: 25, schedulerEveryMs: 100, ...opts.start });
  const admin = withAdmin ? await login(running.url, ADMIN.email, ADMIN.password) : apiClient(running.url);
  return {
    ...running,
    admin,
    anonymous: apiClient(running.url),
    dataDir,
    async stop() {
      await running.stop();
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until the check returns a value other than undefined/false, or fails after the timeout. */
export async function eventually<T>(check: () => Promise<T | undefined | false | null>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false && v !== null) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
