import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  contextOfKind,
  createDattoClient,
  DattoApiError,
  type DattoClientOptions,
} from '../../src/integrations/datto-rmm/client/index.ts';
import { startDattoEmulator, type DattoEmulator, type EmulatorOptions, type LogEntry } from '../datto-emulator/index.ts';

// 600 shrinks Datto's 60 s window to 100 ms, the cut-off delay to 2 ms and the IP block to 500 ms.
const factor = 600;
const running: Array<{ stop(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

async function emulator(options: EmulatorOptions = {}): Promise<DattoEmulator> {
  const emu = await startDattoEmulator({ windowFactor: factor, sites: 3, devicesPerSite: 2, alerts: 4, ...options });
  running.push(emu);
  return emu;
}

function clientFor(emu: DattoEmulator, options: Partial<DattoClientOptions> = {}) {
  return createDattoClient({
    apiUrl: emu.url,
    apiKey: emu.apiKey,
    apiSecret: emu.apiSecret,
    windowFactor: factor,
    timeoutMs: 2_000,
    ...options,
    retry: { baseDelayMs: 5, maxDelayMs: 40, ...options.retry },
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function failureOf(work: Promise<unknown>): Promise<DattoApiError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof DattoApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const isApi = (entry: LogEntry) => entry.path.startsWith('/api/');
const tokenRequests = (emu: DattoEmulator) => emu.log.entries.filter((e) => e.path === '/auth/oauth/token');
const calls = (emu: DattoEmulator, path: string) => emu.log.entries.filter((e) => e.path === path);

/** A plain HTTP server that records what reaches it. */
async function recorder(answer: (res: http.ServerResponse) => void) {
  const seen: Array<{ url: string; authorization: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const handle = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
  running.push(handle);
  return handle;
}

describe('Datto RMM client: auth', () => {
  it('gets one token and reuses it across calls and client instances of the account', async () => {
    const emu = await emulator();
    const first = clientFor(emu);
    const second = clientFor(emu, { apiUrl: `${emu.url}/api/` });

    const account = await first.account();
    await second.site(emu.state.sites[0].uid);
    await collect(first.sites());

    expect(account.name).toBe('Emulated MSP');
    expect(tokenRequests(emu)).toHaveLength(1);
    expect(emu.log.entries.filter(isApi).every((e) => e.bearer && e.status === 200)).toBe(true);
  });

  it('replaces a token before it expires, so a long run never sees a 401', async () => {
    const emu = await emulator({ tokenLifetimeSeconds: 2 });
    const client = clientFor(emu);
    const started = Date.now();
    let done = 0;
    while (Date.now() - started < 4_300) {
      await client.site(emu.state.sites[done % 3].uid);
      done++;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(done).toBeGreaterThan(40);
    expect(tokenRequests(emu).length).toBeGreaterThanOrEqual(3);
    expect(emu.log.entries.filter((e) => e.status === 401)).toHaveLength(0);
  });

  it('gets a new token once when Datto refuses the current one, and the call succeeds', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    await client.account();
    emu.faults.revokeTokens();

    const site = await client.site(emu.state.sites[1].uid);

    expect(site.uid).toBe(emu.state.sites[1].uid);
    const siteCalls = calls(emu, `/api/v2/site/${site.uid}`).map((e) => e.status);
    expect(siteCalls).toEqual([401, 200]);
    expect(tokenRequests(emu)).toHaveLength(2);
  });

  it('reports a wrong key or secret as bad-credentials without repeating the secret', async () => {
    const emu = await emulator();
    const secret = 'WRONG-SECRET-0123456789';
    const error = await failureOf(clientFor(emu, { apiSecret: secret }).account());

    expect(error.kind).toBe('bad-credentials');
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(secret);
    expect(emu.log.entries.filter(isApi)).toHaveLength(0);
  });

  it('reports bad-credentials when a fresh token is refused too, after exactly one refresh', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    await client.account();
    emu.faults.failNext(5, { path: '/api/v2/device/', status: 401 });

    const error = await failureOf(client.device(emu.state.devices[0].uid));

    expect(error.kind).toBe('bad-credentials');
    expect(emu.log.entries.filter((e) => e.path.startsWith('/api/v2/device/')).map((e) => e.status)).toEqual([401, 401]);
  });
});

describe('Datto RMM client: paging', () => {
  it('lists 10,000 sites in 40 pages of 250, each exactly once', async () => {
    const emu = await emulator({ sites: 10_000, devicesPerSite: 0, alerts: 0 });
    const sites = await collect(clientFor(emu).sites());

    expect(sites).toHaveLength(10_000);
    expect(new Set(sites.map((s) => s.uid)).size).toBe(10_000);
    const pages = calls(emu, '/api/v2/account/sites');
    expect(pages).toHaveLength(40);
    expect(pages.every((e) => e.query.max === '250')).toBe(true);
  });

  it('gives pages with the total Datto reports, and none when it leaves the total out', async () => {
    const emu = await emulator({ sites: 600, devicesPerSite: 1, alerts: 120 });
    const client = clientFor(emu);

    const sitePages = await collect(client.sites().pages());
    const alertPages = await collect(client.openAlerts({ account: true }).pages());

    expect(sitePages.map((p) => [p.index, p.items.length, p.totalCount])).toEqual([[0, 250, 600], [1, 250, 600], [2, 100, 600]]);
    expect(alertPages.flatMap((p) => p.items)).toHaveLength(120);
    expect(alertPages.every((p) => p.totalCount === null)).toBe(true);
  });

  it('puts back query parameters a next-page link dropped', async () => {
    const emu = await emulator({ sites: 1_000, devicesPerSite: 0, alerts: 0, paging: { dropQueryFromLinks: true, defaultMax: 50 } });
    const client = clientFor(emu);

    const sites = await collect(client.sites());
    const dental = (await collect(client.pages('/v2/account/sites', 'sites', { siteName: 'dental' }))).flatMap((p) => p.items as Array<{ name: string }>);

    expect(sites).toHaveLength(1_000);
    const sitePages = calls(emu, '/api/v2/account/sites');
    expect(sitePages.filter((e) => !e.query.siteName)).toHaveLength(4);
    expect(sitePages.every((e) => e.query.max === '250')).toBe(true);
    const expected = emu.state.sites.filter((s) => s.name.toLowerCase().includes('dental'));
    expect(expected.length).toBeGreaterThan(50);
    expect(dental.map((s) => s.name)).toEqual(expected.map((s) => s.name));
  });

  it('refuses a next-page link to another host and never sends it the token', async () => {
    const trap = await recorder((res) => res.end('{"pageDetails":{},"sites":[]}'));
    const emu = await emulator({ sites: 300, devicesPerSite: 0, alerts: 0, paging: { linkOrigin: trap.url } });

    const error = await failureOf(collect(clientFor(emu).sites()));

    expect(error.kind).toBe('invalid-response');
    expect(error.message).toContain('another host');
    expect(trap.seen).toHaveLength(0);
    expect(calls(emu, '/api/v2/account/sites')).toHaveLength(1);
  });
});

describe('Datto RMM client: rate limits', () => {
  it('paces reads over several windows without a single 429 or slowed answer', async () => {
    // A 200 ms window and 60 reads per window, so 200 reads need at least 3 windows.
    const pacingFactor = 300;
    const emu = await emulator({ windowFactor: pacingFactor, readLimit: 60, sites: 200, devicesPerSite: 1, alerts: 0 });
    const client = clientFor(emu, { windowFactor: pacingFactor });
    const started = performance.now();

    for (const site of emu.state.sites) await collect(client.siteDevices(site.uid));

    const elapsed = performance.now() - started;
    const api = emu.log.entries.filter(isApi);
    expect(api.length).toBeGreaterThanOrEqual(201);
    expect(api.filter((e) => e.status === 429)).toHaveLength(0);
    expect(api.filter((e) => e.slowedDown)).toHaveLength(0);
    // It learned the 60-read limit from request_rate: 54 reads per 200 ms window.
    expect(elapsed).toBeGreaterThan(3 * 200);
  });

  it('paces concurrent callers of one account together', async () => {
    const pacingFactor = 300;
    const emu = await emulator({ windowFactor: pacingFactor, readLimit: 40, sites: 40, devicesPerSite: 1, alerts: 0 });
    const clients = [clientFor(emu, { windowFactor: pacingFactor }), clientFor(emu, { windowFactor: pacingFactor })];

    await Promise.all(
      emu.state.sites.map((site, i) => clients[i % 2].site(site.uid).then(() => clients[i % 2].site(site.uid))),
    );

    expect(emu.log.entries.filter(isApi).length).toBeGreaterThanOrEqual(80);
    expect(emu.log.entries.filter((e) => e.status === 429)).toHaveLength(0);
  });

  it('waits out a 429 for its Retry-After, then succeeds', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    await client.requestRate();
    emu.faults.rateLimitNext(1, { path: '/api/v2/account', retryAfterSeconds: 30 });

    const account = await client.account();

    expect(account.uid).toBe(emu.state.account.uid);
    const attempts = calls(emu, '/api/v2/account');
    expect(attempts.map((e) => e.status)).toEqual([429, 200]);
    // 30 s of Datto time is 50 ms at this factor.
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(48);
  });

  it('stops calling when the IP is blocked after repeated 429s, and resumes after the block', async () => {
    const emu = await emulator({ blockAfter: 2 });
    const client = clientFor(emu);
    await client.requestRate();
    emu.faults.rateLimitNext(10, { path: '/api/v2/account', retryAfterSeconds: 1 });

    const error = await failureOf(client.account());
    const seenAfterBlock = emu.log.entries.length;
    const again = await failureOf(collect(client.sites()));

    expect(error.kind).toBe('ip-blocked');
    expect(error.retryAfterMs).toBeGreaterThan(400);
    expect(calls(emu, '/api/v2/account').map((e) => e.status)).toEqual([429, 429, 403]);
    expect(again.kind).toBe('ip-blocked');
    expect(emu.log.entries).toHaveLength(seenAfterBlock);

    emu.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, 520));
    await expect(client.account()).resolves.toMatchObject({ uid: emu.state.account.uid });
  });

  it('treats a blocking 403 page as an IP block and makes no further calls', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    await client.account();
    emu.faults.blockIp();

    const first = await failureOf(client.site(emu.state.sites[0].uid));
    const before = emu.log.entries.length;
    const second = await failureOf(client.device(emu.state.devices[0].uid));

    expect([first.kind, second.kind]).toEqual(['ip-blocked', 'ip-blocked']);
    expect(emu.log.entries).toHaveLength(before);
  });

  it('spaces writes under the per-operation limit', async () => {
    const pacingFactor = 300;
    const emu = await emulator({ windowFactor: pacingFactor, operationLimit: 10, alerts: 30, resolvedAlerts: 0 });
    const client = clientFor(emu, { windowFactor: pacingFactor });
    const open = emu.state.alerts.filter((a) => !a.resolved);

    await Promise.all(open.map((alert) => client.resolveAlert(alert.alertUid)));

    const writes = emu.log.entries.filter((e) => e.method === 'POST' && isApi(e));
    expect(writes).toHaveLength(30);
    expect(writes.every((e) => e.status === 200)).toBe(true);
    expect(emu.state.alerts.every((a) => a.resolved)).toBe(true);
  });
});

describe('Datto RMM client: failures', () => {
  it('retries server errors with backoff, then succeeds', async () => {
    const emu = await emulator();
    emu.faults.failNext(2, { path: '/api/v2/account', status: 503 });

    await expect(clientFor(emu).account()).resolves.toMatchObject({ name: 'Emulated MSP' });
    expect(calls(emu, '/api/v2/account').map((e) => e.status)).toEqual([503, 503, 200]);
  });

  it('gives up on server errors after the configured attempts', async () => {
    const emu = await emulator();
    emu.faults.failNext(10, { path: '/api/v2/account' });

    const error = await failureOf(clientFor(emu, { retry: { attempts: 3 } }).account());

    expect(error.kind).toBe('server-error');
    expect(error.status).toBe(500);
    expect(calls(emu, '/api/v2/account')).toHaveLength(3);
  });

  it('retries a dropped connection', async () => {
    const emu = await emulator();
    const uid = emu.state.sites[0].uid;
    emu.faults.dropNext(1, { path: `/api/v2/site/${uid}` });

    await expect(clientFor(emu).site(uid)).resolves.toMatchObject({ uid });
    expect(calls(emu, `/api/v2/site/${uid}`).map((e) => e.status)).toEqual([0, 200]);
  });

  it('reports a reply slower than the timeout as timeout', async () => {
    const emu = await emulator();
    emu.faults.slow(600, { path: '/api/v2/account' });
    const started = performance.now();

    const error = await failureOf(clientFor(emu, { timeoutMs: 150, retry: { attempts: 2 } }).account());

    expect(error.kind).toBe('timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(calls(emu, '/api/v2/account')).toHaveLength(2);
  });

  it('tells a permission 403 apart from a block and keeps serving other calls', async () => {
    const emu = await emulator();
    emu.faults.forbid('/api/v2/account/devices');
    const client = clientFor(emu);

    const error = await failureOf(collect(client.accountDevices()));

    expect(error.kind).toBe('forbidden');
    expect(error.message).toContain("doesn't have access");
    await expect(collect(client.sites())).resolves.toHaveLength(3);
  });

  it('reports disabled API access as forbidden', async () => {
    const emu = await emulator();
    emu.faults.disableApi();
    const error = await failureOf(clientFor(emu).account());
    expect(error.kind).toBe('forbidden');
    expect(error.message).toContain('API access is disabled');
  });

  it('reports a web site that is not Datto as not-datto', async () => {
    const site = await recorder((res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>Not here</body></html>');
    });
    const error = await failureOf(createDattoClient({ apiUrl: site.url, apiKey: 'k', apiSecret: 's' }).account());
    expect(error.kind).toBe('not-datto');
  });

  it('reports a closed port as unreachable', async () => {
    const closed = await recorder((res) => res.end());
    await closed.stop();
    const error = await failureOf(
      createDattoClient({ apiUrl: closed.url, apiKey: 'k', apiSecret: 's', retry: { attempts: 2, baseDelayMs: 5 } }).account(),
    );
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('Datto RMM client: data', () => {
  it('reads items whose fields are all null', async () => {
    const emu = await emulator();
    emu.faults.nullFields('*');
    const client = clientFor(emu);

    const [site] = await collect(client.sites());
    const devices = await collect(client.accountDevices());
    const alerts = await collect(client.openAlerts({ account: true }));
    const account = await client.account();

    expect(site).toMatchObject({ uid: emu.state.sites[0].uid, name: null, devicesStatus: null });
    expect(devices[0]).toMatchObject({ hostname: null, lastSeen: null, udf: null, deviceType: null });
    expect(alerts[0]).toMatchObject({ priority: null, timestamp: null, alertContext: null, alertSourceInfo: null });
    expect(account).toMatchObject({ name: null, descriptor: null });
  });

  it('reads nested nulls and dates sent as epoch milliseconds or ISO text', async () => {
    const emu = await emulator();
    emu.faults.nullFields(['devicesStatus.numberOfDevices', 'antivirus.antivirusStatus']);
    const client = clientFor(emu);

    const site = await client.site(emu.state.sites[0].uid);
    const devices = await collect(client.accountDevices());

    expect(site.devicesStatus).toMatchObject({ numberOfDevices: null, numberOfOnlineDevices: expect.any(Number) });
    expect(devices.every((d) => d.antivirus?.antivirusStatus === null)).toBe(true);
    for (const device of devices) {
      const record = emu.state.device(device.uid);
      expect(device.lastSeen?.getTime()).toBe(record?.lastSeen);
    }
    expect(new Set(devices.map((d) => d.id % 2)).size).toBe(2);
  });

  it('keeps an alert context of an unknown kind with all its fields', async () => {
    const emu = await emulator();
    const device = emu.state.devices[0];
    const novel = emu.state.addAlert({ deviceUid: device.uid, alertContext: { '@class': 'quantum_flux_ctx', flux: 7, note: 'new' } });
    const disk = emu.state.addAlert({
      deviceUid: device.uid,
      alertContext: { '@class': 'perf_disk_usage_ctx', diskName: 'D:', freeSpace: 3, totalVolume: 500, unitOfMeasure: 'PERCENT' },
    });
    const client = clientFor(emu);

    const unknown = await client.alert(novel.alertUid);
    const known = await client.alert(disk.alertUid);

    expect(unknown.alertContext).toEqual({ '@class': 'quantum_flux_ctx', flux: 7, note: 'new' });
    expect(contextOfKind(known.alertContext, 'perf_disk_usage_ctx')).toMatchObject({ diskName: 'D:', freeSpace: 3 });
    expect(contextOfKind(unknown.alertContext, 'perf_disk_usage_ctx')).toBeNull();
    expect(known.alertSourceInfo).toMatchObject({ deviceUid: device.uid, deviceName: device.hostname });
    expect(known.timestamp).toBeInstanceOf(Date);
  });

  it('lists open and resolved alerts per account, site and device', async () => {
    const emu = await emulator({ sites: 4, devicesPerSite: 3, alerts: 40, resolvedAlerts: 10 });
    const client = clientFor(emu);
    const site = emu.state.sites[1];
    const device = emu.state.devicesOfSite(site.uid)[0];
    const count = async (items: AsyncIterable<unknown>) => (await collect(items)).length;

    expect(await count(client.openAlerts({ account: true }))).toBe(40);
    expect(await count(client.resolvedAlerts({ account: true }))).toBe(10);
    expect(await count(client.openAlerts({ siteUid: site.uid }))).toBe(emu.state.alertsOf({ siteUid: site.uid }, false).length);
    expect(await count(client.resolvedAlerts({ siteUid: site.uid }))).toBe(emu.state.alertsOf({ siteUid: site.uid }, true).length);
    expect(await count(client.openAlerts({ deviceUid: device.uid }))).toBe(emu.state.alertsOf({ deviceUid: device.uid }, false).length);
    expect(await count(client.resolvedAlerts({ deviceUid: device.uid }))).toBe(emu.state.alertsOf({ deviceUid: device.uid }, true).length);
  });

  it('walks per site to find devices the account listing misses', async () => {
    const emu = await emulator({ sites: 5, devicesPerSite: 4 });
    emu.faults.hideFromAccountDevices([emu.state.devices[3].uid, emu.state.devices[11].uid]);
    const client = clientFor(emu);

    const accountWide = await collect(client.accountDevices());
    const perSite = (await Promise.all(emu.state.sites.map((s) => collect(client.siteDevices(s.uid))))).flat();

    expect(accountWide).toHaveLength(18);
    expect(perSite).toHaveLength(20);
  });

  it('resolves an alert in Datto, and reports an unknown one as not-found', async () => {
    const emu = await emulator();
    const client = clientFor(emu);
    const [first] = await collect(client.openAlerts({ account: true }));

    await client.resolveAlert(first.alertUid);
    const after = await client.alert(first.alertUid);
    const error = await failureOf(client.resolveAlert('00000000-0000-4000-8000-000000000000'));

    expect(after).toMatchObject({ resolved: true, resolvedOn: expect.any(Date) });
    expect((await collect(client.openAlerts({ account: true }))).map((a) => a.alertUid)).not.toContain(first.alertUid);
    expect(error.kind).toBe('not-found');
  });

  it('sees changes made between calls: renamed, moved and deleted', async () => {
    const emu = await emulator({ sites: 3, devicesPerSite: 2 });
    const client = clientFor(emu);
    const [a, b, c] = emu.state.sites;
    const device = emu.state.devicesOfSite(a.uid)[0];

    emu.state.renameSite(a.uid, 'Renamed Ltd');
    emu.state.moveDevice(device.uid, b.uid);
    emu.state.deleteSite(c.uid);

    const sites = await collect(client.sites());
    const moved = await client.device(device.uid);
    expect(sites.map((s) => s.name)).toEqual(['Renamed Ltd', b.name]);
    expect(moved).toMatchObject({ siteUid: b.uid, siteName: b.name });
    expect((await failureOf(client.site(c.uid))).kind).toBe('not-found');
  });
});
