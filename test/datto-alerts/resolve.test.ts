import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveKey } from '../../src/integrations/datto-rmm/alerts/resolve-alert.job.ts';
import { eventually } from '../support/test-server.ts';
import { alertMail, emulatorAlert, raiseBody, startAlertsEnv, windowFactor, type AlertsEnv } from './alerts-env.ts';

describe('closing a ticket resolves its alert in Datto RMM', () => {
  let env: AlertsEnv;
  beforeAll(async () => {
    env = await startAlertsEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  const raised = async () => {
    const alert = emulatorAlert(env.emu);
    const d = await env.webhook(raiseBody(alert.alertUid));
    expect(d.state).toBe('processed');
    return { uid: alert.alertUid, ticketId: d.ticketId! };
  };
  const close = async (ticketId: number) => {
    const res = await env.api.post(`/api/tickets/${ticketId}/close`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  const settled = (uid: string) =>
    eventually(async () => {
      const a = await env.alert(uid);
      return a.resolveState === 'done' || a.resolveState === 'failed' ? a : undefined;
    }, 20_000);
  const ok = (uid: string) => env.resolveCalls(uid).filter((c) => c.status === 200);

  it('close → exactly one resolve call, the alert resolved in Datto and the outcome in the history', async () => {
    const { uid, ticketId } = await raised();
    await close(ticketId);
    const link = await settled(uid);
    expect(link).toMatchObject({ resolveState: 'done', dattoState: 'resolved', resolvedBy: 'relaydesk', lastError: null, resolveAttempts: 1 });
    expect(env.emu.state.alert(uid)!.resolved).toBe(true);
    expect(ok(uid)).toHaveLength(1);
    expect((await env.actions(ticketId)).filter((a) => a.kind === 'alert_resolved').map((a) => a.body)).toEqual(['Alert resolved in Datto RMM.']);

    // Reopening raises nothing in Datto; closing again does not resolve twice.
    expect((await env.api.patch(`/api/tickets/${ticketId}`, { status: 'in_progress' })).status).toBe(200);
    // A late e-mail of the resolved alert goes onto the reopened ticket; once it is closed, it is only counted.
    const late = await env.mail(alertMail({ uid }));
    expect(late).toMatchObject({ state: 'processed', ticketId });
    expect((await env.actions(ticketId)).some((a) => a.kind === 'alert_occurrence' && /though the alert was already resolved in Datto RMM/.test(a.body))).toBe(true);
    await close(ticketId);
    const later = await env.mail(alertMail({ uid }));
    expect(later).toMatchObject({ state: 'ignored', ticketId: null, reason: expect.stringMatching(/already resolved in Datto RMM when its ticket closed/) });
    await new Promise((r) => setTimeout(r, 300));
    expect(env.resolveCalls(uid)).toHaveLength(1);
    expect((await env.api.post(`/api/integrations/datto-rmm/alerts/${uid}/retry-resolve`)).status).toBe(409);
  });

  it('403 (no permission) fails at once with the reason; retry-resolve after the fix completes it', async () => {
    const { uid, ticketId } = await raised();
    env.emu.faults.forbid(`/api/v2/alert/${uid}/resolve`);
    await close(ticketId);
    const failed = await settled(uid);
    expect(failed.resolveState).toBe('failed');
    expect(failed.lastError).toMatch(/refused access/);
    expect(failed.lastError).toContain("(403) (Authenticated user doesn't have access to this resource). The API user");
    expect(failed.resolveAttempts).toBe(1);
    const history = await env.actions(ticketId);
    expect(history.some((a) => a.kind === 'alert_resolve_failed' && a.body.startsWith('Resolving the alert in Datto RMM failed:'))).toBe(true);
    const list = (await env.api.get('/api/integrations/datto-rmm/alerts?resolveState=failed')).body;
    expect(list.items.map((a: any) => a.alertUid)).toContain(uid);
    expect(list.counters.resolveFailed).toBeGreaterThanOrEqual(1);

    env.emu.faults.clear();
    const retry = await env.api.post(`/api/integrations/datto-rmm/alerts/${uid}/retry-resolve`);
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(retry.body.resolveState).toBe('pending');
    expect((await settled(uid)).resolveState).toBe('done');
    expect(ok(uid)).toHaveLength(1);
    expect(env.emu.state.alert(uid)!.resolved).toBe(true);
  });

  it('retry-resolve only resolves for a closed ticket: an open ticket\'s alert, or a failed one whose ticket was reopened (which forgets the failure), answers 409', async () => {
    const open = await raised();
    const early = await env.api.post(`/api/integrations/datto-rmm/alerts/${open.uid}/retry-resolve`);
    expect(early.status, JSON.stringify(early.body)).toBe(409);
    expect(early.body.error.message).toMatch(/is open: closing it resolves/);
    expect(env.resolveCalls(open.uid)).toEqual([]);
    expect((await env.alert(open.uid)).resolveState).toBe('none');

    const { uid, ticketId } = await raised();
    env.emu.faults.forbid(`/api/v2/alert/${uid}/resolve`);
    await close(ticketId);
    expect((await settled(uid)).resolveState).toBe('failed');
    env.emu.faults.clear();
    expect((await env.api.patch(`/api/tickets/${ticketId}`, { status: 'in_progress' })).status).toBe(200);
    // Reopening forgets the failure: the link no longer counts as a failed resolve.
    expect(await env.alert(uid)).toMatchObject({ resolveState: 'none', lastError: null });
    const failedNow = (await env.api.get('/api/integrations/datto-rmm/alerts?resolveState=failed&limit=200')).body.items as any[];
    expect(failedNow.map((a) => a.alertUid)).not.toContain(uid);
    const reopened = await env.api.post(`/api/integrations/datto-rmm/alerts/${uid}/retry-resolve`);
    expect(reopened.status, JSON.stringify(reopened.body)).toBe(409);
    expect(reopened.body.error.message).toMatch(/is open: closing it resolves/);
    await new Promise((r) => setTimeout(r, 200));
    expect(ok(uid)).toEqual([]);
    expect(env.emu.state.alert(uid)!.resolved).toBe(false);
    // Closing it again is how it gets resolved.
    await close(ticketId);
    expect((await settled(uid)).resolveState).toBe('done');
    expect(ok(uid)).toHaveLength(1);
  });

  it('reopening while a resolve waits to be retried clears its error: the link shows no stale failure', async () => {
    const { uid, ticketId } = await raised();
    env.emu.faults.failNext(1_000, { status: 503, path: `/api/v2/alert/${uid}/resolve` });
    await close(ticketId);
    const waiting = await eventually(async () => {
      const a = await env.alert(uid);
      return a.lastError ? a : undefined;
    }, 15_000);
    expect(waiting.resolveState).toBe('pending');
    expect((await env.api.patch(`/api/tickets/${ticketId}`, { status: 'in_progress' })).status).toBe(200);
    expect(await env.alert(uid)).toMatchObject({ resolveState: 'none', lastError: null });
    env.emu.faults.clear();
  });

  it('closing while the module is off records a failed resolve; turning the module on resolves it', async () => {
    const { uid, ticketId } = await raised();
    await env.configure({ enabled: false });
    await close(ticketId);
    const off = await env.alert(uid);
    expect(off).toMatchObject({ resolveState: 'failed', lastError: expect.stringMatching(/disabled when the ticket was closed/) });
    expect((await env.actions(ticketId)).some((a) => /integration is disabled/.test(a.body))).toBe(true);
    // Retrying by hand while it is off cannot work: refused, saying what will.
    const retry = await env.api.post(`/api/integrations/datto-rmm/alerts/${uid}/retry-resolve`);
    expect(retry.status).toBe(422);
    expect(retry.body.error).toMatchObject({ code: 'datto_disabled', message: expect.stringMatching(/turning it on retries/) });
    expect((await env.alert(uid)).resolveState).toBe('failed');
    await env.configure({ enabled: true });
    expect((await settled(uid)).resolveState).toBe('done');
    expect(ok(uid)).toHaveLength(1);
    expect(env.emu.state.alert(uid)!.resolved).toBe(true);
  });

  it('a resolve that failed on bad credentials goes through once the credentials are fixed', async () => {
    const { uid, ticketId } = await raised();
    await env.configure({ apiSecret: 'not-the-secret' });
    await close(ticketId);
    const failed = await settled(uid);
    expect(failed.resolveState).toBe('failed');
    expect(ok(uid)).toEqual([]);
    await env.configure({ apiSecret: env.emu.apiSecret });
    expect((await settled(uid)).resolveState).toBe('done');
    expect(ok(uid)).toHaveLength(1);
  });

  it('credentials fixed while a resolve on the old ones is in flight: it is tried again on the new ones, no Retry needed', async () => {
    const { uid, ticketId } = await raised();
    // Its enrichment is done first, so the one token request that comes next is the resolve's.
    await eventually(async () => (await env.alert(uid)).enrichedAt ?? undefined);
    await env.configure({ apiSecret: 'not-the-secret' });
    env.emu.faults.slow(400, { path: '/auth/oauth/token', count: 1 });
    const tokenAsked = () => env.emu.log.entries.some((e) => e.path === '/auth/oauth/token' && e.status === 0);
    await close(ticketId);
    await eventually(async () => tokenAsked() || undefined);
    // The save finds the resolve pending, with its job running, so it queues nothing; the job itself must notice.
    await env.configure({ apiSecret: env.emu.apiSecret });
    const link = await settled(uid);
    expect(link).toMatchObject({ resolveState: 'done', lastError: null });
    expect(ok(uid)).toHaveLength(1);
    expect((await env.actions(ticketId)).some((a) => a.kind === 'alert_resolve_failed')).toBe(false);
  });

  it('an alert Datto no longer has (404) counts as resolved', async () => {
    const uid = '9e8d7c6b-5a49-4382-9716-a5b4c3d2e1f0';
    const m = await env.mail(alertMail({ uid }));
    await close(m.ticketId!);
    const link = await settled(uid);
    expect(link.resolveState).toBe('done');
    expect(env.resolveCalls(uid).map((c) => c.status)).toEqual([404]);
    expect((await env.actions(m.ticketId!)).some((a) => a.body === 'Alert resolved in Datto RMM (Datto RMM no longer has it).')).toBe(true);
  });

  it('5xx and dropped connections are retried with backoff until Datto confirms', async () => {
    const { uid, ticketId } = await raised();
    // The client tries twice per job attempt: the first attempt fails, the second gets through.
    env.emu.faults.failNext(1, { status: 503, path: `/api/v2/alert/${uid}/resolve` });
    env.emu.faults.dropNext(1, { path: `/api/v2/alert/${uid}/resolve` });
    await close(ticketId);
    const link = await settled(uid);
    expect(link).toMatchObject({ resolveState: 'done', resolveAttempts: 2, lastError: null });
    expect(env.resolveCalls(uid).map((c) => c.status)).toEqual([0, 503, 200]);
  });

  it('429: waits for Retry-After, inside the client and then as a rescheduled job, and resolves once', async () => {
    const { uid, ticketId } = await raised();
    const retryAfterSeconds = 30;
    // The client waits out one 429 itself; the next makes the job come back after Retry-After.
    env.emu.faults.rateLimitNext(3, { path: `/api/v2/alert/${uid}/resolve`, retryAfterSeconds });
    await close(ticketId);
    const waiting = await eventually(async () => {
      const a = await env.alert(uid);
      return a.lastError && /limiting requests/.test(a.lastError) ? a : undefined;
    });
    expect(waiting.resolveState).toBe('pending');
    const link = await settled(uid);
    expect(link.resolveState).toBe('done');
    const calls = env.resolveCalls(uid);
    expect(calls.map((c) => c.status)).toEqual([429, 429, 429, 200]);
    const waitMs = (retryAfterSeconds * 1000) / windowFactor;
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(waitMs - 20);
    expect((await env.actions(ticketId)).filter((a) => a.kind === 'alert_resolved')).toHaveLength(1);
  });

  it('a resolve held up by 429s gives its worker back: after one wait in the call the job is rescheduled', async () => {
    const { uid, ticketId } = await raised();
    env.emu.faults.rateLimitNext(2, { path: `/api/v2/alert/${uid}/resolve`, retryAfterSeconds: 30 });
    await close(ticketId);
    const link = await settled(uid);
    expect(env.resolveCalls(uid).map((c) => c.status)).toEqual([429, 429, 200]);
    // Two runs of the job: the first gave up at the second 429 (counted, with its reason shown),
    // the second resolved. Waiting out both in one call would have been one run holding the worker.
    expect(link).toMatchObject({ resolveState: 'done', resolveAttempts: 2, lastError: null });
    const job = await env.server.ctx.db.selectFrom('jobs').select('state').where('unique_key', '=', resolveKey(uid))
      .orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(job.state).toBe('done');
  });

  it('a resolve pending when the server stops completes after a restart on the same database', async () => {
    const { uid, ticketId } = await raised();
    await env.restart({ workers: false });
    await close(ticketId);
    const pending = await env.alert(uid);
    expect(pending.resolveState).toBe('pending');
    const jobs = (await env.api.get('/api/jobs?kind=datto-rmm.resolve-alert&state=queued')).body.items as any[];
    expect(jobs.some((j) => j.kind === 'datto-rmm.resolve-alert')).toBe(true);
    expect(env.resolveCalls(uid)).toEqual([]);

    await env.restart({ workers: true });
    expect((await settled(uid)).resolveState).toBe('done');
    expect(ok(uid)).toHaveLength(1);
  });

  it('reopening before the resolve ran cancels it: nothing is resolved or re-raised in Datto', async () => {
    const { uid, ticketId } = await raised();
    await env.restart({ workers: false });
    await close(ticketId);
    expect((await env.alert(uid)).resolveState).toBe('pending');
    expect((await env.api.patch(`/api/tickets/${ticketId}`, { status: 'in_progress' })).status).toBe(200);
    expect((await env.alert(uid)).resolveState).toBe('none');
    await env.restart({ workers: true });
    await eventually(async () => {
      const jobs = (await env.api.get('/api/jobs?kind=datto-rmm.resolve-alert&state=queued')).body.items as any[];
      return jobs.length === 0;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(env.resolveCalls(uid)).toEqual([]);
    expect(env.emu.state.alert(uid)!.resolved).toBe(false);
    expect((await env.actions(ticketId)).some((a) => /reopened before Datto RMM confirmed/.test(a.body))).toBe(true);
  });
});
