import { sql } from 'kysely';
import { expect } from 'vitest';
import { startDattoEmulator, type DattoEmulator, type EmulatorOptions } from '../datto-emulator/index.ts';
import { eventually, startTestServer, type TestServer } from '../support/test-server.ts';

/** Emulator and client run on the same shrunk clock: Datto's 60 s window becomes 100 ms. */
export const windowFactor = 600;

export type ImportEnv = {
  emu: DattoEmulator;
  s: TestServer;
  /** Runs a sync through the API and waits for its job to finish. */
  sync(what: 'sites' | 'devices'): Promise<Job>;
  /** POST /sync without waiting. */
  startSync(what: 'sites' | 'devices'): Promise<Job>;
  waitFor(jobId: number): Promise<Job>;
  configure(settings: Record<string, unknown>): Promise<void>;
  snapshot(): Promise<Snapshot>;
  stop(): Promise<void>;
};

export type Job = {
  id: number; kind: string; state: 'queued' | 'running' | 'done' | 'failed'; progress: { done: number; total: number | null };
  error: string | null; result: any;
};

export type Snapshot = Record<string, { rows: number; maxUpdatedAt: string | null }> & { audit: { rows: number } };

const tracked = ['customers', 'sites', 'assets', 'datto_site_links', 'datto_device_links'] as const;

export async function startImportEnv(opts: { emulator?: EmulatorOptions; settings?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<ImportEnv> {
  const emu = await startDattoEmulator({ windowFactor, sites: 5, devicesPerSite: 3, alerts: 0, resolvedAlerts: 0, ...opts.emulator });
  const s = await startTestServer({
    env: opts.env,
    start: {
      modules: {
        'datto-rmm': { client: { windowFactor, timeoutMs: 2_000, retry: { baseDelayMs: 5, maxDelayMs: 40 } } },
      },
    },
  });

  const configure = async (settings: Record<string, unknown>) => {
    const res = await s.admin.put('/api/integrations/datto-rmm', settings);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  await configure({
    enabled: true, apiUrl: emu.url, apiKey: emu.apiKey, apiSecret: emu.apiSecret,
    siteImport: { mode: 'customerPerSite', scheduleMinutes: 0 }, assetImport: { enabled: true },
    ...opts.settings,
  });

  const waitFor = (id: number) =>
    eventually(async () => {
      const job = (await s.admin.get(`/api/jobs/${id}`)).body as Job;
      return job.state === 'done' || job.state === 'failed' ? job : undefined;
    }, 20_000);
  const startSync = async (what: 'sites' | 'devices') => {
    const res = await s.admin.post('/api/integrations/datto-rmm/sync', { what });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body as Job;
  };

  return {
    emu,
    s,
    configure,
    startSync,
    waitFor,
    async sync(what) {
      return waitFor((await startSync(what)).id);
    },
    async snapshot() {
      const out: Record<string, unknown> = {};
      for (const table of tracked) {
        const r = await sql<{ n: number; m: string | null }>`select count(*) as n, max(updated_at) as m from ${sql.table(table)}`.execute(s.ctx.db);
        out[table] = { rows: Number(r.rows[0]!.n), maxUpdatedAt: r.rows[0]!.m };
      }
      const audit = await sql<{ n: number }>`select count(*) as n from audit_log`.execute(s.ctx.db);
      out.audit = { rows: Number(audit.rows[0]!.n) };
      return out as Snapshot;
    },
    async stop() {
      await s.stop();
      await emu.stop();
    },
  };
}

/** Every mapping, following the cursor. */
export async function allMappings(s: TestServer, query = ''): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = query ? '&' : '';
    const res: { status: number; body: any } = await s.admin.get(`/api/integrations/datto-rmm/site-mappings?limit=200${sep}${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

export const apiCalls = (emu: DattoEmulator, prefix: string) => emu.log.entries.filter((e) => e.path.startsWith(prefix));
