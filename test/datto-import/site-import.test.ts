import { afterEach, describe, expect, it } from 'vitest';
import { allMappings, startImportEnv, type ImportEnv } from './import-env.ts';

let env: ImportEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('Datto sites import: customer per site', () => {
  it('makes each Datto site a customer with that site as its main site, and links them', async () => {
    env = await startImportEnv({ emulator: { sites: 7 } });
    const job = await env.sync('sites');

    expect(job.state).toBe('done');
    expect(job.result).toMatchObject({ total: 7, created: 7, updated: 0, unchanged: 0, failed: 0, deleted: 0, mode: 'customerPerSite' });
    expect(job.progress).toEqual({ done: 7, total: 7 });
    const customers = (await env.s.admin.get('/api/customers?limit=200')).body.items;
    expect(customers.map((c: any) => c.name).sort()).toEqual(env.emu.state.sites.map((s) => s.name).sort());
    expect(customers.every((c: any) => c.hasMainSite)).toBe(true);

    const mappings = await allMappings(env.s);
    expect(mappings).toHaveLength(7);
    for (const site of env.emu.state.sites) {
      const m = mappings.find((x) => x.dattoSiteUid === site.uid);
      expect(m).toMatchObject({ dattoSiteName: site.name, siteName: site.name, customerName: site.name, linkSource: 'import', customerHasMainSite: true, deletedInDatto: false, deviceCount: 3 });
      const customer = customers.find((c: any) => c.id === m.customerId);
      expect(customer.mainSiteId).toBe(m.siteId);
    }
  });

  it('writes nothing when run again with nothing changed in Datto', async () => {
    env = await startImportEnv({ emulator: { sites: 12 } });
    await env.sync('sites');
    const before = await env.snapshot();

    const again = await env.sync('sites');

    expect(again.result).toMatchObject({ total: 12, created: 0, updated: 0, unchanged: 12, deleted: 0 });
    const after = await env.snapshot();
    // The sync itself is audited once; no import row moved.
    expect({ ...after, audit: undefined }).toEqual({ ...before, audit: undefined });
    expect(after.audit.rows).toBe(before.audit.rows + 1);
  });

  it('follows a rename in Datto on the customer and site it made, but not on names a user changed', async () => {
    env = await startImportEnv({ emulator: { sites: 3 } });
    await env.sync('sites');
    const [a, b, c] = env.emu.state.sites;
    const mb = await env.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${b!.uid}`);
    const mc = await env.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${c!.uid}`);
    // A user renames the customer made for site b (but not its site), and the site made for c (but not its customer).
    expect((await env.s.admin.patch(`/api/customers/${mb.body.customerId}`, { name: 'Hand-picked name' })).status).toBe(200);
    expect((await env.s.admin.patch(`/api/sites/${mc.body.siteId}`, { name: 'Front office' })).status).toBe(200);

    env.emu.state.renameSite(a!.uid, 'Renamed A');
    env.emu.state.renameSite(b!.uid, 'Renamed B');
    env.emu.state.renameSite(c!.uid, 'Renamed C');
    const job = await env.sync('sites');

    expect(job.result).toMatchObject({ updated: 3, unchanged: 0 });
    const mc2 = (await env.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${c!.uid}`)).body;
    expect(mc2).toMatchObject({ dattoSiteName: 'Renamed C', siteName: 'Front office', customerName: 'Renamed C' });
    const ma = (await env.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${a!.uid}`)).body;
    expect(ma).toMatchObject({ dattoSiteName: 'Renamed A', siteName: 'Renamed A', customerName: 'Renamed A' });
    const mb2 = (await env.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${b!.uid}`)).body;
    expect(mb2).toMatchObject({ dattoSiteName: 'Renamed B', siteName: 'Renamed B', customerName: 'Hand-picked name' });

    // Renamed again in Datto: the user's customer name still stands.
    env.emu.state.renameSite(b!.uid, 'Renamed B twice');
    await env.sync('sites');
    const mb3 = (await env.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${b!.uid}`)).body;
    expect(mb3).toMatchObject({ siteName: 'Renamed B twice', customerName: 'Hand-picked name' });
  });

  it('marks a site deleted in Datto without deleting anything, keeps its tickets, and clears the mark when it returns', async () => {
    env = await startImportEnv({ emulator: { sites: 4 } });
    await env.sync('sites');
    const gone = env.emu.state.sites[2]!;
    const m = (await env.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${gone.uid}`)).body;
    const ticket = await env.s.admin.post('/api/tickets', { summary: 'Printer jam', customerId: m.customerId, siteId: m.siteId });
    expect(ticket.status).toBe(201);
    const saved = { ...gone };
    const before = await env.snapshot();

    env.emu.state.deleteSite(gone.uid);
    const job = await env.sync('sites');

    expect(job.result).toMatchObject({ total: 3, deleted: 1, unchanged: 3 });
    const after = await env.snapshot();
    expect(after.customers.rows).toBe(before.customers.rows);
    expect(after.sites.rows).toBe(before.sites.rows);
    const marked = (await env.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${gone.uid}`)).body;
    expect(marked).toMatchObject({ deletedInDatto: true, siteId: m.siteId, customerId: m.customerId });
    expect(marked.deletedInDattoAt).toEqual(expect.any(String));
    const t = (await env.s.admin.get(`/api/tickets/${ticket.body.id}`)).body;
    expect(t).toMatchObject({ customerId: m.customerId, siteId: m.siteId });

    // Marked once: the next run leaves the mark alone.
    const marks = await env.snapshot();
    expect((await env.sync('sites')).result).toMatchObject({ deleted: 0, unchanged: 3 });
    expect((await env.snapshot()).datto_site_links).toEqual(marks.datto_site_links);

    // The site comes back under its uid (restored in Datto): the mark goes, no second customer is made.
    env.emu.state.addSite(saved as Parameters<typeof env.emu.state.addSite>[0]);
    const back = await env.sync('sites');
    expect(back.result).toMatchObject({ created: 0, updated: 1, unchanged: 3 });
    expect((await env.s.admin.get(`/api/integrations/datto-rmm/site-mappings/${gone.uid}`)).body).toMatchObject({ deletedInDatto: false, deletedInDattoAt: null, siteId: m.siteId });
    expect((await env.snapshot()).customers.rows).toBe(before.customers.rows);
  });
});

