import { afterEach, describe, expect, it } from 'vitest';
import { apiCalls, startImportEnv, type ImportEnv } from './import-env.ts';

let env: ImportEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const mappingOf = async (e: ImportEnv, uid: string) => (await e.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${uid}`)).body;

/** Assets keyed by hostname (unique in the emulator's data), retired ones included. */
async function assetsByHost(e: ImportEnv): Promise<Map<string, any>> {
  const out = new Map<string, any>();
  let cursor: string | null = null;
  do {
    const res: { body: any } = await e.s.admin.get(`/api/assets?includeRetired=true&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    for (const a of res.body.items) out.set(a.hostname, a);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

describe('Datto devices import', () => {
  it('makes each device of a linked site an asset of that site and customer, with the device details', async () => {
    env = await startImportEnv({ emulator: { sites: 4, devicesPerSite: 6, paging: { pageMax: 10 } } });
    await env.sync('sites');
    env.emu.log.clear();

    const job = await env.sync('devices');

    expect(job.state).toBe('done');
    expect(job.result).toMatchObject({ total: 24, created: 24, updated: 0, unchanged: 0, failed: 0, skipped: 0, deleted: 0, sitesWalked: 0 });
    expect(job.progress).toEqual({ done: 24, total: 24 });
    const assets = await assetsByHost(env);
    expect(assets.size).toBe(24);
    for (const d of env.emu.state.devices) {
      const json = env.emu.state.deviceJson(d) as any;
      const m = await mappingOf(env, d.siteUid);
      expect(assets.get(d.hostname)).toMatchObject({
        siteId: m.siteId, customerId: m.customerId, type: d.category, os: d.operatingSystem, intIp: d.intIpAddress, extIp: d.extIpAddress,
        lastSeenAt: new Date(d.lastSeen).toISOString(), online: d.online, lastUser: d.lastLoggedInUser, description: d.description,
        portalUrl: json.portalUrl, webRemoteUrl: json.webRemoteUrl, retiredAt: null,
      });
    }
    // The sites listing (4 sites: 1 page) and the account listing (24 devices: 3 pages); no site read on its own.
    expect(apiCalls(env.emu, '/api/v2/account/sites')).toHaveLength(1);
    expect(apiCalls(env.emu, '/api/v2/account/devices')).toHaveLength(3);
    expect(apiCalls(env.emu, '/api/v2/site/')).toHaveLength(0);
  });

  it('writes nothing when run again with nothing changed in Datto', async () => {
    env = await startImportEnv({ emulator: { sites: 3, devicesPerSite: 5 } });
    await env.sync('sites');
    await env.sync('devices');
    const before = await env.snapshot();

    const again = await env.sync('devices');

    expect(again.result).toMatchObject({ total: 15, created: 0, updated: 0, unchanged: 15, deleted: 0 });
    const after = await env.snapshot();
    expect({ ...after, audit: undefined }).toEqual({ ...before, audit: undefined });
  });

  it('follows renamed, moved and deleted devices: updates, moves and retires their assets', async () => {
    env = await startImportEnv({ emulator: { sites: 3, devicesPerSite: 3 } });
    await env.sync('sites');
    await env.sync('devices');
    const [renamed, moved, deleted] = [env.emu.state.devices[0]!, env.emu.state.devices[1]!, env.emu.state.devices[2]!];
    const oldHost = renamed.hostname;
    const movedTo = env.emu.state.sites[2]!.uid;
    const deletedHost = deleted.hostname;
    const ticket = await env.s.admin.post('/api/tickets', { summary: 'Disk full', assetId: (await assetsByHost(env)).get(deletedHost).id });

    env.emu.state.renameDevice(renamed.uid, 'RENAMED-PC');
    env.emu.state.moveDevice(moved.uid, movedTo);
    env.emu.state.deleteDevice(deleted.uid);
    const job = await env.sync('devices');

    expect(job.result).toMatchObject({ total: 8, created: 0, updated: 2, unchanged: 6, deleted: 1 });
    const assets = await assetsByHost(env);
    expect(assets.has(oldHost)).toBe(false);
    expect(assets.get('RENAMED-PC')).toMatchObject({ retiredAt: null });
    const target = await mappingOf(env, movedTo);
    expect(assets.get(moved.hostname)).toMatchObject({ siteId: target.siteId, customerId: target.customerId });
    expect(assets.get(deletedHost).retiredAt).toEqual(expect.any(String));
    expect(assets.size).toBe(9);
    const active = (await env.s.admin.get('/api/assets?limit=200')).body.items;
    expect(active.map((a: any) => a.hostname)).not.toContain(deletedHost);
    expect(ticket.status).toBe(201);
    expect((await env.s.admin.get(`/api/tickets/${ticket.body.id}`)).body.assetId).toBe(assets.get(deletedHost).id);

    // Retired once; the next run writes nothing more.
    const before = await env.snapshot();
    expect((await env.sync('devices')).result).toMatchObject({ deleted: 0, unchanged: 8 });
    expect((await env.snapshot()).assets).toEqual(before.assets);
  });

  it('skips (and counts) devices of unlinked sites', async () => {
    env = await startImportEnv({ emulator: { sites: 3, devicesPerSite: 4 } });
    await env.sync('sites');
    const unlinked = env.emu.state.sites[1]!.uid;
    expect((await env.s.admin.put(`/api/integrations/datto-rmm/site-mappings/${unlinked}`, { siteId: null })).status).toBe(200);

    const job = await env.sync('devices');

    expect(job.result).toMatchObject({ total: 12, created: 8, skipped: 4 });
    const assets = [...(await assetsByHost(env)).values()];
    expect(assets).toHaveLength(8);
    expect(env.emu.state.devicesOfSite(unlinked).every((d) => !assets.some((a) => a.hostname === d.hostname))).toBe(true);
  });

  it('finds devices the account listing misses by reading only the sites whose count disagrees', async () => {
    env = await startImportEnv({ emulator: { sites: 6, devicesPerSite: 4, paging: { pageMax: 5 } } });
    await env.sync('sites');
    const sites = env.emu.state.sites;
    const unlinked = sites[5]!.uid;
    await env.s.admin.put(`/api/integrations/datto-rmm/site-mappings/${unlinked}`, { siteId: null });
    const hidden = [
      env.emu.state.devicesOfSite(sites[1]!.uid)[0]!, env.emu.state.devicesOfSite(sites[1]!.uid)[3]!,
      env.emu.state.devicesOfSite(sites[3]!.uid)[2]!, env.emu.state.devicesOfSite(unlinked)[0]!,
    ];
    env.emu.faults.hideFromAccountDevices(hidden.map((d) => d.uid));
    env.emu.log.clear();

    const job = await env.sync('devices');

    expect(job.result).toMatchObject({ created: 20, skipped: 3, failed: 0, sitesWalked: 2 });
    const assets = await assetsByHost(env);
    for (const d of hidden.slice(0, 3)) expect(assets.get(d.hostname)).toMatchObject({ retiredAt: null });
    // Walked: exactly the two linked sites whose count disagreed (4 devices each: one page each).
    const walked = new Set(apiCalls(env.emu, '/api/v2/site/').map((e) => e.path));
    expect([...walked].sort()).toEqual([`/api/v2/site/${sites[1]!.uid}/devices`, `/api/v2/site/${sites[3]!.uid}/devices`].sort());
    expect(apiCalls(env.emu, '/api/v2/site/')).toHaveLength(2);
    // 24 devices, 4 hidden: 20 in the account listing at 5 a page.
    expect(apiCalls(env.emu, '/api/v2/account/devices')).toHaveLength(4);

    // Still hidden next time: found again by the walk, never retired; a device deleted where the count agrees is retired.
    const gone = env.emu.state.devicesOfSite(sites[0]!.uid)[1]!;
    env.emu.state.deleteDevice(gone.uid);
    const again = await env.sync('devices');
    expect(again.result).toMatchObject({ created: 0, updated: 0, deleted: 1, sitesWalked: 2 });
    const after = await assetsByHost(env);
    for (const d of hidden.slice(0, 3)) expect(after.get(d.hostname).retiredAt).toBeNull();
    expect(after.get(gone.hostname).retiredAt).toEqual(expect.any(String));
  });

  it('does not retire devices of a site it could not read completely', async () => {
    env = await startImportEnv({ emulator: { sites: 2, devicesPerSite: 3 } });
    await env.sync('sites');
    await env.sync('devices');
    const site = env.emu.state.sites[0]!.uid;
    // The site is unlinked (so not walked) and the account listing misses one of its devices.
    await env.s.admin.put(`/api/integrations/datto-rmm/site-mappings/${site}`, { siteId: null });
    env.emu.faults.hideFromAccountDevices([env.emu.state.devicesOfSite(site)[0]!.uid]);

    const job = await env.sync('devices');

    expect(job.result).toMatchObject({ deleted: 0, skipped: 2, unchanged: 3 });
    const assets = [...(await assetsByHost(env)).values()];
    expect(assets.filter((a) => a.retiredAt !== null)).toHaveLength(0);
  });

  it('moves the assets of a Datto site when it is pointed at another site', async () => {
    env = await startImportEnv({ emulator: { sites: 2, devicesPerSite: 2 } });
    await env.sync('sites');
    await env.sync('devices');
    const [a, b] = env.emu.state.sites;
    const target = await mappingOf(env, b!.uid);

    const res = await env.s.admin.put(`/api/integrations/datto-rmm/site-mappings/${a!.uid}`, { siteId: target.siteId });

    expect(res.status).toBe(200);
    const assets = [...(await assetsByHost(env)).values()];
    expect(assets.every((x) => x.siteId === target.siteId && x.customerId === target.customerId)).toBe(true);
    // Already where the link says: the next device import has nothing to do.
    const before = await env.snapshot();
    expect((await env.sync('devices')).result).toMatchObject({ unchanged: 4, updated: 0 });
    expect((await env.snapshot()).assets).toEqual(before.assets);
  });
});
