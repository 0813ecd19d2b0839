import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { buildMail, createMailbox, ingest, storeRuleUnchecked } from '../support/mail-helpers.ts';
import { ensureSystemRule, updateSystemRule } from '../../src/rules/email-rule.service.ts';

describe('email rules', () => {
  let s: TestServer;
  let mailboxId: number;
  let otherMailboxId: number;
  const created: number[] = [];
  const rule = async (body: Record<string, unknown>) => {
    const r = await s.admin.post('/api/email-rules', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    created.push(r.body.id);
    return r.body;
  };
  const clear = async () => {
    for (const r of (await s.admin.get('/api/email-rules')).body.items) await s.admin.delete(`/api/email-rules/${r.id}?force=true`);
  };

  beforeAll(async () => {
    s = await startTestServer();
    mailboxId = await createMailbox(s);
    otherMailboxId = await createMailbox(s, { name: 'Other', kind: 'upload' });
  });
  afterAll(async () => { await s?.stop(); });

  it('creates, reads, replaces, patches and deletes a rule; lists in order', async () => {
    await clear();
    const a = await rule({ name: 'A', conditions: [{ field: 'subject', operator: 'contains', value: 'x' }], actions: [{ type: 'ignore' }] });
    const b = await rule({ name: 'B', match: 'any', conditions: [{ field: 'mailbox', value: mailboxId }], actions: [{ type: 'create-ticket', params: { priority: 1 } }] });
    expect(a).toMatchObject({ enabled: true, match: 'all', systemKey: null, actions: [{ type: 'ignore', params: {} }] });
    expect(b.conditions).toEqual([{ field: 'mailbox', operator: 'equals', value: mailboxId }]);
    expect((await s.admin.get('/api/email-rules')).body.items.map((r: any) => r.name)).toEqual(['A', 'B']);
    expect((await s.admin.get(`/api/email-rules/${a.id}`)).body.name).toBe('A');
    const put = await s.admin.put(`/api/email-rules/${a.id}`, { name: 'A2', conditions: [], actions: [{ type: 'ignore', params: { reason: 'r' } }] });
    expect(put.body).toMatchObject({ name: 'A2', conditions: [], actions: [{ type: 'ignore', params: { reason: 'r' } }] });
    const patch = await s.admin.patch(`/api/email-rules/${a.id}`, { enabled: false });
    expect(patch.body).toMatchObject({ name: 'A2', enabled: false });
    expect((await s.admin.delete(`/api/email-rules/${a.id}`)).status).toBe(204);
    expect((await s.admin.get(`/api/email-rules/${a.id}`)).status).toBe(404);
    const items = (await s.admin.get('/api/email-rules/action-types')).body.items as Array<{ type: string; takesParams: boolean }>;
    expect(items.map((t) => t.type)).toEqual(expect.arrayContaining(['create-ticket', 'add-to-ticket', 'ignore']));
    // The Datto RMM alert action has no options; the form says so instead of offering a JSON box.
    expect(items.find((t) => t.type === 'datto-rmm.alert')?.takesParams).toBe(false);
    expect(items.find((t) => t.type === 'create-ticket')?.takesParams).toBe(true);
  });

  it('refuses invalid rules with 400/422 naming the field', async () => {
    const bad = async (body: unknown) => s.admin.post('/api/email-rules', body);
    const regex = await bad({ name: 'r', conditions: [{ field: 'subject', operator: 'regex', value: '([a-z' }], actions: [{ type: 'ignore' }] });
    expect(regex.status).toBe(400);
    expect(regex.body.error.message).toMatch(/conditions\.0\.value/);
    expect(regex.body.error.message).toMatch(/does not compile/);
    // Rule regexes run on RE2, which has no back-references or look-around: refused, saying why.
    for (const value of ['(a)\\1', 'foo(?=bar)']) {
      const unsupported = await bad({ name: 'r', conditions: [{ field: 'body', operator: 'regex', value }], actions: [{ type: 'ignore' }] });
      expect(unsupported.status, value).toBe(400);
      expect(unsupported.body.error.message).toMatch(/conditions\.0\.value: regex does not compile: .*back-references and look-around are not supported/);
    }
    // Counted repetitions inflate the compiled program, and matching time with it: capped.
    for (const value of ['(?:.?.?.?.?.?.?.?.?.?.?){1000}z', '(\\p{L}?){1000}\\p{N}', '(?:[a-z]?){300}!']) {
      const huge = await bad({ name: 'r', conditions: [{ field: 'body', operator: 'regex', value }], actions: [{ type: 'ignore' }] });
      expect(huge.status, value).toBe(400);
      expect(huge.body.error.message).toMatch(/conditions\.0\.value: regex is too large once its repetitions are expanded \(\d+ steps, at most 200\)/);
    }
    const escaped = await bad({ name: 'r', conditions: [{ field: 'body', operator: 'regex', value: 'caf\\u00e9' }], actions: [{ type: 'ignore' }] });
    expect(escaped.body.error.message).toMatch(/write a character by its code as \\x\{e9\}/);
    // Everyday patterns stay well inside the cap.
    for (const value of ['[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '\\b(disk|cpu|memory)\\s+(usage|load)\\s+above\\s+\\d{2,3}%', '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$']) {
      const ok = await s.admin.post('/api/email-rules', { name: 'fine', conditions: [{ field: 'body', operator: 'regex', value }], actions: [{ type: 'ignore' }] });
      expect(ok.status, value).toBe(201);
      await s.admin.delete(`/api/email-rules/${ok.body.id}`);
    }
    const unknownAction = await bad({ name: 'r', conditions: [], actions: [{ type: 'send-fax' }] });
    expect(unknownAction.status).toBe(422);
    expect(unknownAction.body.error.message).toMatch(/actions\.0\.type/);
    const badParams = await bad({ name: 'r', conditions: [], actions: [{ type: 'create-ticket', params: { priority: 9 } }] });
    expect(badParams.status).toBe(422);
    expect(badParams.body.error.message).toMatch(/actions\.0\.params\.priority/);
    const badGroup = await bad({ name: 'r', conditions: [], actions: [{ type: 'create-ticket', params: { groupBySubject: 'no group' } }] });
    expect(badGroup.status).toBe(422);
    expect(badGroup.body.error.message).toMatch(/groupBySubject/);
    // Only real capturing groups count: escaped or bracketed parentheses and (?:…) capture nothing.
    for (const groupBySubject of ['(?:abc)', '\\(abc\\)', 'Alert\\{\\([0-9a-f-]+\\)\\}', '[(]abc[)]', '\\Q(abc)\\E']) {
      const r = await bad({ name: 'r', conditions: [], actions: [{ type: 'create-ticket', params: { groupBySubject } }] });
      expect(r.status, groupBySubject).toBe(422);
      expect(r.body.error.message, groupBySubject).toMatch(/^actions\.0\.params\.groupBySubject: needs one capture group/);
    }
    for (const groupBySubject of ['(abc)', '\\((abc)\\)', '[(](abc)[)]', '(?<key>abc)', '(?P<key>abc)']) {
      const ok = await s.admin.post('/api/email-rules', { name: 'grouped', conditions: [], actions: [{ type: 'create-ticket', params: { groupBySubject } }] });
      expect(ok.status, groupBySubject).toBe(201);
      await s.admin.delete(`/api/email-rules/${ok.body.id}`);
    }
    expect((await bad({ name: 'r', conditions: [], actions: [] })).status).toBe(400);
    const unknownField = await bad({ name: 'r', conditions: [{ field: 'header', operator: 'equals', value: 'x' }], actions: [{ type: 'ignore' }] });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.message).toMatch(/^body\.conditions\.0\.field: .*'mailbox' \| 'from' \| 'to' \| 'cc' \| 'subject' \| 'body'/);
    const noValue = await bad({ name: 'r', conditions: [{ field: 'from', operator: 'equals' }], actions: [{ type: 'ignore' }] });
    expect(noValue.body.error.message).toMatch(/^body\.conditions\.0\.value: /);
    const textMailbox = await bad({ name: 'r', conditions: [{ field: 'mailbox', value: 'support' }], actions: [{ type: 'ignore' }] });
    expect(textMailbox.body.error.message).toMatch(/^body\.conditions\.0\.value: .*expected number/);
  });

  it('refuses a rule naming a mailbox, ticket type, customer, site or ticket that does not exist, on create and on change', async () => {
    const bad = async (body: unknown) => s.admin.post('/api/email-rules', body);
    const noType = await bad({ name: 'r', conditions: [], actions: [{ type: 'create-ticket', params: { ticketTypeId: 999999 } }] });
    expect(noType.status).toBe(422);
    expect(noType.body.error).toMatchObject({ code: 'unknown_reference', message: 'actions.0.params.ticketTypeId: no ticket type 999999' });
    const noMailbox = await bad({ name: 'r', conditions: [{ field: 'mailbox', value: 999999 }], actions: [{ type: 'ignore' }] });
    expect(noMailbox.status).toBe(422);
    expect(noMailbox.body.error.message).toBe('conditions.0.value: no mailbox 999999');
    const noTicket = await bad({ name: 'r', conditions: [], actions: [{ type: 'add-to-ticket', params: { ticketId: 999999 } }] });
    expect(noTicket.body.error.message).toBe('actions.0.params.ticketId: no ticket 999999');
    const c1 = (await s.admin.post('/api/customers', { name: 'Rule Customer One', mainSiteName: 'HQ' })).body;
    const c2 = (await s.admin.post('/api/customers', { name: 'Rule Customer Two', mainSiteName: 'HQ' })).body;
    const mixed = await bad({ name: 'r', conditions: [], actions: [{ type: 'create-ticket', params: { customerId: c1.id, siteId: c2.mainSiteId } }] });
    expect(mixed.body.error).toMatchObject({ code: 'site_not_of_customer', message: `actions.0.params.siteId: site ${c2.mainSiteId} does not belong to customer ${c1.id}` });
    const ok = await rule({ name: 'refs', conditions: [{ field: 'mailbox', value: mailboxId }], actions: [{ type: 'create-ticket', params: { customerId: c1.id, siteId: c1.mainSiteId } }] });
    const patched = await s.admin.patch(`/api/email-rules/${ok.id}`, { actions: [{ type: 'create-ticket', params: { customerId: 999999 } }] });
    expect(patched.status).toBe(422);
    expect(patched.body.error.message).toBe('actions.0.params.customerId: no customer 999999');
    expect((await s.admin.get(`/api/email-rules/${ok.id}`)).body.actions[0].params).toEqual({ customerId: c1.id, siteId: c1.mainSiteId });
    expect(ok.problems).toEqual([]);
    await s.admin.delete(`/api/email-rules/${ok.id}`);

    // A mailbox deleted with force leaves the rule naming it: the rule says so, in the list and on its own.
    const doomed = await createMailbox(s, { name: 'Doomed', kind: 'upload' });
    const orphan = await rule({ name: 'orphan', conditions: [{ field: 'mailbox', value: doomed }], actions: [{ type: 'ignore' }] });
    const refused = await s.admin.delete(`/api/mailboxes/${doomed}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(`Mailbox ${doomed} is named by the email rule "orphan" (#${orphan.id}); change it first, `
      + 'or delete the mailbox with ?force=true (such a condition then matches no mail, and the rule is flagged)');
    expect(refused.body.error.details).toEqual({ messages: 0, rules: [{ id: orphan.id, name: 'orphan' }] });
    expect((await s.admin.delete(`/api/mailboxes/${doomed}?force=true`)).status).toBe(204);
    const expected = [{ field: 'conditions.0.value', message: `no mailbox ${doomed}` }];
    expect((await s.admin.get(`/api/email-rules/${orphan.id}`)).body.problems).toEqual(expected);
    expect(((await s.admin.get('/api/email-rules')).body.items as any[]).find((r) => r.id === orphan.id).problems).toEqual(expected);
    await s.admin.delete(`/api/email-rules/${orphan.id}`);
  });

  it('acceptAutomated: defaults to false, is created, patched, replaced and listed; a non-boolean is refused naming the field', async () => {
    await clear();
    const plain = await rule({ name: 'Plain', conditions: [], actions: [{ type: 'ignore' }] });
    const machine = await rule({ name: 'Machine', conditions: [], actions: [{ type: 'create-ticket' }], acceptAutomated: true });
    expect(plain.acceptAutomated).toBe(false);
    expect(machine.acceptAutomated).toBe(true);
    expect((await s.admin.patch(`/api/email-rules/${plain.id}`, { acceptAutomated: true })).body).toMatchObject({ name: 'Plain', acceptAutomated: true });
    expect((await s.admin.patch(`/api/email-rules/${machine.id}`, { enabled: false })).body).toMatchObject({ enabled: false, acceptAutomated: true });
    expect((await s.admin.get(`/api/email-rules/${plain.id}`)).body.acceptAutomated).toBe(true);
    const listed = (await s.admin.get('/api/email-rules')).body.items.map((r: any) => [r.name, r.acceptAutomated]);
    expect(listed).toEqual([['Plain', true], ['Machine', true]]);
    // PUT replaces the whole rule: left out, the flag goes back to its default.
    const put = await s.admin.put(`/api/email-rules/${machine.id}`, { name: 'Machine', conditions: [], actions: [{ type: 'create-ticket' }] });
    expect(put.body.acceptAutomated).toBe(false);

    const badCreate = await s.admin.post('/api/email-rules', { name: 'r', actions: [{ type: 'ignore' }], acceptAutomated: 'yes' });
    expect(badCreate.status).toBe(400);
    expect(badCreate.body.error.message).toMatch(/acceptAutomated/);
    const unknownKey = await s.admin.patch(`/api/email-rules/${plain.id}`, { position: -5, enabled: false });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.error.message).toMatch(/Unrecognized key: "position"/);
    expect((await s.admin.get(`/api/email-rules/${plain.id}`)).body.enabled).toBe(true);
    const badPatch = await s.admin.patch(`/api/email-rules/${plain.id}`, { acceptAutomated: 1 });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.message).toMatch(/acceptAutomated/);
    expect((await s.admin.get(`/api/email-rules/${plain.id}`)).body.acceptAutomated).toBe(true);
  });

  it('only administrators change rules; agents read them', async () => {
    await s.admin.post('/api/agents', { email: 'agent@example.test', name: 'Agent', role: 'agent', password: 'agent-password-1' });
    const { login } = await import('../support/test-server.ts');
    const agent = await login(s.url, 'agent@example.test', 'agent-password-1');
    expect((await agent.get('/api/email-rules')).status).toBe(200);
    expect((await agent.post('/api/email-rules', { name: 'x', actions: [{ type: 'ignore' }] })).status).toBe(403);
    expect((await agent.get('/api/mailboxes')).status).toBe(200);
    expect((await agent.post('/api/mailboxes', { name: 'x', kind: 'upload' })).status).toBe(403);
  });

  it('evaluates in order, first match wins, disabled rules are skipped, reorder changes the outcome', async () => {
    await clear();
    const ignore = await rule({
      name: 'Ignore monitoring noise', conditions: [{ field: 'subject', operator: 'regex', value: '^\\[monitor\\]' }],
      actions: [{ type: 'ignore', params: { reason: 'noise' } }],
    });
    const urgent = await rule({
      name: 'Urgent from the boss', match: 'any',
      conditions: [{ field: 'from', operator: 'equals', value: 'boss@example.com' }, { field: 'subject', operator: 'contains', value: 'URGENT' }],
      actions: [{ type: 'create-ticket', params: { priority: 1 } }],
    });
    const mail = () => buildMail({ from: 'Boss <boss@example.com>', subject: '[monitor] URGENT disk full' });

    const first = await ingest(s, mailboxId, mail());
    expect(first).toMatchObject({ state: 'ignored', ruleName: 'Ignore monitoring noise', reason: 'noise' });

    await s.admin.patch(`/api/email-rules/${ignore.id}`, { enabled: false });
    const second = await ingest(s, mailboxId, mail());
    expect(second).toMatchObject({ state: 'processed', ruleName: 'Urgent from the boss' });
    expect((await s.admin.get(`/api/tickets/${second.ticketId}`)).body.priority).toBe(1);

    await s.admin.patch(`/api/email-rules/${ignore.id}`, { enabled: true });
    const reordered = await s.admin.post('/api/email-rules/reorder', { ids: [urgent.id, ignore.id] });
    expect(reordered.status).toBe(200);
    expect(reordered.body.items.map((r: any) => r.name)).toEqual(['Urgent from the boss', 'Ignore monitoring noise']);
    const third = await ingest(s, mailboxId, mail());
    expect(third).toMatchObject({ state: 'processed', ruleName: 'Urgent from the boss' });

    expect((await s.admin.post('/api/email-rules/reorder', { ids: [urgent.id] })).status).toBe(422);
    expect((await s.admin.post('/api/email-rules/reorder', { ids: [urgent.id, ignore.id, 424242] })).status).toBe(422);
  });

  it('matches mailbox, to/cc, body, equals/contains/regex case-insensitively, all vs any', async () => {
    await clear();
    await rule({
      name: 'Billing on the other mailbox', match: 'all',
      conditions: [
        { field: 'mailbox', value: otherMailboxId },
        { field: 'to', operator: 'equals', value: 'BILLING@example.test' },
        { field: 'body', operator: 'regex', value: 'invoice\\s+#\\d+' },
      ],
      actions: [{ type: 'create-ticket', params: { priority: 2 } }],
    });
    const inOther = await ingest(s, otherMailboxId, buildMail({ to: 'helpdesk@example.test', headers: { Cc: 'Billing@Example.test' }, body: 'About INVOICE  #42 please' }));
    expect(inOther.ruleName).toBe('Billing on the other mailbox');
    const inFirst = await ingest(s, mailboxId, buildMail({ to: 'billing@example.test', body: 'About invoice #42' }));
    expect(inFirst.ruleName).toBeNull();
    const noBody = await ingest(s, otherMailboxId, buildMail({ to: 'billing@example.test', body: 'no number here' }));
    expect(noBody.ruleName).toBeNull();
  });

  it('patterns that backtrack for ever elsewhere run in linear time here; contains sees the whole of a long subject', async () => {
    await clear();
    // Each of these takes seconds to hours on a backtracking engine against the mail below.
    const hostile = ['(a|a)+b', '(a|aa)+$', '(.*a){12}$', 'a*a*a*a*a*a*a*a*a*a*a*b', '(\\w|\\d)+$', '^(a+)+$'];
    for (const [i, value] of hostile.entries()) {
      await rule({ name: `Hostile ${i}`, conditions: [{ field: i % 2 ? 'body' : 'subject', operator: 'regex', value: `${value}x` }], actions: [{ type: 'ignore' }] });
    }
    await rule({ name: 'Tagged', conditions: [{ field: 'subject', operator: 'contains', value: 'Alert{' }], actions: [{ type: 'create-ticket', params: { priority: 1 } }] });
    const a = 'a'.repeat(5_000);
    const plain = await ingest(s, mailboxId, buildMail({ subject: a, body: `${a}${a}` }));
    expect(plain).toMatchObject({ state: 'processed', ruleName: null });
    // The tag at the end of a subject longer than what a regex sees is still found by contains.
    const tagged = await ingest(s, mailboxId, buildMail({ subject: `Event log: ${'x'.repeat(12_000)} - Alert{0123abcd-0000-4000-8000-000000000001}` }));
    expect(tagged).toMatchObject({ state: 'processed', ruleName: 'Tagged' });
  });

  it('"ignore" is refused beside other actions; a rule stored with one before ignores nothing it already put on a ticket', async () => {
    await clear();
    const mixed = await s.admin.post('/api/email-rules', { name: 'Both', actions: [{ type: 'create-ticket' }, { type: 'ignore' }] });
    expect(mixed.status).toBe(422);
    expect(mixed.body.error).toEqual({
      code: 'ignore_with_other_actions', message: 'actions.1.type: Ignore ends the rule: it cannot be combined with other actions',
      details: [{ field: 'actions.1.type', message: 'Ignore ends the rule: it cannot be combined with other actions' }],
    });
    const id = await storeRuleUnchecked(s.ctx.db, {
      name: 'Stored before', conditions: [{ field: 'subject', operator: 'contains', value: 'make and ignore' }],
      actions: [{ type: 'create-ticket', params: {} }, { type: 'ignore', params: {} }],
    });
    const m = await ingest(s, mailboxId, buildMail({ subject: 'make and ignore' }));
    expect(m).toMatchObject({ state: 'processed', ruleId: id, ticketId: expect.any(Number) });
    expect((await s.admin.post(`/api/inbound-messages/${m.id}/replay`)).status).toBe(409);
    const history = (await s.admin.get(`/api/tickets/${m.ticketId}/actions`)).body.items.filter((a: { kind: string }) => a.kind === 'email');
    expect(history).toHaveLength(1);
  });

  it('adds to an existing ticket by id, and groups by a subject key', async () => {
    await clear();
    const target = await s.admin.post('/api/tickets', { summary: 'Collector' });
    await rule({
      name: 'Collect', conditions: [{ field: 'subject', operator: 'contains', value: 'collect me' }],
      actions: [{ type: 'add-to-ticket', params: { ticketId: target.body.id } }],
    });
    await rule({
      name: 'Alerts', conditions: [{ field: 'subject', operator: 'contains', value: 'Alert{' }],
      actions: [{ type: 'create-ticket', params: { groupBySubject: 'Alert\\{([0-9a-f-]+)\\}', priority: 2 } }],
    });
    const c = await ingest(s, mailboxId, buildMail({ subject: 'please collect me' }));
    expect(c).toMatchObject({ state: 'processed', ticketId: target.body.id, ruleName: 'Collect' });
    const a1 = await ingest(s, mailboxId, buildMail({ subject: 'Disk - Alert{aaaa-1}' }));
    const a2 = await ingest(s, mailboxId, buildMail({ subject: 'Disk again - Alert{AAAA-1}' }));
    const b1 = await ingest(s, mailboxId, buildMail({ subject: 'CPU - Alert{bbbb-2}' }));
    expect(a2.ticketId).toBe(a1.ticketId);
    expect(b1.ticketId).not.toBe(a1.ticketId);
    expect(a2.reason).toMatch(new RegExp(`added to ticket #${a1.ticketId}`));
    // Once that ticket is closed, the same key opens a new one.
    await s.admin.post(`/api/tickets/${a1.ticketId}/close`, {});
    const a3 = await ingest(s, mailboxId, buildMail({ subject: 'Disk third - Alert{aaaa-1}' }));
    expect(a3.ticketId).not.toBe(a1.ticketId);
    const a4 = await ingest(s, mailboxId, buildMail({ subject: 'Disk fourth - Alert{aaaa-1}' }));
    expect(a4.ticketId).toBe(a3.ticketId);
  });

  it('runs an action a module provides and validates its params on save', async () => {
    // The module registry is read when rules are saved and mail is processed: add a module action at runtime.
    const { z } = await import('zod');
    const seen: string[] = [];
    s.ctx.modules.push({
      key: 'test-module', name: 'Test', description: '', jobs: [], ticketHooks: {}, routes: () => {}, schedules: async () => [], isEnabled: async () => true,
      ruleActions: [{
        type: 'test-module.tag', label: 'Tag', params: z.object({ tag: z.string().min(1) }),
        async run(_trx, mail, p) {
          seen.push(`${p.tag}:${mail.subject}`);
          return { outcome: 'ignored', reason: `tagged ${p.tag}` };
        },
      }],
    });
    await clear();
    expect((await s.admin.post('/api/email-rules', { name: 'm', actions: [{ type: 'test-module.tag', params: {} }] })).status).toBe(422);
    await rule({ name: 'Module rule', conditions: [{ field: 'subject', operator: 'contains', value: 'tag me' }], actions: [{ type: 'test-module.tag', params: { tag: 'x' } }] });
    const m = await ingest(s, mailboxId, buildMail({ subject: 'please tag me' }));
    expect(m).toMatchObject({ state: 'ignored', ruleName: 'Module rule', reason: 'tagged x' });
    expect(seen).toEqual(['x:please tag me']);
    s.ctx.modules.pop();
    // Without the module, its rule fails the message (and it can be replayed once the module is back).
    const orphan = await ingest(s, mailboxId, buildMail({ subject: 'tag me again' }));
    expect(orphan).toMatchObject({ state: 'failed', ruleName: 'Module rule' });
    expect(orphan.reason).toMatch(/test-module\.tag/);
  });

  describe('machine-sent mail (Auto-Submitted, Precedence)', () => {
    const monitorMail = (headers: Record<string, string>) => buildMail({ from: 'monitor@noc.example', subject: 'Backup failed on FS01', headers });

    it('matching a rule that does not accept automated mail: ignored with the reason and the rule, no ticket', async () => {
      await clear();
      await rule({ name: 'NOC', conditions: [{ field: 'from', operator: 'equals', value: 'monitor@noc.example' }], actions: [{ type: 'create-ticket', params: { priority: 1 } }] });
      const generated = await ingest(s, mailboxId, monitorMail({ 'Auto-Submitted': 'auto-generated' }));
      expect(generated).toMatchObject({
        state: 'ignored', ticketId: null, ruleName: 'NOC', reason: 'automated: Auto-Submitted: auto-generated; rule "NOC" does not accept automated mail',
      });
      const bulk = await ingest(s, mailboxId, monitorMail({ Precedence: 'bulk' }));
      expect(bulk).toMatchObject({ state: 'ignored', ticketId: null, ruleName: 'NOC', reason: 'automated: Precedence: bulk; rule "NOC" does not accept automated mail' });
      // Auto-Submitted: no is a person's mail.
      expect(await ingest(s, mailboxId, monitorMail({ 'Auto-Submitted': 'no' }))).toMatchObject({ state: 'processed', ruleName: 'NOC' });
    });

    it('the same rule with acceptAutomated makes the tickets', async () => {
      await clear();
      await rule({
        name: 'NOC', acceptAutomated: true,
        conditions: [{ field: 'from', operator: 'equals', value: 'monitor@noc.example' }], actions: [{ type: 'create-ticket', params: { priority: 1 } }],
      });
      const cases: Array<Record<string, string>> = [{ 'Auto-Submitted': 'auto-generated' }, { Precedence: 'bulk' }];
      for (const headers of cases) {
        const m = await ingest(s, mailboxId, monitorMail(headers));
        expect(m, JSON.stringify(headers)).toMatchObject({ state: 'processed', ruleName: 'NOC' });
        expect(m.reason).toMatch(/^created ticket #\d+/);
        expect((await s.admin.get(`/api/tickets/${m.ticketId}`)).body.priority).toBe(1);
      }
    });

    it('without a matching rule it neither opens a ticket nor joins one by reply', async () => {
      await clear();
      await rule({ name: 'Elsewhere', acceptAutomated: true, conditions: [{ field: 'subject', operator: 'contains', value: 'no such subject' }], actions: [{ type: 'create-ticket' }] });
      const first = await ingest(s, mailboxId, buildMail({ subject: 'VPN down', messageId: '<vpn-1@customer.example>' }));
      const number = (await s.admin.get(`/api/tickets/${first.ticketId}`)).body.number;
      const tagged = await ingest(s, mailboxId, buildMail({ subject: `Re: [#${number}] VPN down`, headers: { 'Auto-Submitted': 'auto-generated' } }));
      expect(tagged).toMatchObject({ state: 'ignored', ticketId: null, ruleName: null, reason: 'automated: Auto-Submitted: auto-generated; no rule matched' });
      const threaded = await ingest(s, mailboxId, buildMail({ subject: 'Re: VPN down', headers: { 'In-Reply-To': '<vpn-1@customer.example>', Precedence: 'list' } }));
      expect(threaded).toMatchObject({ state: 'ignored', ticketId: null, reason: 'automated: Precedence: list; no rule matched' });
      const history = (await s.admin.get(`/api/tickets/${first.ticketId}/actions?limit=200`)).body.items.filter((a: any) => a.kind === 'email');
      expect(history).toHaveLength(1);
    });

    it('bounces and auto-replies stay ignored before any rule, even one that accepts automated mail', async () => {
      await clear();
      await rule({ name: 'Everything', acceptAutomated: true, conditions: [], actions: [{ type: 'create-ticket' }] });
      const ooo = await ingest(s, mailboxId, monitorMail({ 'Auto-Submitted': 'auto-replied' }));
      expect(ooo).toMatchObject({ state: 'ignored', ticketId: null, ruleName: null, reason: 'auto-reply: Auto-Submitted: auto-replied' });
    });
  });

  it('ensureSystemRule creates a module rule once; user edits win; delete needs force', async () => {
    await clear();
    await rule({ name: 'Catch-all', conditions: [], actions: [{ type: 'create-ticket' }] });
    const input = {
      systemKey: 'datto-rmm-alerts', name: 'Datto RMM Alerts',
      conditions: [{ field: 'from' as const, operator: 'equals' as const, value: 'alerts@rmm.example.com' }],
      actions: [{ type: 'ignore', params: { reason: 'module' } }],
    };
    const made = await s.ctx.db.transaction().execute((trx) => ensureSystemRule(trx, input));
    expect(made).toMatchObject({ name: 'Datto RMM Alerts', systemKey: 'datto-rmm-alerts', enabled: true, acceptAutomated: false });
    const list = (await s.admin.get('/api/email-rules')).body.items;
    expect(list[0].systemKey).toBe('datto-rmm-alerts');

    await s.admin.patch(`/api/email-rules/${made.id}`, { name: 'My Datto rule', enabled: false });
    const again = await ensureSystemRule(s.ctx.db, { ...input, name: 'Datto RMM Alerts (new)' });
    expect(again).toMatchObject({ id: made.id, name: 'My Datto rule', enabled: false });
    expect((await s.admin.get('/api/email-rules')).body.items.filter((r: any) => r.systemKey === 'datto-rmm-alerts')).toHaveLength(1);

    const updated = await updateSystemRule(s.ctx.db, 'datto-rmm-alerts', { conditions: [{ field: 'from', operator: 'equals', value: 'new@rmm.example.com' }] });
    expect(updated?.conditions[0]).toMatchObject({ value: 'new@rmm.example.com' });
    expect(await updateSystemRule(s.ctx.db, 'datto-rmm-alerts', { acceptAutomated: true })).toMatchObject({ acceptAutomated: true, name: 'My Datto rule' });
    expect(await updateSystemRule(s.ctx.db, 'no-such-key', { name: 'x' })).toBeNull();
    await expect(ensureSystemRule(s.ctx.db, { ...input, systemKey: 'bad', conditions: [{ field: 'subject', operator: 'regex', value: '(' }] as any }))
      .rejects.toThrow(/conditions\.0\.value/);

    const del = await s.admin.delete(`/api/email-rules/${made.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toMatch(/force=true/);
    expect((await s.admin.delete(`/api/email-rules/${made.id}?force=true`)).status).toBe(204);
  });
});