describe('Datto sites import: top-level customer', () => {
  it('makes each Datto site a site of the one customer, the first one its main site', async () => {
    env = await startImportEnv({ emulator: { sites: 4 }, settings: { siteImport: { mode: 'customerPerSite', scheduleMinutes: 0 } } });
    const it = await env.s.admin.post('/api/customers', { name: 'Internal IT' });
    expect(it.status).toBe(201);
    await env.configure({ siteImport: { mode: 'topLevelCustomer', topLevelCustomerId: it.body.id } });

    const job = await env.sync('sites');

    expect(job.result).toMatchObject({ created: 4, mode: 'topLevelCustomer' });
    const customers = (await env.s.admin.get('/api/customers?limit=200')).body.items;
    expect(customers).toHaveLength(1);
    const sites = (await env.s.admin.get(`/api/customers/${it.body.id}/sites?limit=200`)).body.items;
    expect(sites.map((s: any) => s.name).sort()).toEqual(env.emu.state.sites.map((s) => s.name).sort());
    expect(sites.filter((s: any) => s.isMainSite)).toHaveLength(1);
    const mappings = await allMappings(env.s);
    expect(mappings.every((m) => m.customerId === it.body.id && m.customerHasMainSite && m.linkSource === 'import')).toBe(true);

    // A rename follows on the site but never on the shared customer.
    env.emu.state.renameSite(env.emu.state.sites[0]!.uid, 'HQ');
    await env.sync('sites');
    expect((await env.s.admin.get(`/api/customers/${it.body.id}`)).body.name).toBe('Internal IT');
    expect((await allMappings(env.s)).find((m) => m.dattoSiteUid === env!.emu.state.sites[0]!.uid)).toMatchObject({ siteName: 'HQ' });
  });

  it('keeps the main site a user already chose for the top-level customer', async () => {
    env = await startImportEnv({ emulator: { sites: 2 } });
    const it = await env.s.admin.post('/api/customers', { name: 'Group IT', mainSiteName: 'Head office' });
    await env.configure({ siteImport: { mode: 'topLevelCustomer', topLevelCustomerId: it.body.id } });

    await env.sync('sites');

    const customer = (await env.s.admin.get(`/api/customers/${it.body.id}`)).body;
    expect(customer.mainSiteId).toBe(it.body.mainSiteId);
    const sites = (await env.s.admin.get(`/api/customers/${it.body.id}/sites`)).body.items;
    expect(sites).toHaveLength(3);
  });
});
