import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/test-server.ts';
import { allMappings, startImportEnv, type ImportEnv } from './import-env.ts';

const path = '/api/integrations/datto-rmm/site-mappings';

describe('Datto site mappings', () => {
  let env: ImportEnv;
  beforeAll(async () => {
    env = await startImportEnv({ emulator: { sites: 9, devicesPerSite: 0 } });
    expect((await env.sync('sites')).state).toBe('done');
  });
  afterAll(async () => {
    await env?.stop();
  });

  const uid = (i: number) => env.emu.state.sites[i]!.uid;
  const mapping = async (u: string) => (await env.s.admin.get(`${path}/${u}`)).body;

  it('lists every Datto site by name, keyset paged, searchable on Datto and Relaydesk names', async () => {
    const pages: any[][] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await env.s.admin.get(`${path}?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([4, 4, 1]);
    const names = pages.flat().map((m) => m.dattoSiteName);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(pages.flat().map((m) => m.dattoSiteUid)).size).toBe(9);

    const target = env.emu.state.sites[3]!;
    const byDatto = await env.s.admin.get(`${path}?q=${encodeURIComponent(target.name.slice(0, 6).toLowerCase())}`);
    expect(byDatto.body.items.map((m: any) => m.dattoSiteUid)).toContain(target.uid);

    const m = await mapping(target.uid);
    await env.s.admin.patch(`/api/customers/${m.customerId}`, { name: 'Zebra Holdings' });
    const byCustomer = await env.s.admin.get(`${path}?q=zebra`);
    expect(byCustomer.body.items.map((x: any) => x.dattoSiteUid)).toEqual([target.uid]);

    expect((await env.s.admin.get(`${path}?cursor=nonsense`)).status).toBe(400);
  });

  it('points several Datto sites at one customer; those links survive every later import', async () => {
    const home = await mapping(uid(0));
    const moved = [uid(1), uid(2)];
    for (const u of moved) {
      const res = await env.s.admin.put(`${path}/${u}`, { siteId: home.siteId });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ siteId: home.siteId, customerId: home.customerId, linkSource: 'manual', customerHasMainSite: true });
    }

    env.emu.state.renameSite(uid(1), 'Renamed after linking');
    const job = await env.sync('sites');

    expect(job.result).toMatchObject({ created: 0, updated: 1 });
    for (const u of moved) expect(await mapping(u)).toMatchObject({ siteId: home.siteId, customerId: home.customerId, linkSource: 'manual' });
    // The import never renames a site it was pointed at by hand.
    expect((await mapping(uid(1))).siteName).toBe(home.siteName);
    const byCustomer = (await allMappings(env.s)).filter((m) => m.customerId === home.customerId);
    expect(byCustomer.map((m) => m.dattoSiteUid).sort()).toEqual([uid(0), ...moved].sort());

    const audit = await env.s.admin.get(`/api/audit-log?entity=datto_site_link&entityId=${uid(1)}`);
    expect(audit.body.items[0]).toMatchObject({ action: 'datto_site_link.link', agentName: expect.any(String) });
    expect(audit.body.items[0].changes).toMatchObject({ to: { siteId: home.siteId } });
  });

  it('unlinks with null; the import does not link that Datto site again', async () => {
    const res = await env.s.admin.put(`${path}/${uid(4)}`, { siteId: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ siteId: null, customerId: null, customerHasMainSite: null, linkSource: 'manual' });
    const customersBefore = (await env.snapshot()).customers.rows;

    await env.sync('sites');

    expect(await mapping(uid(4))).toMatchObject({ siteId: null, linkSource: 'manual' });
    expect((await env.snapshot()).customers.rows).toBe(customersBefore);
    const unmapped = await allMappings(env.s, 'unmapped=true');
    expect(unmapped.map((m) => m.dattoSiteUid)).toEqual([uid(4)]);
    const audit = await env.s.admin.get(`/api/audit-log?entity=datto_site_link&entityId=${uid(4)}`);
    expect(audit.body.items[0]).toMatchObject({ action: 'datto_site_link.unlink' });
  });

  it('refuses a link to a customer without a main site, naming the customer, and marks such customers in the list', async () => {
    const m = await mapping(uid(5));
    await env.s.admin.patch(`/api/customers/${m.customerId}`, { name: 'No Main Site Ltd', mainSiteId: null });
    expect(await mapping(uid(5))).toMatchObject({ customerHasMainSite: false });

    const res = await env.s.admin.put(`${path}/${uid(6)}`, { siteId: m.siteId });

    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('customer_without_main_site');
    expect(res.body.error.message).toContain('No Main Site Ltd');
    expect(res.body.error.message).toMatch(/main site/i);
    expect((await mapping(uid(6))).linkSource).toBe('import');
  });

  it('answers bad input with 4xx, never 500, and lets only administrators change links', async () => {
    expect((await env.s.admin.get(`${path}/no-such-site`)).status).toBe(404);
    expect((await env.s.admin.put(`${path}/no-such-site`, { siteId: 1 })).status).toBe(404);
    expect((await env.s.admin.put(`${path}/${uid(7)}`, { siteId: 999_999 })).status).toBe(422);
    expect((await env.s.admin.put(`${path}/${uid(7)}`, { siteId: 'twelve' })).status).toBe(400);
    expect((await env.s.admin.put(`${path}/${uid(7)}`, {})).status).toBe(400);
    expect((await env.s.admin.get(`${path}?limit=0`)).status).toBe(400);
    expect((await env.s.anonymous.get(path)).status).toBe(401);

    await env.s.admin.post('/api/agents', { email: 'tech@example.test', name: 'Tech', role: 'agent', password: 'tech-password-1' });
    const agent = await login(env.s.url, 'tech@example.test', 'tech-password-1');
    expect((await agent.get(path)).status).toBe(200);
    const home = await mapping(uid(0));
    expect((await agent.put(`${path}/${uid(7)}`, { siteId: home.siteId })).status).toBe(403);
  });
});
