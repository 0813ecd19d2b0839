import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/test-server.ts';
import { storeRuleUnchecked } from '../support/mail-helpers.ts';
import { alertMail, emulatorAlert, FROM, startAlertsEnv, type AlertsEnv } from './alerts-env.ts';

const samplesDir = path.resolve(process.cwd(), '../shared/datto-rmm/samples/emails');
const haveSamples = fs.existsSync(samplesDir);
if (!haveSamples && process.env.CI) throw new Error(`The shared sample e-mails are missing at ${samplesDir}; CI must provide ../shared`);
if (!haveSamples) console.warn(`Skipping the sample e-mail tests: ${samplesDir} does not exist (the shared folder beside the project)`);
const sample = (name: string) => fs.readFileSync(path.join(samplesDir, name));

const UID_01 = '5a38c0de-dc7c-4b13-b125-a4cfee0bfb1a';
const UID_03 = 'fa9b26c0-3761-4927-9412-e9f4a5db38d1';
const UID_04 = '0b7c2e11-9a4f-4c3e-8d2a-6f1e2b3c4d5e';

describe('Datto RMM alert e-mails', () => {
  let env: AlertsEnv;
  beforeAll(async () => {
    env = await startAlertsEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('saving the alerting settings creates the "Datto RMM Alerts" rule once, editable like any rule', async () => {
    await env.configure({ alerting: { fromAddress: FROM } });
    await env.configure({ policies: { reopenWindowHours: 24 } });
    const rules = (await env.api.get('/api/email-rules')).body.items as any[];
    const mine = rules.filter((r) => r.systemKey === 'datto-rmm-alerts');
    expect(mine).toHaveLength(1);
    expect(mine[0].name).toBe('Datto RMM Alerts');
    expect(mine[0].actions).toEqual([{ type: 'datto-rmm.alert', params: {} }]);
    expect(mine[0].acceptAutomated).toBe(true);
    expect(mine[0].conditions).toEqual(expect.arrayContaining([
      { field: 'from', operator: 'equals', value: FROM },
      { field: 'subject', operator: 'contains', value: 'Alert{' },
    ]));
    // The user may disable and re-enable it; saving the settings again does not make another.
    const off = await env.api.patch(`/api/email-rules/${mine[0].id}`, { enabled: false });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    await env.configure({ alerting: { fromAddress: FROM } });
    const after = ((await env.api.get('/api/email-rules')).body.items as any[]).filter((r) => r.systemKey === 'datto-rmm-alerts');
    expect(after).toHaveLength(1);
    expect(after[0].enabled).toBe(false);
    expect((await env.api.patch(`/api/email-rules/${mine[0].id}`, { enabled: true })).status).toBe(200);
  });

  it.skipIf(!haveSamples)('01 opens a ticket of the default type; 02 (same alert) adds occurrence 2 to it', async () => {
    const m1 = await env.mail(sample('01-disk-usage-plain.eml'));
    expect(m1.state, m1.reason ?? '').toBe('processed');
    expect(m1.ruleName).toBe('Datto RMM Alerts');
    const ticket = await env.ticket(m1.ticketId!);
    expect(ticket.summary).toBe('Alert on device: 10.20.0.15, reason Disk usage on C: is above 90%');
    expect(ticket.details).toContain('Diagnostics: C: 93% used');
    expect(ticket.ticketTypeId).toBe(env.alertTypeId);
    expect(ticket.source).toBe('email');

    const m2 = await env.mail(sample('02-disk-usage-repeat.eml'));
    expect(m2.state).toBe('processed');
    expect(m2.ticketId).toBe(m1.ticketId);
    const link = await env.alert(UID_01);
    // The sample's uid is unknown to the emulator: once enrichment ran, Datto's state is 'unknown'.
    expect(link).toMatchObject({ alertUid: UID_01, ticketId: m1.ticketId, occurrences: 2, resolveState: 'none', via: ['email'] });
    expect(['open', 'unknown']).toContain(link.dattoState);
    const occurrences = (await env.actions(m1.ticketId!)).filter((a) => a.kind === 'alert_occurrence');
    expect(occurrences).toHaveLength(1);
    expect(occurrences[0].data).toMatchObject({ alertUid: UID_01, occurrence: 2 });
    expect(occurrences[0].body).toContain('95% used');
  });

  it.skipIf(!haveSamples)('03 (multipart, quoted-printable) and 04 (HTML only, encoded subject) get their own tickets', async () => {
    const m3 = await env.mail(sample('03-service-stopped-multipart-qp.eml'));
    const m4 = await env.mail(sample('04-offline-html-only-encoded-subject.eml'));
    expect([m3.state, m4.state]).toEqual(['processed', 'processed']);
    const ids = new Set([m3.ticketId, m4.ticketId, (await env.alert(UID_01)).ticketId]);
    expect(ids.size).toBe(3);
    expect((await env.ticket(m3.ticketId!)).summary).toBe("Alert on device: 192.168.10.44, reason Process 'AdobeARMservice' isStopped");
    const t4 = await env.ticket(m4.ticketId!);
    expect(t4.summary).toBe('Alert on device: 10.0.5.7, reason Gerät offline – Büro München');
    expect(t4.details).toContain('MUC-LAPTOP-07');
    expect((await env.alert(UID_03)).ticketId).toBe(m3.ticketId);
    expect((await env.alert(UID_04)).ticketId).toBe(m4.ticketId);
  });

  it.skipIf(!haveSamples)('05 (from Datto, no Alert{…}) is not matched by the Datto rule', async () => {
    const m5 = await env.mail(sample('05-not-an-alert-from-rmm.eml'));
    expect(m5.ruleName).not.toBe('Datto RMM Alerts');
    const alerts = (await env.api.get('/api/integrations/datto-rmm/alerts?limit=200')).body.items as any[];
    expect(alerts.map((a) => a.alertUid).sort()).toEqual([UID_01, UID_03, UID_04].sort());
  });

  it.skipIf(!haveSamples)('06 (forwarded by a person) is not the Datto rule: the rules engine default makes it a normal ticket', async () => {
    const m6 = await env.mail(sample('06-forwarded-alert-from-a-person.eml'));
    expect(m6.ruleName).toBeNull();
    expect(m6.state).toBe('processed');
    expect(m6.ticketId).not.toBe((await env.alert(UID_01)).ticketId);
    expect((await env.alert(UID_01)).occurrences).toBe(2);
    expect(await env.alertsOfTicket(m6.ticketId!)).toEqual([]);
  });

  it('the user\'s edit of the rule\'s From condition survives later saves of the settings; an untouched condition follows them', async () => {
    const rule = ((await env.api.get('/api/email-rules')).body.items as any[]).find((r) => r.systemKey === 'datto-rmm-alerts');
    const fromOf = async () => (((await env.api.get(`/api/email-rules/${rule.id}`)).body.conditions as any[]).find((c) => c.field === 'from'));
    // Untouched: a new From Address is carried into the rule.
    await env.configure({ alerting: { fromAddress: 'noc@rmm.example-msp.com' } });
    expect(await fromOf()).toEqual({ field: 'from', operator: 'equals', value: 'noc@rmm.example-msp.com' });
    await env.configure({ alerting: { fromAddress: FROM } });
    expect(await fromOf()).toEqual({ field: 'from', operator: 'equals', value: FROM });
    // Clearing the address while the rule takes mail from it is refused, saying what to do instead.
    const cleared = await env.api.put('/api/integrations/datto-rmm', { alerting: { fromAddress: '' } });
    expect(cleared.status).toBe(400);
    expect(cleared.body.error.details).toEqual([{ field: 'alerting.fromAddress', message: expect.stringMatching(/disable or delete that rule/) }]);
    expect((await env.api.get('/api/integrations/datto-rmm')).body.alerting.fromAddress).toBe(FROM);

    // Edited: the user points it at another sender; neither another save nor a new address undoes that.
    const mine = { field: 'from', operator: 'equals', value: 'monitoring@rmm.example-msp.com' };
    const conditions = (rule.conditions as any[]).map((c) => (c.field === 'from' ? mine : c));
    expect((await env.api.patch(`/api/email-rules/${rule.id}`, { conditions })).status).toBe(200);
    await env.configure({ policies: { reopenWindowHours: 24 } });
    expect(await fromOf()).toEqual(mine);
    await env.configure({ alerting: { fromAddress: 'other@rmm.example-msp.com' } });
    expect(await fromOf()).toEqual(mine);

    await env.configure({ alerting: { fromAddress: FROM } });
    expect((await env.api.patch(`/api/email-rules/${rule.id}`, { conditions: rule.conditions })).status).toBe(200);
  });

  it('an alert e-mail marked Auto-Submitted: auto-generated makes one ticket: the Datto rule accepts automated mail', async () => {
    const uid = '3e4f5a6b-3333-4444-8555-666677778888';
    const automated = (raw: string) => raw.replace('MIME-Version: 1.0', 'Auto-Submitted: auto-generated\r\nMIME-Version: 1.0');
    const m1 = await env.mail(automated(alertMail({ uid })));
    expect(m1, m1.reason ?? '').toMatchObject({ state: 'processed', ruleName: 'Datto RMM Alerts' });
    const m2 = await env.mail(automated(alertMail({ uid, body: 'again' })));
    expect(m2.ticketId).toBe(m1.ticketId);
    expect((await env.alert(uid)).ticketId).toBe(m1.ticketId);
    // The same mail from another sender does not match the rule, so nothing takes it.
    const other = await env.mail(automated(alertMail({ uid, from: 'noreply@elsewhere.example' })));
    expect(other).toMatchObject({ state: 'ignored', ticketId: null, ruleName: null, reason: 'automated: Auto-Submitted: auto-generated; no rule matched' });
  });

  it('a subject whose braces hold no uid is not an alert: ignored with the reason', async () => {
    const m = await env.mail(alertMail({ uid: 'x', subject: 'Alert on device: 10.0.0.9, reason Test - Alert{[alertuid]}' }));
    expect(m.state).toBe('ignored');
    expect(m.reason).toMatch(/does not hold an alert uid/);
  });

  it('the uid is read whatever its case and spacing in the braces', async () => {
    const uid = '7d0f3a52-0c1e-4b7a-9e11-0a2b3c4d5e6f';
    const m1 = await env.mail(alertMail({ uid: ` ${uid.toUpperCase()} ` }));
    const m2 = await env.mail(alertMail({ uid: uid.replace('-0c1e-', '-0c1e- ') }));
    expect(m1.state).toBe('processed');
    expect(m2.ticketId).toBe(m1.ticketId);
    expect((await env.alert(uid)).occurrences).toBe(2);
  });

  it('an alert whose subject runs to thousands of characters (an event log monitor) is still the alert rule\'s', async () => {
    const uid = '29afdff0-4a3d-47aa-875a-b8a6f0eeca16';
    const subject = `Alert on device: 10.0.0.1, reason Event Log: ${'Service Control Manager reported an error. '.repeat(60)}- Alert{${uid}}`;
    expect(subject.length).toBeGreaterThan(2_500);
    const m = await env.mail(alertMail({ uid, subject }));
    expect(m).toMatchObject({ state: 'processed', ruleName: 'Datto RMM Alerts' });
    const link = await env.alert(uid);
    expect(link.ticketId).toBe(m.ticketId);
    expect((await env.ticket(m.ticketId!)).summary).toMatch(/^Alert on device: 10\.0\.0\.1, reason Event Log: Service Control Manager/);
  });

  it('"Fwd:"/"FW:" prefixes are not part of the summary', async () => {
    const uid = '1d2e3f40-1111-4222-8333-444455556666';
    const m = await env.mail(alertMail({ uid, subject: `Fwd: FW: Alert on device: 10.1.1.1, reason Ping slow - Alert{${uid}}` }));
    expect((await env.ticket(m.ticketId!)).summary).toBe('Alert on device: 10.1.1.1, reason Ping slow');
  });

  it('an occurrence marks its ticket updated', async () => {
    const uid = '4b5c6d7e-5555-4666-8777-888899990000';
    const first = await env.mail(alertMail({ uid }));
    const longAgo = '2020-01-01T00:00:00.000Z';
    await env.server.ctx.db.updateTable('tickets').set({ updated_at: longAgo }).where('id', '=', first.ticketId!).execute();
    const again = await env.mail(alertMail({ uid, body: 'second time' }));
    expect(again.ticketId).toBe(first.ticketId);
    expect(Date.parse((await env.ticket(first.ticketId!)).updatedAt)).toBeGreaterThan(Date.parse(longAgo));
  });

  it('the same alert 50 times is one ticket with 50 occurrences', async () => {
    const uid = '2c3d4e5f-2222-4333-8444-555566667777';
    const first = await env.mail(alertMail({ uid, body: 'occurrence 1' }));
    const rest = await Promise.all(Array.from({ length: 49 }, (_, i) => env.upload(alertMail({ uid, body: `occurrence ${i + 2}` }))));
    const outcomes = await Promise.all(rest.map((r) => env.waitMessage(r.id)));
    expect(new Set(outcomes.map((o) => o.ticketId))).toEqual(new Set([first.ticketId]));
    const link = await env.alert(uid);
    expect(link.occurrences).toBe(50);
    const occurrences = (await env.actions(first.ticketId!)).filter((a) => a.kind === 'alert_occurrence');
    expect(occurrences).toHaveLength(49);
    const tickets = (await env.api.get(`/api/tickets?limit=200&q=${encodeURIComponent('reason Test alert')}`)).body.items as any[];
    expect(tickets.filter((t) => t.id === first.ticketId)).toHaveLength(1);
  });

  it('alert e-mails that shared a rolled-back group with a failing mail are ticketed when the group runs again', async () => {
    // A rule whose ticket is gone fails every mail it takes.
    const ruleId = await storeRuleUnchecked(env.server.ctx.db, {
      name: 'Breaks', conditions: [{ field: 'subject', operator: 'contains', value: 'breaks on purpose' }],
      actions: [{ type: 'add-to-ticket', params: { ticketId: 999999 } }],
    });
    const uids = Array.from({ length: 8 }, (_, i) => `6f7a8b9c-${String(i).padStart(4, '0')}-4aaa-8bbb-cccccccccccc`);
    const receipts = await Promise.all([
      ...uids.map((uid) => env.upload(alertMail({ uid }))),
      env.upload(alertMail({ uid: 'none', from: 'someone@customer.example', subject: 'This breaks on purpose' })),
    ]);
    const outcomes = await Promise.all(receipts.map((r) => env.waitMessage(r.id)));
    expect(outcomes.at(-1)).toMatchObject({ state: 'failed', ruleName: 'Breaks' });
    for (const [i, uid] of uids.entries()) {
      expect(outcomes[i], outcomes[i]!.reason ?? '').toMatchObject({ state: 'processed', ruleName: 'Datto RMM Alerts' });
      expect(await env.alert(uid)).toMatchObject({ ticketId: outcomes[i]!.ticketId, occurrences: 1 });
    }
    expect(new Set(outcomes.slice(0, -1).map((o) => o.ticketId)).size).toBe(uids.length);
    // A repeat finds the alert this process has met, and adds to its ticket.
    const again = await env.mail(alertMail({ uid: uids[0]! }));
    expect(again.ticketId).toBe(outcomes[0]!.ticketId);
    expect((await env.alert(uids[0]!)).occurrences).toBe(2);
    await env.api.delete(`/api/email-rules/${ruleId}`);
  });

  it('Datto unreachable: the ticket is there at once; enrichment retries and completes later', async () => {
    const alert = env.emu.state.addAlert({ deviceUid: env.emu.state.devices[2]!.uid, priority: 'Critical', timestamp: Date.now() });
    // Both of the client's tries fail: the job's first attempt fails and is retried with backoff.
    env.emu.faults.failNext(2, { status: 503, path: `/api/v2/alert/${alert.alertUid}` });
    const m = await env.mail(alertMail({ uid: alert.alertUid }));
    expect(m.state).toBe('processed');
    expect((await env.ticket(m.ticketId!)).priority).toBe(3);
    const failedOnce = await eventually(async () => {
      const a = await env.alert(alert.alertUid);
      return a.enrichError ? a : undefined;
    });
    expect(failedOnce.enrichError).toMatch(/server error/);
    const enriched = await eventually(async () => {
      const a = await env.alert(alert.alertUid);
      return a.enrichedAt ? a : undefined;
    }, 20_000);
    expect(enriched).toMatchObject({ priority: 'Critical', enrichError: null });
    expect((await env.ticket(m.ticketId!)).priority).toBe(1);
  });

  it('enrichment that keeps failing gives up at its last attempt and says so on the ticket once', async () => {
    const alert = env.emu.state.addAlert({ deviceUid: env.emu.state.devices[2]!.uid, priority: 'High', timestamp: Date.now() });
    env.emu.faults.failNext(1_000, { status: 503, path: `/api/v2/alert/${alert.alertUid}` });
    try {
      const m = await env.mail(alertMail({ uid: alert.alertUid }));
      await eventually(async () => (await env.alert(alert.alertUid)).enrichError ?? undefined);
      // The retries' backoff is minutes: bring the job to its last attempt and due now.
      const db = env.server.ctx.db;
      await eventually(async () => (await db.selectFrom('jobs').select('state').where('unique_key', '=', `datto-enrich:${alert.alertUid}`)
        .where('state', '=', 'queued').executeTakeFirst()) ?? undefined);
      await db.updateTable('jobs').set({ attempts: 13, run_at: new Date().toISOString() })
        .where('unique_key', '=', `datto-enrich:${alert.alertUid}`).where('state', '=', 'queued').execute();
      env.server.ctx.queue.wake();
      const job = await eventually(async () => db.selectFrom('jobs').select(['state', 'attempts']).where('unique_key', '=', `datto-enrich:${alert.alertUid}`)
        .where('state', '=', 'failed').executeTakeFirst());
      expect(job.attempts).toBe(14);
      const notes = (await env.actions(m.ticketId!)).filter((a) => a.kind === 'alert_event' && /Could not read alert/.test(a.body));
      expect(notes).toHaveLength(1);
      expect(notes[0].body).toMatch(/server error/);
    } finally {
      env.emu.faults.clear();
    }
  });

  it('enrichment that failed on bad credentials, or never ran while the module was off, runs when the settings are fixed', async () => {
    await env.configure({ apiSecret: 'not-the-secret' });
    const a1 = env.emu.state.addAlert({ deviceUid: env.emu.state.devices[1]!.uid, priority: 'High', timestamp: Date.now() });
    const m1 = await env.mail(alertMail({ uid: a1.alertUid }));
    const failed = await eventually(async () => {
      const a = await env.alert(a1.alertUid);
      return a.enrichError ? a : undefined;
    });
    expect(failed.enrichedAt).toBeNull();

    await env.configure({ enabled: false });
    const a2 = env.emu.state.addAlert({ deviceUid: env.emu.state.devices[1]!.uid, priority: 'Critical', timestamp: Date.now() });
    const m2 = await env.mail(alertMail({ uid: a2.alertUid }));
    expect(m2.state).toBe('processed');

    await env.configure({ enabled: true, apiSecret: env.emu.apiSecret });
    for (const [uid, ticketId, priority] of [[a1.alertUid, m1.ticketId!, 2], [a2.alertUid, m2.ticketId!, 1]] as const) {
      const done = await eventually(async () => {
        const a = await env.alert(uid);
        return a.enrichedAt ? a : undefined;
      }, 20_000);
      expect(done.enrichError).toBeNull();
      expect((await env.ticket(ticketId)).priority).toBe(priority);
    }
  });

  it('credentials fixed while an enrichment on the old ones is in flight: it is read on the new ones', async () => {
    await env.configure({ apiSecret: 'not-the-secret' });
    env.emu.faults.slow(400, { path: '/auth/oauth/token', count: 1 });
    const alert = env.emu.state.addAlert({ deviceUid: env.emu.state.devices[2]!.uid, priority: 'Critical', timestamp: Date.now() });
    const m = await env.mail(alertMail({ uid: alert.alertUid }));
    await eventually(async () => env.emu.log.entries.some((e) => e.path === '/auth/oauth/token' && e.status === 0) || undefined);
    // The save finds the enrichment's job running, so it queues nothing; the job itself must notice.
    await env.configure({ apiSecret: env.emu.apiSecret });
    const link = await eventually(async () => {
      const a = await env.alert(alert.alertUid);
      return a.enrichedAt || a.enrichError ? a : undefined;
    });
    expect(link).toMatchObject({ enrichError: null, deviceUid: alert.deviceUid });
    expect((await env.ticket(m.ticketId!)).priority).toBe(1);
  });

  it('enrichment failing (Datto unknown alert) keeps the ticket and says why', async () => {
    const link = await eventually(async () => {
      const a = await env.alert(UID_01);
      return a.enrichError ? a : undefined;
    });
    expect(link.enrichError).toMatch(/does not know this alert/);
    expect(link.dattoState).toBe('unknown');
    const notes = (await env.actions(link.ticketId)).filter((a) => a.kind === 'alert_event' && /Could not read alert/.test(a.body));
    expect(notes).toHaveLength(1);
    expect((await env.ticket(link.ticketId)).status).toBe('new');
  });

  it('an alert Datto could not find is open again when it is raised again, and is read again', async () => {
    const { alertUid: uid, deviceUid } = emulatorAlert(env.emu);
    env.emu.faults.failNext(1, { method: 'GET', path: `/api/v2/alert/${uid}`, status: 404 });
    const first = await env.mail(alertMail({ uid }));
    const unknown = await eventually(async () => {
      const a = await env.alert(uid);
      return a.dattoState === 'unknown' ? a : undefined;
    });
    expect(unknown).toMatchObject({ enrichedAt: null, enrichError: expect.stringMatching(/does not know this alert/) });

    const again = await env.mail(alertMail({ uid }));
    expect(again.ticketId).toBe(first.ticketId);
    const link = await eventually(async () => {
      const a = await env.alert(uid);
      return a.enrichedAt ? a : undefined;
    });
    expect(link).toMatchObject({ dattoState: 'open', enrichError: null, occurrences: 2, deviceUid });
    const notes = (await env.actions(first.ticketId!)).filter((a) => a.kind === 'alert_event' && /Could not read alert/.test(a.body));
    expect(notes).toHaveLength(1);
  });
});
