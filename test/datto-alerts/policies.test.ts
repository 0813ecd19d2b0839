import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/test-server.ts';
import { alertMail, emulatorAlert, raiseBody, startAlertsEnv, type AlertsEnv } from './alerts-env.ts';

describe('alert lifecycle policies', () => {
  let env: AlertsEnv;
  const device = (i: number) => env.emu.state.devices[i]!;

  beforeAll(async () => {
    env = await startAlertsEnv({ emulator: { sites: 4, devicesPerSite: 3, alerts: 0, resolvedAlerts: 0 } });
    // Sites and devices imported: Datto sites become customers and sites, devices become assets.
    for (const what of ['sites', 'devices'] as const) {
      const res = await env.api.post('/api/integrations/datto-rmm/sync', { what });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await eventually(async () => (await env.api.get(`/api/jobs/${res.body.id}`)).body.state === 'done', 20_000);
    }
  });
  afterAll(async () => {
    await env?.stop();
  });

  const enriched = (uid: string) =>
    eventually(async () => {
      const a = await env.alert(uid);
      return a.enrichedAt || a.enrichError ? a : undefined;
    });
  const raise = async (deviceIndex: number, o: Parameters<typeof emulatorAlert>[1] = {}) => {
    const d = device(deviceIndex);
    const alert = emulatorAlert(env.emu, { deviceUid: d.uid, ...o });
    const delivery = await env.webhook(raiseBody(alert.alertUid, { deviceUid: d.uid, deviceHostname: d.hostname, siteUid: d.siteUid }));
    expect(delivery.state, delivery.reason ?? '').toBe('processed');
    return { alert, delivery };
  };
  const siteOf = async (deviceIndex: number) => {
    const mapping = (await env.api.get(`/api/integrations/datto-rmm/site-mappings/${device(deviceIndex).siteUid}`)).body;
    expect(mapping.siteId).not.toBeNull();
    return mapping as { siteId: number; customerId: number };
  };

  it('enrichment fills customer, site, asset and priority through the site mapping and device links; device links on the ticket', async () => {
    const { alert, delivery } = await raise(0, { priority: 'Moderate' });
    await enriched(alert.alertUid);
    const mapping = await siteOf(0);
    const ticket = await env.ticket(delivery.ticketId!);
    expect(ticket).toMatchObject({ customerId: mapping.customerId, siteId: mapping.siteId, priority: 3 });
    expect(ticket.assetId).not.toBeNull();
    const [link] = await env.alertsOfTicket(ticket.id);
    expect(link.device).toMatchObject({ uid: device(0).uid, name: device(0).hostname, assetId: ticket.assetId });
    // A monitor kind Relaydesk has no name for is shown as Datto calls it.
    expect(link.monitorName).toBe(link.monitorKind);
    expect(link.device.portalUrl).toMatch(/^https:\/\//);
    expect(link.device.webRemoteUrl).toMatch(/^https:\/\//);
    // An unknown monitor kind is shown field by field.
    const details = (await env.actions(ticket.id)).find((a) => a.kind === 'alert_details');
    expect(details.body).toContain('Reading: ');
    expect(details.body).toContain('Threshold: 90%');
  });

  it('a Datto site unmapped by hand stays unmapped: no customer, site or asset from the device, and a note says so', async () => {
    const d = device(11);
    const mapped = await siteOf(11);
    const unlink = await env.api.put(`/api/integrations/datto-rmm/site-mappings/${d.siteUid}`, { siteId: null });
    expect(unlink.status, JSON.stringify(unlink.body)).toBe(200);
    const { alert, delivery } = await raise(11);
    expect((await enriched(alert.alertUid)).enrichError).toBeNull();
    const ticket = await env.ticket(delivery.ticketId!);
    expect(ticket).toMatchObject({ customerId: null, siteId: null, assetId: null });
    const notes = (await env.actions(ticket.id)).filter((a) => a.data?.unmapped === true);
    expect(notes).toHaveLength(1);
    expect(notes[0].body).toContain(d.siteUid);
    expect(notes[0].body).toMatch(/Map it under Datto RMM > Site mappings/);
    // The alerts list finds alerts from unmapped sites, and counts them.
    const unmappedAlerts = async (value: boolean) => (await env.api.get(`/api/integrations/datto-rmm/alerts?unmappedSite=${value}&limit=200`)).body;
    const fromUnmapped = await unmappedAlerts(true);
    expect(fromUnmapped.items.map((a: { alertUid: string }) => a.alertUid)).toEqual([alert.alertUid]);
    expect(fromUnmapped.counters.fromUnmappedSites).toBe(1);
    const others = (await unmappedAlerts(false)).items.map((a: { alertUid: string }) => a.alertUid);
    expect(others.length).toBeGreaterThan(0);
    expect(others).not.toContain(alert.alertUid);

    // Mapping the site again places the open ticket: customer, site and asset, with a note.
    const relink = await env.api.put(`/api/integrations/datto-rmm/site-mappings/${d.siteUid}`, { siteId: mapped.siteId });
    expect(relink.status, JSON.stringify(relink.body)).toBe(200);
    const placed = await env.ticket(ticket.id);
    expect(placed).toMatchObject({ customerId: mapped.customerId, siteId: mapped.siteId });
    expect(placed.assetId).not.toBeNull();
    expect((await env.actions(ticket.id)).some((a) => a.data?.mapped === true && a.body.includes('is now mapped'))).toBe(true);
    expect((await unmappedAlerts(true)).items).toEqual([]);
    // A ticket closed meanwhile, or one that has a customer, is left alone: only open tickets without one are placed.
    expect((await env.api.put(`/api/integrations/datto-rmm/site-mappings/${d.siteUid}`, { siteId: null })).status).toBe(200);
    expect((await env.ticket(ticket.id)).customerId).toBe(mapped.customerId);
  });

  it('priority mapping is editable', async () => {
    await env.configure({ policies: { priorityMap: { Low: 2 } } });
    const { alert, delivery } = await raise(1, { priority: 'Low' });
    await enriched(alert.alertUid);
    expect((await env.ticket(delivery.ticketId!)).priority).toBe(2);
    await env.configure({ policies: { priorityMap: { Low: 4 } } });
  });

  it('storm control: above the threshold per device, further alerts roll up into one "Alert storm on …" ticket', async () => {
    await env.configure({ policies: { storm: { enabled: true, scope: 'device', threshold: 3, windowMinutes: 10 } } });
    const own = [];
    for (let i = 0; i < 3; i++) own.push(await raise(2));
    const rolled = [];
    for (let i = 0; i < 3; i++) rolled.push(await raise(2));
    const ownTickets = own.map((r) => r.delivery.ticketId);
    expect(new Set(ownTickets).size).toBe(3);
    const stormTicketId = rolled[0]!.delivery.ticketId!;
    expect(ownTickets).not.toContain(stormTicketId);
    expect(rolled.map((r) => r.delivery.ticketId)).toEqual([stormTicketId, stormTicketId, stormTicketId]);
    const storm = await env.ticket(stormTicketId);
    expect(storm.summary).toBe(`Alert storm on ${device(2).hostname}`);
    const history = await env.actions(stormTicketId);
    const line = history.find((a) => a.kind === 'alert_storm');
    expect(line.body).toMatch(/4 alerts from device/);
    for (const id of ownTickets) expect(line.body).toContain(`#${id}`);
    expect((await env.actions(ownTickets[0]!)).some((a) => a.kind === 'alert_storm' && a.body.includes(`#${stormTicketId}`))).toBe(true);
    for (const r of rolled) expect(await env.alert(r.alert.alertUid)).toMatchObject({ heldReason: 'storm', ticketId: stormTicketId });
    const list = (await env.api.get('/api/integrations/datto-rmm/alerts?heldReason=storm')).body;
    expect(list.items).toHaveLength(3);
    expect(list.counters).toMatchObject({ rolledUpInStorms: 3, storms: 1 });

    // An e-mail alert from the same device carries no device: it opens a ticket, which enrichment folds into the storm.
    const late = emulatorAlert(env.emu, { deviceUid: device(2).uid });
    const m = await env.mail(alertMail({ uid: late.alertUid }));
    expect(m.state).toBe('processed');
    await eventually(async () => (await env.alert(late.alertUid)).heldReason === 'storm');
    expect((await env.alert(late.alertUid)).ticketId).toBe(stormTicketId);
    expect((await env.ticket(m.ticketId!)).status).toBe('closed');
    expect((await env.actions(m.ticketId!)).some((a) => /rolled up into ticket #/.test(a.body))).toBe(true);

    // Closing the storm ticket resolves every rolled-up alert, once each.
    expect((await env.api.post(`/api/tickets/${stormTicketId}/close`, {})).status).toBe(200);
    for (const uid of [...rolled.map((r) => r.alert.alertUid), late.alertUid]) {
      await eventually(async () => (await env.alert(uid)).resolveState === 'done');
      expect(env.resolveCalls(uid).filter((c) => c.status === 200)).toHaveLength(1);
    }
    await env.configure({ policies: { storm: { threshold: 10 } } });
  });

  it('storm control with e-mail alerts read out of order: the one read last joins the storm a later one started', async () => {
    await env.configure({ policies: { storm: { enabled: true, scope: 'device', threshold: 2, windowMinutes: 10 } } });
    const alerts = [0, 1, 2, 3].map(() => emulatorAlert(env.emu, { deviceUid: device(8).uid }));
    const [a1, a2, a3, a4] = alerts.map((a) => a.alertUid) as [string, string, string, string];
    for (const uid of [a1, a2]) {
      expect((await env.mail(alertMail({ uid }))).state).toBe('processed');
      await enriched(uid);
    }
    // The third alert's read is slow, so the fourth, which arrived after it, is read first and starts the storm.
    env.emu.faults.slow(2_000, { path: `/api/v2/alert/${a3}`, count: 1 });
    for (const uid of [a3, a4]) expect((await env.mail(alertMail({ uid }))).state).toBe('processed');
    await enriched(a4);
    const started = await env.alert(a4);
    expect(started.heldReason).toBe('storm');
    expect((await enriched(a3)).enrichedAt).toBeTruthy();
    await eventually(async () => (await env.alert(a3)).heldReason === 'storm');
    expect((await env.alert(a3)).ticketId).toBe(started.ticketId);
    const own = [(await env.alert(a1)).ticketId, (await env.alert(a2)).ticketId];
    expect(own).not.toContain(started.ticketId);
    const storms = (await env.api.get('/api/tickets?limit=200')).body.items
      .filter((t: { summary: string }) => t.summary === `Alert storm on ${device(8).hostname}`);
    expect(storms.map((t: { id: number }) => t.id)).toEqual([started.ticketId]);
    await env.configure({ policies: { storm: { threshold: 10 } } });
  });

  it('maintenance window: alerts are stored and listed but open no ticket; those still open at the end are ticketed then', async () => {
    const mapping = await siteOf(3);
    const created = await env.api.post('/api/integrations/datto-rmm/maintenance-windows', {
      name: 'Server patching', siteId: mapping.siteId, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 1_500).toISOString(),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.active).toBe(true);

    const { alert: stillOpen, delivery } = await raise(3);
    const { alert: resolvedMeanwhile } = await raise(4);
    expect(delivery.ticketId).toBeNull();
    expect(delivery.reason).toMatch(/maintenance window "Server patching"/);
    expect(await env.alert(stillOpen.alertUid)).toMatchObject({ heldReason: 'maintenance', ticketId: null, maintenanceWindowId: created.body.id });
    const list = (await env.api.get('/api/integrations/datto-rmm/alerts?heldReason=maintenance')).body;
    expect(list.items.map((a: any) => a.alertUid)).toEqual(expect.arrayContaining([stillOpen.alertUid, resolvedMeanwhile.alertUid]));
    expect(list.counters.heldForMaintenance).toBeGreaterThanOrEqual(2);

    env.emu.state.resolveAlert(resolvedMeanwhile.alertUid);
    const released = await eventually(async () => {
      const a = await env.alert(stillOpen.alertUid);
      return a.ticketId ? a : undefined;
    }, 15_000);
    expect(released.heldReason).toBeNull();
    const ticket = await env.ticket(released.ticketId);
    expect(ticket).toMatchObject({ customerId: mapping.customerId, siteId: mapping.siteId });
    expect((await env.actions(ticket.id)).some((a) => /arrived during maintenance window "Server patching"/.test(a.body))).toBe(true);
    const other = await eventually(async () => {
      const a = await env.alert(resolvedMeanwhile.alertUid);
      return a.heldReason === 'resolved' ? a : undefined;
    });
    expect(other).toMatchObject({ ticketId: null, dattoState: 'resolved' });
  });

  it('maintenance windows are checked: one target, end after start, known customer or site', async () => {
    const mapping = await siteOf(0);
    const base = { name: 'x', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 60_000).toISOString() };
    const both = await env.api.post('/api/integrations/datto-rmm/maintenance-windows', { ...base, siteId: mapping.siteId, customerId: mapping.customerId });
    expect(both.status).toBe(422);
    const backwards = await env.api.post('/api/integrations/datto-rmm/maintenance-windows', { ...base, siteId: mapping.siteId, endsAt: base.startsAt, startsAt: base.endsAt });
    expect(backwards.status).toBe(422);
    expect(backwards.body.error).toEqual({
      code: 'window_times', message: 'endsAt: must be after the start', details: [{ field: 'endsAt', message: 'must be after the start' }],
    });
    const tooLong = await env.api.post('/api/integrations/datto-rmm/maintenance-windows', {
      ...base, siteId: mapping.siteId, endsAt: new Date(Date.now() + 400 * 86_400_000).toISOString(),
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.details).toEqual([{ field: 'endsAt', message: expect.stringMatching(/^a maintenance window lasts at most \d+ days$/) }]);
    const unknown = await env.api.post('/api/integrations/datto-rmm/maintenance-windows', { ...base, customerId: 999_999 });
    expect(unknown.status).toBe(422);
    const bad = await env.api.post('/api/integrations/datto-rmm/maintenance-windows', { ...base, siteId: mapping.siteId, startsAt: 'tomorrow' });
    expect(bad.status).toBe(400);
    const ok = await env.api.post('/api/integrations/datto-rmm/maintenance-windows', { ...base, customerId: mapping.customerId });
    expect(ok.status).toBe(201);
    expect((await env.api.get('/api/integrations/datto-rmm/maintenance-windows?active=true')).body.items.map((w: any) => w.id)).toContain(ok.body.id);
    expect((await env.api.delete(`/api/integrations/datto-rmm/maintenance-windows/${ok.body.id}`)).status).toBe(204);
    expect((await env.api.get(`/api/integrations/datto-rmm/maintenance-windows/${ok.body.id}`)).status).toBe(404);
  });

  it('reopen window: the same monitor on the same device raised again within N hours reopens the ticket; later it opens a linked one', async () => {
    await env.configure({ policies: { reopenWindowHours: 24, dedupScope: 'alert' } });
    const kind = { '@class': 'srvc_status_ctx', serviceName: 'Spooler', status: 'STOPPED' };
    const first = await raise(5, { alertContext: kind });
    await enriched(first.alert.alertUid);
    const ticketId = first.delivery.ticketId!;
    expect((await env.api.post(`/api/tickets/${ticketId}/close`, {})).status).toBe(200);
    await eventually(async () => (await env.alert(first.alert.alertUid)).resolveState === 'done');

    const again = await raise(5, { alertContext: kind });
    await eventually(async () => (await env.alert(again.alert.alertUid)).ticketId === ticketId);
    const reopened = await env.ticket(ticketId);
    expect(reopened.status).toBe('in_progress');
    expect((await env.actions(ticketId)).some((a) => a.body.startsWith(`Reopened: alert ${again.alert.alertUid} was raised again less than`))).toBe(true);
    expect((await env.ticket(again.delivery.ticketId!)).status).toBe('closed');
    expect(env.resolveCalls(again.alert.alertUid)).toEqual([]);

    // Beyond the window: a new ticket, linked to the old one.
    await env.configure({ policies: { reopenWindowHours: 0 } });
    expect((await env.api.post(`/api/tickets/${ticketId}/close`, {})).status).toBe(200);
    await eventually(async () => (await env.alert(again.alert.alertUid)).resolveState === 'done');
    const later = await raise(5, { alertContext: kind });
    await enriched(later.alert.alertUid);
    const newTicket = await env.ticket(later.delivery.ticketId!);
    expect(newTicket.status).toBe('new');
    expect((await env.actions(newTicket.id)).some((a) => a.body.includes(`had ticket #${ticketId}`))).toBe(true);
    expect((await env.ticket(ticketId)).status).toBe('closed');
    await env.configure({ policies: { reopenWindowHours: 24 } });
  });

  it('dedup per condition: same device and monitor kind go to the same open ticket, counting occurrences', async () => {
    await env.configure({ policies: { dedupScope: 'condition' } });
    const kind = { '@class': 'perf_disk_usage_ctx', diskName: 'D:', freeSpace: 3, totalVolume: 100, unitOfMeasure: 'PERCENT' };
    const a = await raise(6, { alertContext: kind });
    await enriched(a.alert.alertUid);
    const ticketId = a.delivery.ticketId!;
    const b = await raise(6, { alertContext: kind });
    await eventually(async () => (await env.alert(b.alert.alertUid)).ticketId === ticketId);
    expect((await env.ticket(b.delivery.ticketId!)).status).toBe('closed');

    // Found by reconciliation with its full data: attached at once, no ticket of its own.
    const c = emulatorAlert(env.emu, { deviceUid: device(6).uid, alertContext: kind });
    const job = await env.api.post('/api/integrations/datto-rmm/reconcile');
    await eventually(async () => (await env.api.get(`/api/jobs/${job.body.id}`)).body.state === 'done', 20_000);
    expect((await env.alert(c.alertUid)).ticketId).toBe(ticketId);

    const alerts = await env.alertsOfTicket(ticketId);
    expect(alerts.map((x: any) => x.alertUid).sort()).toEqual([a.alert.alertUid, b.alert.alertUid, c.alertUid].sort());
    expect((await env.actions(ticketId)).filter((x) => x.kind === 'alert_occurrence')).toHaveLength(2);

    // Closing it resolves the three alerts.
    expect((await env.api.post(`/api/tickets/${ticketId}/close`, {})).status).toBe(200);
    for (const uid of [a.alert.alertUid, b.alert.alertUid, c.alertUid]) {
      await eventually(async () => (await env.alert(uid)).resolveState === 'done');
    }
    await env.configure({ policies: { dedupScope: 'alert' } });
  });
});
