import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/test-server.ts';
import { emulatorAlert, raiseBody, startAlertsEnv, type AlertsEnv } from './alerts-env.ts';

describe('reconciliation with Datto RMM', () => {
  let env: AlertsEnv;
  beforeAll(async () => {
    // Seeded alerts are a year old: outside the lookback, they stay untouched.
    env = await startAlertsEnv({ emulator: { alerts: 6, resolvedAlerts: 2 }, policies: { storm: { enabled: false } } });
  });
  afterAll(async () => {
    await env?.stop();
  });

  const reconcile = async () => {
    const res = await env.api.post('/api/integrations/datto-rmm/reconcile');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return eventually(async () => {
      const job = (await env.api.get(`/api/jobs/${res.body.id}`)).body;
      return job.state === 'done' || job.state === 'failed' ? job : undefined;
    }, 20_000);
  };
  const raised = async () => {
    const alert = emulatorAlert(env.emu);
    const d = await env.webhook(raiseBody(alert.alertUid));
    // Enriched first, so that it is reconciliation (not enrichment) that learns of the resolve.
    await eventually(async () => (await env.alert(alert.alertUid)).enrichedAt);
    return { uid: alert.alertUid, ticketId: d.ticketId! };
  };

  it('an open alert whose e-mail or webhook never arrived gets its ticket (source reconcile); old and muted ones do not', async () => {
    const lost = emulatorAlert(env.emu, { priority: 'Critical', diagnostics: 'Backup failed twice' });
    const muted = env.emu.state.addAlert({ deviceUid: env.emu.state.devices[1]!.uid, timestamp: Date.now(), muted: true });
    const job = await reconcile();
    expect(job.state, job.error ?? '').toBe('done');
    expect(job.result.ticketed).toBe(1);
    expect(job.result.olderThanLookback).toBe(6);
    const link = await env.alert(lost.alertUid);
    expect(link).toMatchObject({ via: ['reconcile'], priority: 'Critical', dattoState: 'open', diagnostics: 'Backup failed twice' });
    expect(link.enrichedAt).not.toBeNull();
    const ticket = await env.ticket(link.ticketId);
    expect(ticket).toMatchObject({ source: 'reconcile', priority: 1 });
    expect(ticket.summary).toContain('Backup failed twice');
    expect((await env.api.get(`/api/integrations/datto-rmm/alerts/${muted.alertUid}`)).status).toBe(404);

    // A second run finds nothing new.
    expect((await reconcile()).result.ticketed).toBe(0);
  });

  it('runs on a schedule that follows reconcileMinutes without a restart', async () => {
    const schedule = () => env.server.ctx.db.selectFrom('job_schedules').selectAll().where('name', '=', 'datto-rmm.reconcile').executeTakeFirstOrThrow();
    expect(await schedule()).toMatchObject({ kind: 'datto-rmm.reconcile', interval_ms: 5 * 60_000, enabled: 1 });
    await env.configure({ policies: { reconcileMinutes: 7 } });
    expect(await schedule()).toMatchObject({ interval_ms: 7 * 60_000, enabled: 1 });
    await env.configure({ enabled: false });
    expect((await schedule()).enabled).toBe(0);
    await env.configure({ enabled: true, policies: { reconcileMinutes: 5 } });
  });

  it('reads every page of open alerts before acting and stays within the read limit', async () => {
    const many = Array.from({ length: 130 }, () => emulatorAlert(env.emu));
    env.emu.log.clear();
    const job = await reconcile();
    expect(job.result.ticketed).toBe(130);
    const pages = env.emu.log.entries.filter((e) => e.path === '/api/v2/account/alerts/open');
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(env.emu.log.entries.filter((e) => e.status === 429)).toEqual([]);
    for (const a of many.slice(0, 5)) expect((await env.alert(a.alertUid)).ticketId).not.toBeNull();
  });

  it('resolved in Datto, policy "note": the ticket stays open with a note', async () => {
    await env.configure({ policies: { resolvedInDatto: 'note' } });
    const { uid, ticketId } = await raised();
    env.emu.state.resolveAlert(uid, 'jane.tech');
    const job = await reconcile();
    expect(job.result.resolved).toBeGreaterThanOrEqual(1);
    expect(await env.alert(uid)).toMatchObject({ dattoState: 'resolved', resolvedBy: 'datto', resolveState: 'none' });
    expect((await env.ticket(ticketId)).status).toBe('new');
    expect((await env.actions(ticketId)).some((a) => a.kind === 'alert_resolved' && /resolved in Datto RMM/.test(a.body))).toBe(true);
  });

  it('resolved in Datto, policy "closeIfUntouched": closes an untouched ticket, notes a worked one', async () => {
    await env.configure({ policies: { resolvedInDatto: 'closeIfUntouched' } });
    const untouched = await raised();
    const worked = await raised();
    expect((await env.api.post(`/api/tickets/${worked.ticketId}/actions`, { body: 'Looking into it' })).status).toBe(201);
    env.emu.state.resolveAlert(untouched.uid);
    env.emu.state.resolveAlert(worked.uid);
    await reconcile();
    expect((await env.ticket(untouched.ticketId)).status).toBe('closed');
    expect((await env.ticket(worked.ticketId)).status).toBe('new');
    expect((await env.actions(worked.ticketId)).some((a) => /stays open because someone has worked on it/.test(a.body))).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(env.resolveCalls(untouched.uid)).toEqual([]);
  });

  it('resolved in Datto, policy "close": closes even a worked ticket, without resolving back', async () => {
    await env.configure({ policies: { resolvedInDatto: 'close' } });
    const worked = await raised();
    expect((await env.api.patch(`/api/tickets/${worked.ticketId}`, { status: 'in_progress' })).status).toBe(200);
    env.emu.state.resolveAlert(worked.uid);
    await reconcile();
    expect((await env.ticket(worked.ticketId)).status).toBe('closed');
    await new Promise((r) => setTimeout(r, 200));
    expect(env.resolveCalls(worked.uid)).toEqual([]);
    expect((await env.alert(worked.uid)).resolveState).toBe('none');
  });

  it('an alert Datto no longer lists is confirmed with GET /v2/alert before anything changes', async () => {
    const { uid, ticketId } = await raised();
    env.emu.state.resolveAlert(uid);
    env.emu.log.clear();
    await reconcile();
    expect(env.emu.log.entries.some((e) => e.method === 'GET' && e.path === `/api/v2/alert/${uid}`)).toBe(true);
    expect((await env.ticket(ticketId)).status).toBe('closed');
  });

  it('asking for a reconciliation with the module off, or with fields the request does not take, is refused', async () => {
    const extra = await env.api.post('/api/integrations/datto-rmm/reconcile', { full: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error.message).toBe('body.full: Unrecognized key: this request takes no body');
    for (const body of ['[1]', '[{"x":1}]', '5', 'true']) {
      const notObject = await env.api.post('/api/integrations/datto-rmm/reconcile', body, { contentType: 'application/json' });
      expect(notObject.status, body).toBe(400);
      expect(notObject.body.error.message).toBe('body: this request takes no body');
    }
    await env.configure({ enabled: false });
    try {
      const off = await env.api.post('/api/integrations/datto-rmm/reconcile', {});
      expect(off.status).toBe(422);
      expect(off.body.error).toMatchObject({ code: 'datto_disabled', message: expect.stringMatching(/turned off/) });
    } finally {
      await env.configure({ enabled: true });
    }
    await reconcile();
  });
});
