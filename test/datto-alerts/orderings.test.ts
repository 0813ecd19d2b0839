import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMail, RuleActionDefinition } from '../../src/rules/rule-action.ts';
import { testDialect } from '../support/test-database.ts';
import { eventually } from '../support/test-server.ts';
import { alertMail, emulatorAlert, FROM, raiseBody, resolveBody, startAlertsEnv, type AlertsEnv } from './alerts-env.ts';

const ticketsOfAlert = async (env: AlertsEnv, uid: string) => {
  const all = (await env.api.get('/api/tickets?limit=200')).body.items as any[];
  const ids = new Set<number>();
  for (const t of all) if ((await env.alertsOfTicket(t.id)).some((a: any) => a.alertUid === uid)) ids.add(t.id);
  return ids;
};

describe('orderings that must come out right', () => {
  let env: AlertsEnv;
  beforeAll(async () => {
    env = await startAlertsEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('resolve before raise: the resolve is remembered and the late raise opens no ticket', async () => {
    const alert = emulatorAlert(env.emu);
    const resolved = await env.webhook(resolveBody(alert.alertUid));
    expect(resolved).toMatchObject({ state: 'processed', ticketId: null });
    expect(await env.alert(alert.alertUid)).toMatchObject({ dattoState: 'resolved', heldReason: 'resolved', ticketId: null, occurrences: 0 });

    const raised = await env.webhook(raiseBody(alert.alertUid));
    expect(raised.state).toBe('ignored');
    expect(raised.reason).toMatch(/already resolved/);
    const mailed = await env.mail(alertMail({ uid: alert.alertUid }));
    expect(mailed.state).toBe('ignored');
    expect(await env.alert(alert.alertUid)).toMatchObject({ ticketId: null, occurrences: 2, via: ['webhook', 'email'] });
    expect((await env.api.get('/api/integrations/datto-rmm/alerts?heldReason=resolved')).body.counters.resolvedBeforeRaised).toBeGreaterThanOrEqual(1);
  });

  it('a replayed raise after the resolve counts once and does not reopen anything', async () => {
    const alert = emulatorAlert(env.emu);
    const first = await env.webhook(raiseBody(alert.alertUid));
    await env.webhook(resolveBody(alert.alertUid));
    expect((await env.ticket(first.ticketId!)).status).toBe('closed');
    const replay = await env.webhook(raiseBody(alert.alertUid));
    expect(replay.state).toBe('ignored');
    expect((await env.ticket(first.ticketId!)).status).toBe('closed');
    expect((await env.alert(alert.alertUid)).occurrences).toBe(1);
  });

  it('mail then webhook for one alert: one ticket', async () => {
    const alert = emulatorAlert(env.emu);
    const m = await env.mail(alertMail({ uid: alert.alertUid }));
    const d = await env.webhook(raiseBody(alert.alertUid));
    expect(d.ticketId).toBe(m.ticketId);
    expect(await env.alert(alert.alertUid)).toMatchObject({ ticketId: m.ticketId, occurrences: 2, via: ['email', 'webhook'] });
    expect(await ticketsOfAlert(env, alert.alertUid)).toEqual(new Set([m.ticketId]));
  });

  it('webhook then mail for one alert: one ticket', async () => {
    const alert = emulatorAlert(env.emu);
    const d = await env.webhook(raiseBody(alert.alertUid));
    const m = await env.mail(alertMail({ uid: alert.alertUid }));
    expect(m.ticketId).toBe(d.ticketId);
    expect(await env.alert(alert.alertUid)).toMatchObject({ ticketId: d.ticketId, occurrences: 2, via: ['webhook', 'email'] });
  });

  it('two e-mails for one alert uploaded at the same moment: one ticket', async () => {
    const alert = emulatorAlert(env.emu);
    const [a, b] = await Promise.all([env.upload(alertMail({ uid: alert.alertUid, body: 'one' })), env.upload(alertMail({ uid: alert.alertUid, body: 'two' }))]);
    const [ma, mb] = await Promise.all([env.waitMessage(a.id), env.waitMessage(b.id)]);
    expect(ma.ticketId).not.toBeNull();
    expect(mb.ticketId).toBe(ma.ticketId);
    expect((await env.alert(alert.alertUid)).occurrences).toBe(2);
  });

  it(`two workers running the rule action for one alert in overlapping transactions (${testDialect}): one ticket`, async () => {
    const alert = emulatorAlert(env.emu);
    const action = env.server.ctx.modules.flatMap((m) => m.ruleActions).find((a) => a.type === 'datto-rmm.alert') as RuleActionDefinition<any>;
    const mail = (n: number): InboundMail => ({
      inboundMessageId: 900_000 + n, mailboxId: env.mailboxId, messageId: `<race-${n}@rmm>`, from: { address: FROM, name: 'Datto RMM' },
      to: ['helpdesk@example-msp.com'], cc: [], subject: `Alert on device: 10.9.9.9, reason Race - Alert{${alert.alertUid}}`,
      text: `worker ${n}`, html: null, date: new Date(), inReplyTo: null, references: [], headers: {}, attachments: [],
    });
    let firstRan!: () => void;
    const ran = new Promise<void>((r) => (firstRan = r));
    const db = env.server.ctx.db;
    // The first transaction has created its ticket and still holds its row when the second starts.
    const t1 = db.transaction().execute(async (trx) => {
      const r = await action.run(trx, mail(1), {});
      firstRan();
      await new Promise((res) => setTimeout(res, 300));
      return r;
    });
    await ran;
    const t2 = db.transaction().execute((trx) => action.run(trx, mail(2), {}));
    const [r1, r2] = await Promise.all([t1, t2]);
    expect(r1.outcome).toBe('ticket_created');
    expect(r2).toMatchObject({ outcome: 'ticket_updated', ticketId: (r1 as { ticketId: number }).ticketId });
    expect((await env.alert(alert.alertUid)).occurrences).toBe(2);
  });

  it('a ticket closed while its enrichment is still running stays closed, and is resolved exactly once', async () => {
    const alert = emulatorAlert(env.emu, { priority: 'Critical' });
    env.emu.faults.slow(800, { method: 'GET', path: `/api/v2/alert/${alert.alertUid}`, count: 1 });
    const m = await env.mail(alertMail({ uid: alert.alertUid }));
    // The enrichment's GET is on its way when the ticket closes.
    await eventually(async () => env.emu.log.entries.some((e) => e.path === `/api/v2/alert/${alert.alertUid}`));
    expect((await env.api.post(`/api/tickets/${m.ticketId}/close`, {})).status).toBe(200);
    const link = await eventually(async () => {
      const a = await env.alert(alert.alertUid);
      return a.enrichedAt && a.resolveState === 'done' ? a : undefined;
    }, 15_000);
    expect(link.priority).toBe('Critical');
    const ticket = await env.ticket(m.ticketId!);
    expect(ticket.status).toBe('closed');
    // Closed by an agent: the ticket is theirs, enrichment only adds the details to its history.
    expect(ticket.priority).toBe(3);
    expect((await env.actions(ticket.id)).some((a) => a.kind === 'alert_details')).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(env.resolveCalls(alert.alertUid).filter((c) => c.status === 200)).toHaveLength(1);
    expect((await env.ticket(m.ticketId!)).status).toBe('closed');
  });
});
