import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createState, type EmulatorState } from './data.ts';
import { createFaults, type Faults } from './faults.ts';
import { createRateLimiter } from './rate-limit.ts';
import { badRequest, matchRoute, notFound, routes, type PagingOptions, type Reply } from './routes.ts';

/**
 * A Datto RMM API emulator over real HTTP, behaving as the shared API.md says:
 * OAuth password-grant tokens, paged listings, rolling-window rate limits with
 * the cut-off delay, 429 and the IP block, and faults a test can switch on.
 *
 * Time scale: `windowFactor` divides Datto's 60 s window, the 1 s cut-off delay
 * and the 5 minute IP block (factor 60: a 1 s window, 17 ms delay, 5 s block).
 * Limits stay as they are, and so do the numbers the API reports: `Retry-After`
 * and `slidingTimeWindowSizeSeconds` are in unscaled seconds, so a client run
 * with the same factor divides them. Token lifetimes are not scaled.
 */
export type EmulatorOptions = {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Credentials the token endpoint accepts; random when not given. */
  apiKey?: string;
  apiSecret?: string;
  /** Seed of the generated data: the same seed gives the same sites, devices and alerts. */
  seed?: number;
  sites?: number;
  /** Total devices spread over the sites; wins over `devicesPerSite`. */
  devices?: number;
  devicesPerSite?: number;
  /** Open alerts. */
  alerts?: number;
  /** Resolved alerts (default: a quarter of the open ones). */
  resolvedAlerts?: number;
  /** Lifetime of issued tokens, `expires_in` (default 360000 s = 100 h). */
  tokenLifetimeSeconds?: number;
  windowFactor?: number;
  readLimit?: number;
  cutOffRatio?: number;
  writeLimit?: number;
  operationLimit?: number;
  /** Requests answered 429 within one window after which the IP is blocked (default 20). */
  blockAfter?: number;
  blockSeconds?: number;
  paging?: Partial<PagingOptions>;
  /** Platform name used in portal links. */
  platform?: string;
};

export type LogEntry = {
  method: string;
  /** Path as requested, `/api/v2/...` or `/auth/oauth/token`. */
  path: string;
  query: Record<string, string>;
  /** 0 when the connection was dropped without an answer. */
  status: number;
  /** Epoch ms when the request arrived. */
  at: number;
  ms: number;
  /** Whether it carried `Authorization: Bearer …`. */
  bearer: boolean;
  /** Delayed for being above the cut-off ratio of the read limit. */
  slowedDown: boolean;
};

export type RequestLog = {
  readonly entries: readonly LogEntry[];
  clear(): void;
};

