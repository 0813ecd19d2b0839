import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('tickets API', () => {
  let s: TestServer;
  let contoso: { id: number; mainSiteId: number };
  let fabrikam: { id: number; mainSiteId: number };
  const created: any[] = [];

  beforeAll(async () => {
    s = await startTestServer();
    contoso = (await s.admin.post('/api/customers', { name: 'Contoso Ltd', mainSiteName: 'Head office' })).body;
    fabrikam = (await s.admin.post('/api/customers', { name: 'Fabrikam Dental', mainSiteName: 'Surgery' })).body;
    for (let i = 0; i < 25; i++) {
      const c = i % 2 === 0 ? contoso : fabrikam;
      const r = await s.admin.post('/api/tickets', {
        summary: i === 7 ? 'Printer 100% offline_now' : `Issue ${i}`, priority: (i % 4) + 1, customerId: c.id, siteId: c.mainSiteId,
      });
      expect(r.status).toBe(201);
      created.push(r.body);
    }
  });
  afterAll(async () => { await s?.stop(); });

  it('pages with a keyset cursor, newest first, without gaps or repeats', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await s.admin.get(`/api/tickets?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((t: any) => t.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(created.map((t) => t.id).reverse());
  });

  it('sorts by priority with a stable tie-break across pages', async () => {
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await s.admin.get(`/api/tickets?limit=7&sort=priority${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    const expected = [...created].sort((a, b) => a.priority - b.priority || a.id - b.id).map((t) => t.id);
    expect(seen.map((t) => t.id)).toEqual(expected);
  });

  it('filters by customer, site, status, priority, source and text', async () => {
    const byCustomer = await s.admin.get(`/api/tickets?customerId=${fabrikam.id}&limit=200`);
    expect(byCustomer.body.items).toHaveLength(12);
    expect(byCustomer.body.items.every((t: any) => t.customerId === fabrikam.id)).toBe(true);
    expect((await s.admin.get(`/api/tickets?siteId=${contoso.mainSiteId}&limit=200`)).body.items).toHaveLength(13);
    expect((await s.admin.get('/api/tickets?priority=1&limit=200')).body.items.every((t: any) => t.priority === 1)).toBe(true);
    expect((await s.admin.get('/api/tickets?source=email')).body.items).toHaveLength(0);
    // % and _ are literal characters in the text filter, and it ignores case.
    const text = await s.admin.get(`/api/tickets?q=${encodeURIComponent('100% OFFLINE_')}`);
    expect(text.body.items.map((t: any) => t.summary)).toEqual(['Printer 100% offline_now']);
    expect((await s.admin.get(`/api/tickets?q=${encodeURIComponent('0%')}`)).body.items).toHaveLength(1);
  });

  it('changes status and fields with history, closes, counts and reopens', async () => {
    const t = created[3];
    const patched = await s.admin.patch(`/api/tickets/${t.id}`, { status: 'in_progress', priority: 1, siteId: null });
    expect(patched.body).toMatchObject({ status: 'in_progress', priority: 1, siteId: null, workedByAgent: true });
    expect((await s.admin.post(`/api/tickets/${t.id}/actions`, { body: 'Called the user' })).status).toBe(201);
    const closed = await s.admin.post(`/api/tickets/${t.id}/close`, { note: 'Fixed' });
    expect(closed.body.status).toBe('closed');
    expect(closed.body.closedAt).not.toBeNull();
    const history = (await s.admin.get(`/api/tickets/${t.id}/actions`)).body.items.map((a: any) => [a.kind, a.body]);
    expect(history).toEqual([
      ['system', 'Ticket opened (api)'],
      ['status_change', 'Status new → in_progress'],
      ['field_change', expect.stringContaining('priority')],
      ['note', 'Called the user'],
      ['note', 'Fixed'],
      ['status_change', 'Status in_progress → closed'],
    ]);
    const counts = (await s.admin.get('/api/tickets/counts')).body;
    expect(counts.byStatus.closed).toBe(1);
    expect(counts.total).toBe(25);
    expect((await s.admin.get('/api/tickets?status=closed')).body.items.map((x: any) => x.id)).toEqual([t.id]);
    const reopened = await s.admin.patch(`/api/tickets/${t.id}`, { status: 'in_progress' });
    expect(reopened.body).toMatchObject({ status: 'in_progress', closedAt: null });
    const unknownField = await s.admin.patch(`/api/tickets/${t.id}`, { summary: 'renamed', foo: 1 });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.message).toBe('body.foo: Unrecognized key');
    expect((await s.admin.get(`/api/tickets/${t.id}`)).body.summary).not.toBe('renamed');
    // Closing needs no body: none at all, or an empty one sent as JSON.
    const bare = await s.admin.post(`/api/tickets/${t.id}/close`);
    expect(bare.status, JSON.stringify(bare.body)).toBe(200);
    expect((await s.admin.patch(`/api/tickets/${t.id}`, { status: 'in_progress' })).status).toBe(200);
    const empty = await s.admin.post(`/api/tickets/${t.id}/close`, '', { contentType: 'application/json' });
    expect(empty.status, JSON.stringify(empty.body)).toBe(200);
  });

  it('refuses NUL in any text of a JSON body with 400 naming the field, on either database', async () => {
    const r = await s.admin.post('/api/tickets', { summary: 'ok', details: 'bad\u0000text' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'validation_failed', message: 'body.details: text must not contain NUL characters (\\u0000)' });
    const nested = await s.admin.post('/api/customers', { name: 'N', mainSiteName: 'S', notes: ['a', 'b\u0000'] });
    expect(nested.status).toBe(400);
    expect(nested.body.error.message).toMatch(/^body\.notes\.1: /);
    // JSON nested thousands deep (10 KB) is refused, signed in or not, instead of exhausting the stack.
    const deep = `{"email":"a@b.c","password":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    for (const [client, url] of [[s.anonymous, '/api/auth/login'], [s.admin, '/api/tickets']] as const) {
      const r = await client.post(url, deep, { contentType: 'application/json' });
      expect(r.status, url).toBe(400);
      expect(r.body.error.message).toBe('body: nested more than 64 levels deep');
    }
    // So are query strings: a search for text with NUL cannot match anything either database stores.
    for (const url of ['/api/tickets?q=a%00bc', '/api/tickets?q=%00abc', '/api/customers?q=x%00']) {
      const q = await s.admin.get(url);
      expect(q.status, url).toBe(400);
      expect(q.body.error.message).toBe('querystring.q: text must not contain NUL characters (\\u0000)');
    }
  });

  it('gives a ticket without a type the default type, whichever that is now', async () => {
    const types = (await s.admin.get('/api/ticket-types')).body.items as Array<{ id: number; isDefault: boolean }>;
    const before = types.find((t) => t.isDefault)!;
    expect((await s.admin.post('/api/tickets', { summary: 'Typed by default' })).body.ticketTypeId).toBe(before.id);
    const change = await s.admin.post('/api/ticket-types', { name: 'Change request', isDefault: true });
    expect(change.status).toBe(201);
    expect((await s.admin.post('/api/tickets', { summary: 'Typed by the new default' })).body.ticketTypeId).toBe(change.body.id);
    expect((await s.admin.post('/api/tickets', { summary: 'Typed on purpose', ticketTypeId: before.id })).body.ticketTypeId).toBe(before.id);
    await s.admin.patch(`/api/ticket-types/${before.id}`, { isDefault: true });
  });

  it('answers bad input with a clear error naming the field, never a 500', async () => {
    const noSummary = await s.admin.post('/api/tickets', { priority: 9 });
    expect(noSummary.status).toBe(400);
    expect(noSummary.body.error.code).toBe('validation_failed');
    expect(noSummary.body.error.message).toMatch(/summary/);
    expect(noSummary.body.error.message).toMatch(/priority/);
    const wrongSite = await s.admin.post('/api/tickets', { summary: 'x', customerId: contoso.id, siteId: fabrikam.mainSiteId });
    expect(wrongSite.status).toBe(422);
    expect(wrongSite.body.error.message).toMatch(/siteId/);
    expect((await s.admin.post('/api/tickets', { summary: 'x', ticketTypeId: 999 })).status).toBe(422);
    expect((await s.admin.get('/api/tickets/999999')).status).toBe(404);
    expect((await s.admin.get('/api/tickets/abc')).status).toBe(400);
    // Only decimal digits name a record: no hex, exponents or blanks.
    for (const id of ['0x10', '1e3', '%20', '1.0', '-1']) {
      const r = await s.admin.get(`/api/tickets/${id}`);
      expect(r.status, id).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    // Larger than any row's id (PostgreSQL's integer keys): refused where it comes in, on both databases.
    const bigId = 3_000_000_000;
    const tooLarge = [
      await s.admin.get(`/api/tickets/${bigId}`),
      await s.admin.get(`/api/tickets?customerId=${bigId}`),
      await s.admin.post('/api/tickets', { summary: 'x', customerId: bigId }),
      await s.admin.post('/api/email-rules', { name: 'huge', conditions: [{ field: 'mailbox', operator: 'equals', value: bigId }], actions: [{ type: 'ignore', params: {} }] }),
      await s.admin.put('/api/integrations/datto-rmm', { alerting: { mailboxId: bigId } }),
      await s.admin.get(`/api/integrations/datto-rmm/alerts?ticketId=${bigId}`),
    ];
    for (const r of tooLarge) {
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.message).toMatch(/no record has an id above 2147483647/);
    }
    expect((await s.admin.get('/api/tickets?limit=1e1')).status).toBe(400);
    expect((await s.admin.get(`/api/tickets?customerId=0x${contoso.id.toString(16)}`)).status).toBe(400);
    expect((await s.admin.get(`/api/tickets?customerId=${contoso.id}&limit=5`)).status).toBe(200);
    expect((await s.admin.get('/api/tickets?cursor=garbage')).status).toBe(400);
    expect((await s.admin.get('/api/tickets?sort=bogus')).status).toBe(422);
    const malformed = await fetch(`${s.url}/api/tickets`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: '' }, body: '{"summary":' });
    expect([400, 401]).toContain(malformed.status);
    const adminMalformed = await s.admin.post('/api/tickets', '{"summary":', { contentType: 'application/json' });
    expect(adminMalformed.status).toBe(400);
    expect(adminMalformed.body.error).toMatchObject({ code: 'invalid_json', message: expect.stringMatching(/^body: not valid JSON/) });
    const poisoned = await s.admin.post('/api/tickets', '{"summary":"x","__proto__":{"admin":true}}', { contentType: 'application/json' });
    expect(poisoned.body.error).toMatchObject({ code: 'invalid_json', message: expect.stringMatching(/__proto__/) });
    for (const [body, got] of [['null', 'null'], ['[1]', 'a list'], ['"text"', 'a string']]) {
      const notObject = await s.admin.post('/api/tickets', body, { contentType: 'application/json' });
      expect(notObject.status, body).toBe(400);
      expect(notObject.body.error.message).toBe(`body: a JSON object is required, not ${got}`);
    }
    // The router's own errors come in the same shape, without echoing the path back.
    const long = await s.admin.get(`/api/tickets/${'9'.repeat(5000)}`);
    expect(long.status).toBe(414);
    expect(long.body).toEqual({ error: { code: 'uri_too_long', message: 'A part of the URL path is longer than 100 characters' } });
    const huge = await s.admin.get(`/api/tickets?q=${'a'.repeat(20_000)}`);
    expect(huge.status).toBe(431);
    expect(huge.body).toEqual({ error: { code: 'request_too_large', message: 'The URL and headers of the request are larger than allowed (16 KB)' } });
    const badEscape = await s.admin.get('/api/tickets/%E0%A4%A');
    expect(badEscape.body).toEqual({ error: { code: 'bad_url', message: 'The URL is not valid: it has a broken percent-escape' } });
    expect((await s.admin.get('/api/no-such-route')).status).toBe(404);
    expect((await s.anonymous.get('/api/no-such-route')).status).toBe(404);
  });

  it('keeps a customer main site within the customer', async () => {
    const other = await s.admin.patch(`/api/customers/${contoso.id}`, { mainSiteId: fabrikam.mainSiteId });
    expect(other.status).toBe(422);
    const site = (await s.admin.post(`/api/customers/${contoso.id}/sites`, { name: 'Warehouse' })).body;
    expect(site.isMainSite).toBe(false);
    const ok = await s.admin.patch(`/api/customers/${contoso.id}`, { mainSiteId: site.id });
    expect(ok.body).toMatchObject({ mainSiteId: site.id, hasMainSite: true });
    const bare = (await s.admin.post('/api/customers', { name: 'No Site Inc' })).body;
    expect(bare.hasMainSite).toBe(false);
    const flagged = await s.admin.get('/api/customers?withoutMainSite=true');
    expect(flagged.body.items.map((c: any) => c.name)).toEqual(['No Site Inc']);
    const first = (await s.admin.post(`/api/customers/${bare.id}/sites`, { name: 'Only site' })).body;
    expect(first.isMainSite).toBe(true);
  });

  it('text search finds any piece of the summary, follows edits, and combines with filters and paging', async () => {
    const make = async (summary: string) => (await s.admin.post('/api/tickets', { summary })).body as { id: number };
    const disk = await make('Disk C: nearly full on SRV-FILE01');
    const quoted = await make('Backup job "Nightly" failed');
    const other = await make('Printer jammed on floor 2');
    const find = async (q: string, extra = '') =>
      ((await s.admin.get(`/api/tickets?q=${encodeURIComponent(q)}${extra}`)).body.items as Array<{ id: number }>).map((t) => t.id);

    expect(await find('ly full on srv-f')).toEqual([disk.id]);
    expect(await find('file01')).toEqual([disk.id]);
    expect(await find('"nightly"')).toEqual([quoted.id]);
    expect(await find('nightly" fail')).toEqual([quoted.id]);
    expect(await find('ob "')).toEqual([quoted.id]);
    expect(await find('r 2')).toEqual([other.id]);
    expect(await find('full  on')).toEqual([]);
    expect(await find('Printer jammed on floor 2 and more')).toEqual([]);

    // An edited summary is found by its new text only.
    expect((await s.admin.patch(`/api/tickets/${other.id}`, { summary: 'Scanner offline in reception' })).status).toBe(200);
    expect(await find('jammed')).toEqual([]);
    expect(await find('CANNER OFF')).toEqual([other.id]);

    // With other filters, and across pages, newest first.
    const many = [];
    for (let i = 0; i < 5; i++) many.push(await make(`Patch round ${i}: reboot needed`));
    await s.admin.post(`/api/tickets/${many[1]!.id}/close`, {});
    expect(await find('reboot need', '&status=closed')).toEqual([many[1]!.id]);
    const first = (await s.admin.get(`/api/tickets?q=reboot&limit=2`)).body;
    const second = (await s.admin.get(`/api/tickets?q=reboot&limit=2&cursor=${first.nextCursor}`)).body;
    const third = (await s.admin.get(`/api/tickets?q=reboot&limit=2&cursor=${second.nextCursor}`)).body;
    expect([...first.items, ...second.items, ...third.items].map((t: { id: number }) => t.id)).toEqual(many.map((t) => t.id).reverse());
    expect(third.nextCursor).toBeNull();

    // Text in thousands of summaries (served by a scan in list order rather than the index) pages the same way.
    const now = new Date().toISOString();
    const type = (await s.admin.get('/api/ticket-types')).body.items[0].id;
    const bulk = Array.from({ length: 2_500 }, (_, i) => ({
      number: 100_000 + i, summary: `Windows Update ${i % 2 ? 'pending' : 'failed'} on PC-${i}`, details: '', status: 'new' as const, priority: 3,
      ticket_type_id: type, source: 'api' as const, opened_at: now, updated_at: now, agent_touched: 0,
    }));
    for (let i = 0; i < bulk.length; i += 500) await s.ctx.db.insertInto('tickets').values(bulk.slice(i, i + 500)).execute();
    const common = (await s.admin.get('/api/tickets?q=windows%20update&limit=100')).body;
    expect(common.items).toHaveLength(100);
    expect(common.items.every((t: { summary: string }) => t.summary.startsWith('Windows Update'))).toBe(true);
    const ids = common.items.map((t: { id: number }) => t.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const next = (await s.admin.get(`/api/tickets?q=windows%20update&limit=100&cursor=${common.nextCursor}`)).body;
    expect(next.items[0].id).toBeLessThan(ids[ids.length - 1]);
    expect((await s.admin.get('/api/tickets/counts?q=windows%20update')).body.byStatus.new).toBe(2_500);
    // …while a rare one among them is found by the index.
    expect(((await s.admin.get('/api/tickets?q=failed%20on%20pc-1235')).body.items as Array<{ summary: string }>).map((t) => t.summary))
      .toEqual([]);
    expect(((await s.admin.get('/api/tickets?q=failed%20on%20pc-1238')).body.items as Array<{ summary: string }>).map((t) => t.summary))
      .toEqual(['Windows Update failed on PC-1238']);

    // Case is ignored for every letter, whichever way the search runs: rare text, common text, two letters.
    await make('KÜHLSCHRANK defekt');
    await make('kühlschrank leer');
    const total = async (q: string) => (await s.admin.get(`/api/tickets/counts?q=${encodeURIComponent(q)}`)).body.total as number;
    expect(await total('Kühlschrank')).toBe(2);
    const watch = Array.from({ length: 2_100 }, (_, i) => ({ ...bulk[0]!, number: 200_000 + i, summary: `Überwachung aktiv #${i}` }));
    for (let i = 0; i < watch.length; i += 500) await s.ctx.db.insertInto('tickets').values(watch.slice(i, i + 500)).execute();
    await make('ÜBERWACHUNG gestört');
    for (const q of ['überwachung', 'ÜBERWACHUNG', 'üBERwachung', 'üb']) expect(await total(q), q).toBe(2_101);
    expect(await total('überwachung gestört')).toBe(1);
  });
});
