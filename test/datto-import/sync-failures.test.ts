import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/test-server.ts';
import { startImportEnv, type ImportEnv, type Job } from './import-env.ts';

let env: ImportEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

/** Starts a sync and, once it has written `after` items, lets `fault` loose on it. */
async function breakMidRun(e: ImportEnv, what: 'sites' | 'devices', after: number, fault: () => void): Promise<Job> {
  const started = await e.startSync(what);
  await eventually(async () => {
    const job = (await e.s.admin.get(`/api/jobs/${started.id}`)).body as Job;
    if (job.state === 'done' || job.state === 'failed') throw new Error(`the job ended before the fault: ${JSON.stringify(job)}`);
    return job.progress.done >= after;
  }, 20_000, 5);
  fault();
  return e.waitFor(started.id);
}

/** Every link has its site and customer: nothing half-written. */
async function expectConsistentSites(e: ImportEnv) {
  const r = await sql<{ links: number; linked: number; customers: number; sites: number; mains: number }>`
    select (select count(*) from datto_site_links) as links,
           (select count(*) from datto_site_links l join sites s on s.id = l.site_id join customers c on c.id = s.customer_id) as linked,
           (select count(*) from customers) as customers,
           (select count(*) from sites) as sites,
           (select count(*) from customers where main_site_id is not null) as mains`.execute(e.s.ctx.db);
  const row = r.rows[0]!;
  const n = Number(row.links);
  expect([Number(row.linked), Number(row.customers), Number(row.sites), Number(row.mains)]).toEqual([n, n, n, n]);
  return n;
}

describe('Datto import interrupted mid-run', () => {
  it('fails on repeated 500s with Datto\'s reason, keeps the pages written, and the next run finishes without duplicates', async () => {
    env = await startImportEnv({ emulator: { sites: 40, devicesPerSite: 0, paging: { pageMax: 5 } } });
    env.emu.faults.slow(100, { path: '/api/v2/account/sites' });

    const failed = await breakMidRun(env, 'sites', 10, () => env!.emu.faults.failNext(100, { path: '/api/v2/account/sites' }));

    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/server error \(500\)/);
    expect(failed.error).toMatch(/Stopped after \d+ of 40 sites/);
    const written = await expectConsistentSites(env);
    expect(written).toBeGreaterThanOrEqual(10);
    expect(written).toBeLessThan(40);
    expect(written % 5).toBe(0);

    env.emu.faults.clear();
    const resumed = await env.sync('sites');

    expect(resumed.state).toBe('done');
    expect(resumed.result).toMatchObject({ total: 40, created: 40 - written, unchanged: written, failed: 0, deleted: 0 });
    expect(await expectConsistentSites(env)).toBe(40);
  });

  it('fails with the bad-credentials explanation when Datto starts refusing the key, then resumes', async () => {
    env = await startImportEnv({ emulator: { sites: 4, devicesPerSite: 10, paging: { pageMax: 5 } } });
    await env.sync('sites');
    env.emu.faults.slow(100, { path: '/api/v2/account/devices' });

    const failed = await breakMidRun(env, 'devices', 10, () => env!.emu.faults.failNext(1000, { status: 401 }));

    expect(failed.state).toBe('failed');
    expect(failed.error).toContain('Datto RMM rejected the API key and secret');
    const assets = Number((await sql<{ n: number }>`select count(*) as n from assets`.execute(env.s.ctx.db)).rows[0]!.n);
    const links = Number((await sql<{ n: number }>`select count(*) as n from datto_device_links`.execute(env.s.ctx.db)).rows[0]!.n);
    expect(assets).toBe(links);
    expect(assets).toBeGreaterThanOrEqual(10);
    expect(assets).toBeLessThan(40);
    // An interrupted listing never retires anything.
    expect(Number((await sql<{ n: number }>`select count(*) as n from assets where retired_at is not null`.execute(env.s.ctx.db)).rows[0]!.n)).toBe(0);

    env.emu.faults.clear();
    const resumed = await env.sync('devices');

    expect(resumed.result).toMatchObject({ total: 40, created: 40 - assets, unchanged: assets, failed: 0, deleted: 0 });
  });

  it('fails when connections keep dropping, then resumes cleanly', async () => {
    env = await startImportEnv({ emulator: { sites: 30, devicesPerSite: 0, paging: { pageMax: 5 } } });
    env.emu.faults.slow(100, { path: '/api/v2/account/sites' });

    const failed = await breakMidRun(env, 'sites', 5, () => env!.emu.faults.dropNext(100, { path: '/api/v2/account/sites' }));

    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/Cannot connect to Datto RMM .*connection dropped/);
    const written = await expectConsistentSites(env);

    env.emu.faults.clear();
    const resumed = await env.sync('sites');

    expect(resumed.result).toMatchObject({ created: 30 - written, unchanged: written });
    expect(await expectConsistentSites(env)).toBe(30);
  });

  it('fails at once with a clear reason when the top-level customer is gone', async () => {
    env = await startImportEnv({ emulator: { sites: 2, devicesPerSite: 0 } });
    const c = await env.s.admin.post('/api/customers', { name: 'Internal IT', mainSiteName: 'HQ' });
    await env.configure({ siteImport: { mode: 'topLevelCustomer', topLevelCustomerId: c.body.id } });
    await env.s.ctx.db.deleteFrom('customers').where('id', '=', c.body.id).execute();

    const job = await env.sync('sites');

    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/customer/);
    expect((await env.snapshot()).datto_site_links.rows).toBe(0);
  });
});