export type DattoEmulator = {
  /** Base URL to configure as the API URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  apiKey: string;
  apiSecret: string;
  state: EmulatorState;
  log: RequestLog;
  faults: Faults;
  stop(): Promise<void>;
};

const publicClient = `Basic ${Buffer.from('public-client:public').toString('base64')}`;
const blockedPage = '<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1><p>Request blocked.</p></body></html>';

export async function startDattoEmulator(options: EmulatorOptions = {}): Promise<DattoEmulator> {
  const apiKey = options.apiKey ?? `EMU${crypto.randomBytes(12).toString('hex').toUpperCase()}`;
  const apiSecret = options.apiSecret ?? crypto.randomBytes(16).toString('hex').toUpperCase();
  const alerts = options.alerts ?? 10;
  const state = createState({
    seed: options.seed ?? 1,
    sites: options.sites ?? 5,
    devices: options.devices,
    devicesPerSite: options.devicesPerSite ?? 3,
    alerts,
    resolvedAlerts: options.resolvedAlerts ?? Math.ceil(alerts / 4),
    platform: options.platform ?? 'merlot',
  });
  const windowFactor = options.windowFactor ?? 1;
  const limiter = createRateLimiter({
    windowFactor,
    readLimit: options.readLimit ?? 600,
    cutOffRatio: options.cutOffRatio ?? 0.9,
    writeLimit: options.writeLimit ?? 600,
    operationLimit: options.operationLimit ?? 100,
    blockAfter: options.blockAfter ?? 20,
    blockSeconds: options.blockSeconds ?? 300,
  });
  const paging: PagingOptions = {
    pageMax: 250,
    alertPageMax: 100,
    defaultMax: options.paging?.pageMax ?? 250,
    dropQueryFromLinks: false,
    linkOrigin: undefined,
    totalCount: 'except-open-alerts',
    ...options.paging,
  };
  const tokenLifetimeMs = (options.tokenLifetimeSeconds ?? 360_000) * 1000;
  const tokens = new Map<string, number>();
  const entries: LogEntry[] = [];
  let lastIp = '127.0.0.1';
  const { faults, plan } = createFaults({
    blockIp: (ms) => limiter.block(lastIp, ms),
    revokeTokens: () => tokens.clear(),
  });

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'Internal Server Error', message: String(error) }));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const ip = req.socket.remoteAddress ?? 'unknown';
    lastIp = ip;
    const body = await readBody(req);

    if (url.pathname.startsWith('/__emulator/')) return control(url, method, body, res);

    const entry: LogEntry = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at,
      ms: 0,
      bearer: /^Bearer\s/i.test(req.headers.authorization ?? ''),
      slowedDown: false,
    };
    entries.push(entry);
    const send = (reply: Reply, headers: Record<string, string> = {}) => {
      entry.status = reply.status;
      entry.ms = performance.now() - started;
      if (res.destroyed) return;
      const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      const type = typeof reply.body === 'string' ? 'text/html; charset=utf-8' : 'application/json';
      res.writeHead(reply.status, { ...(text ? { 'Content-Type': type } : {}), 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };

    if (limiter.isBlocked(ip)) return send({ status: 403, body: blockedPage });
    if (plan.drop(method, url.pathname)) {
      entry.ms = performance.now() - started;
      req.socket.destroy();
      return;
    }
    const delay = plan.delay(method, url.pathname);
    if (delay > 0) await sleep(delay);
    const failure = plan.failure(method, url.pathname);
    if (failure !== undefined) return send({ status: failure, body: { status: failure, error: http.STATUS_CODES[failure], path: url.pathname } });

    if (url.pathname === '/auth/oauth/token') return send(token(method, req, body));
    if (!url.pathname.startsWith('/api/')) return send(notFound({ path: url.pathname }));

    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = bearer === undefined ? undefined : tokens.get(bearer);
    if (expiresAt === undefined || Date.now() >= expiresAt) {
      return send({ status: 401, body: { error: 'invalid_token', error_description: bearer ? 'Access token expired or unknown' : 'Full authentication is required to access this resource' } });
    }
    const refusal = plan.forbidden(method, url.pathname);
    if (refusal) {
      const message = refusal === 'api-disabled' ? 'API access is disabled for this account' : "Authenticated user doesn't have access to this resource.";
      return send({ status: 403, body: { timestamp: Date.now(), status: 403, error: 'Forbidden', message, path: url.pathname } });
    }

    const match = matchRoute(method, url.pathname.slice('/api'.length));
    if (match === 'wrong-method') return send({ status: 405, body: { status: 405, error: 'Method Not Allowed', path: url.pathname } });
    if (!match) return send(notFound({ path: url.pathname }));
    const unknown = [...url.searchParams.keys()].find((name) => !match.route.query.includes(name));
    if (unknown) return send(badRequest({ path: url.pathname }, `Unknown parameter '${unknown}'`));

    const forcedRetryAfter = plan.rateLimit(method, url.pathname);
    const verdict = forcedRetryAfter === undefined
      ? limiter.admit(ip, match.route.operation)
      : limiter.noteRejected(ip).outcome === 'blocked' ? { outcome: 'blocked' as const } : { outcome: 'limited' as const, retryAfterSeconds: forcedRetryAfter };
    if (verdict.outcome === 'blocked') return send({ status: 403, body: blockedPage });
    if (verdict.outcome === 'limited') {
      return send(
        { status: 429, body: { status: 429, error: 'Too Many Requests', message: 'Rate limit exceeded', path: url.pathname } },
        { 'Retry-After': String(verdict.retryAfterSeconds) },
      );
    }

    const reply = match.route.handle({
      params: match.params,
      query: url.searchParams,
      path: url.pathname,
      origin: `http://${req.headers.host ?? 'localhost'}`,
      state,
      limiter,
      paging,
      nulls: plan.nulls(method, url.pathname),
      hiddenFromAccount: plan.hiddenDevices(),
    });
    if (verdict.delayMs > 0) {
      entry.slowedDown = true;
      await sleep(verdict.delayMs);
    }
    send(reply);
  }

  function token(method: string, req: http.IncomingMessage, body: string): Reply {
    if (method !== 'POST') return { status: 405, body: { error: 'method_not_allowed' } };
    if (req.headers.authorization !== publicClient) {
      return { status: 401, body: { error: 'unauthorized', error_description: 'Full authentication is required to access this resource' } };
    }
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'password') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' } };
    }
    if (form.get('username') !== apiKey || form.get('password') !== apiSecret) {
      return { status: 401, body: { error: 'invalid_grant', error_description: 'Bad credentials' } };
    }
    const accessToken = crypto.randomBytes(24).toString('base64url');
    tokens.set(accessToken, Date.now() + tokenLifetimeMs);
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'bearer',
        refresh_token: crypto.randomBytes(24).toString('base64url'),
        expires_in: Math.round(tokenLifetimeMs / 1000),
        scope: 'default',
        jti: crypto.randomUUID(),
      },
    };
  }

  /** `/__emulator/log`, `/__emulator/faults/<name>` and `/__emulator/state/<name>` (POST a JSON array of arguments). */
  function control(url: URL, method: string, body: string, res: http.ServerResponse): void {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value ?? null));
    };
    const [, , area, name] = url.pathname.split('/');
    if (area === 'log' && method === 'GET') return reply(200, entries);
    if (area === 'log' && method === 'DELETE') return reply(200, void (entries.length = 0));
    const target = area === 'faults' ? faults : area === 'state' ? state : undefined;
    const fn = target && name ? (target as unknown as Record<string, unknown>)[name] : undefined;
    if (method !== 'POST' || typeof fn !== 'function') return reply(404, { error: 'unknown control route' });
    try {
      const args: unknown = body ? JSON.parse(body) : [];
      reply(200, (fn as (...a: unknown[]) => unknown)(...(Array.isArray(args) ? args : [args])));
    } catch (error) {
      reply(400, { error: String(error) });
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    apiKey,
    apiSecret,
    state,
    log: { entries, clear: () => void (entries.length = 0) },
    faults,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The routes served under `/api` (the contract test checks them against the vendor's document). */
export const emulatedRoutes = routes.map(({ method, path, query }) => ({ method, path, query }));

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 64 * 1024) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
