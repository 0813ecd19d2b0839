import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/test-server.ts';
import { apiCalls, startImportEnv, type ImportEnv, type Job } from './import-env.ts';

const path = '/api/integrations/datto-rmm/sync';

let env: ImportEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('Datto sync API', () => {
  it('answers 202 with the job, runs one sync of a kind at a time, and reports progress and the last result', async () => {
    env = await startImportEnv({ emulator: { sites: 20, devicesPerSite: 1, paging: { pageMax: 5 } } });
    env.emu.faults.slow(100, { path: '/api/v2/account/sites' });

    const first = await env.s.admin.post(path, { what: 'sites' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ id: expect.any(Number), kind: 'datto-rmm.sync-sites', state: expect.stringMatching(/queued|running/), progress: { done: 0 } });
    const second = await env.s.admin.post(path, { what: 'sites' });
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);

    const midway = await eventually(async () => {
      const status = (await env!.s.admin.get(path)).body;
      return status.sites.running?.progress.done > 0 ? status : undefined;
    });
    expect(midway.sites.running).toMatchObject({ id: first.body.id, state: 'running', progress: { total: 20 } });
    expect(midway.sites.lastJob).toBeNull();

    const job = await env.waitFor(first.body.id);
    expect(job).toMatchObject({ state: 'done', progress: { done: 20, total: 20 } });
    const status = (await env.s.admin.get(path)).body;
    expect(status.sites).toMatchObject({
      running: null,
      lastJob: { id: first.body.id, state: 'done', error: null },
      lastResult: { total: 20, created: 20, updated: 0, unchanged: 0, failed: 0, skipped: 0, deleted: 0, lastError: null },
      lastSuccessAt: expect.any(String),
    });
    expect(status.devices).toMatchObject({ running: null, lastJob: null, lastResult: null });

    // A failed run shows as the last job with its error; the last result stays the last good one.
    env.emu.faults.clear();
    env.emu.faults.failNext(100, { path: '/api/v2/account/sites' });
    const failed = await env.sync('sites');
    const after = (await env.s.admin.get(path)).body;
    expect(after.sites.lastJob).toMatchObject({ id: failed.id, state: 'failed', error: expect.stringContaining('server error') });
    expect(after.sites.lastResult).toMatchObject({ created: 20 });
  });

  it('refuses what cannot run with 4xx', async () => {
    env = await startImportEnv({ emulator: { sites: 1 } });
    expect((await env.s.admin.post(path, { what: 'everything' })).status).toBe(400);
    expect((await env.s.admin.post(path, {})).status).toBe(400);

    await env.configure({ assetImport: { enabled: false } });
    const devices = await env.s.admin.post(path, { what: 'devices' });
    expect(devices.status).toBe(422);
    expect(devices.body.error.code).toBe('datto_asset_import_off');

    await env.configure({ enabled: false });
    const off = await env.s.admin.post(path, { what: 'sites' });
    expect(off.status).toBe(422);
    expect(off.body.error.code).toBe('datto_disabled');
  });

  it('schedules the import from the settings, and a scheduled run goes on with the devices without listing sites twice', async () => {
    env = await startImportEnv({ emulator: { sites: 3, devicesPerSite: 2 }, settings: { siteImport: { mode: 'customerPerSite', scheduleMinutes: 30 } } });
    const schedule = () => env!.s.ctx.db.selectFrom('job_schedules').selectAll().where('name', '=', 'datto-rmm.sync-sites').executeTakeFirst();
    expect(await schedule()).toMatchObject({ kind: 'datto-rmm.sync-sites', interval_ms: 30 * 60_000, enabled: 1 });
    expect((await env.s.admin.get(path)).body.schedule).toMatchObject({ enabled: true, everyMinutes: 30, includesDevices: true, nextRunAt: expect.any(String) });

    await env.configure({ siteImport: { scheduleMinutes: 0 } });
    expect((await schedule())!.enabled).toBe(0);
    await env.configure({ siteImport: { scheduleMinutes: 30 }, enabled: false });
    expect((await schedule())!.enabled).toBe(0);
    await env.configure({ enabled: true });
    expect((await schedule())!.enabled).toBe(1);

    env.emu.log.clear();
    await env.s.ctx.db.updateTable('job_schedules').set({ next_run_at: new Date(Date.now() - 1000).toISOString() })
      .where('name', '=', 'datto-rmm.sync-sites').execute();
    const devicesJob = await eventually(async () => {
      const status = (await env!.s.admin.get(path)).body;
      return status.devices.lastJob?.state === 'done' ? status : undefined;
    });

    expect(devicesJob.sites.lastResult).toMatchObject({ created: 3 });
    expect(devicesJob.devices.lastResult).toMatchObject({ created: 6, sitesWalked: 0 });
    expect(apiCalls(env.emu, '/api/v2/account/sites')).toHaveLength(1);
    expect(apiCalls(env.emu, '/api/v2/account/devices')).toHaveLength(1);
  });

  it('joins a manual request to the scheduled run of the same kind', async () => {
    env = await startImportEnv({ emulator: { sites: 10, devicesPerSite: 0, paging: { pageMax: 2 } }, settings: { siteImport: { mode: 'customerPerSite', scheduleMinutes: 30 } } });
    env.emu.faults.slow(100, { path: '/api/v2/account/sites' });
    await env.s.ctx.db.updateTable('job_schedules').set({ next_run_at: new Date(Date.now() - 1000).toISOString() })
      .where('name', '=', 'datto-rmm.sync-sites').execute();
    const scheduled = await eventually(async () => (await env!.s.admin.get(path)).body.sites.running as Job | null);

    const manual = await env.s.admin.post(path, { what: 'sites' });

    expect(manual.body.id).toBe(scheduled.id);
  });
});
