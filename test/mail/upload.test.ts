import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, eventually, type TestServer } from '../support/test-server.ts';
import { buildMail, createMailbox, ingest, settled, startRestartableServer, storeRuleUnchecked, upload } from '../support/mail-helpers.ts';

describe('upload path and the durable inbox', () => {
  let s: TestServer;
  let mailboxId: number;
  beforeAll(async () => {
    s = await startTestServer();
    mailboxId = await createMailbox(s);
  });
  afterAll(async () => { await s?.stop(); });

  it('turns an uploaded mail into a ticket with an email action', async () => {
    const msg = await ingest(s, mailboxId, buildMail({ subject: 'VPN does not connect', body: 'Since this morning the VPN fails.' }));
    expect(msg).toMatchObject({ state: 'processed', mailboxId, subject: 'VPN does not connect', from: 'customer@example.com', ruleName: null });
    const t = await s.admin.get(`/api/tickets/${msg.ticketId}`);
    expect(t.body).toMatchObject({ summary: 'VPN does not connect', source: 'email', details: 'Since this morning the VPN fails.' });
    const types = await s.admin.get('/api/ticket-types');
    expect(t.body.ticketTypeId).toBe(types.body.items.find((x: any) => x.isDefault).id);
    const actions = await s.admin.get(`/api/tickets/${msg.ticketId}/actions`);
    const email = actions.body.items.find((a: any) => a.kind === 'email');
    expect(email.data).toMatchObject({ from: 'customer@example.com', subject: 'VPN does not connect', to: ['helpdesk@example.test'] });
    expect(email.body).toBe('Since this morning the VPN fails.');
  });

  it('keeps mailbox names apart: a second "Support" (any case) is refused naming the first, on create and rename', async () => {
    const first = await s.admin.post('/api/mailboxes', { name: 'Support', kind: 'upload' });
    expect(first.status).toBe(201);
    const again = await s.admin.post('/api/mailboxes', { name: ' support ', kind: 'upload' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(`name: mailbox ${first.body.id} is already called "Support"; give this one another name`);
    const other = await s.admin.post('/api/mailboxes', { name: 'Sales', kind: 'upload' });
    expect((await s.admin.patch(`/api/mailboxes/${other.body.id}`, { name: 'SUPPORT' })).status).toBe(409);
    expect((await s.admin.patch(`/api/mailboxes/${first.body.id}`, { name: 'Support' })).status).toBe(200);
  });

  it('records the same bytes once: 202 for new, 200 with the existing id for a duplicate', async () => {
    const raw = buildMail({ subject: 'Sent twice' });
    const first = await upload(s, mailboxId, raw);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ duplicate: false });
    const again = await upload(s, mailboxId, raw, 'application/octet-stream');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
    // The same message relayed again (another Received line, CRLF turned into LF) is the same message.
    const relayed = Buffer.from(`Received: from mx2.example.com by mx.example.test; Fri, 20 Nov 2026 09:16:00 +0000\n${raw.toString().replace(/\r\n/g, '\n')}`);
    const third = await upload(s, mailboxId, relayed, 'text/plain');
    expect(third.status).toBe(200);
    expect(third.body.id).toBe(first.body.id);
    await settled(s, first.body.id);
    const list = await s.admin.get(`/api/mailboxes/${mailboxId}/messages?limit=200`);
    expect(list.body.items.filter((m: any) => m.subject === 'Sent twice')).toHaveLength(1);
    const tickets = await s.admin.get('/api/tickets?q=Sent%20twice');
    expect(tickets.body.items).toHaveLength(1);
  });

  it('stores mail arriving together in one commit, each once, and answers each with its own id', async () => {
    const twice = buildMail({ subject: 'Twice in one group' });
    const raws = [...Array.from({ length: 90 }, (_, i) => buildMail({ subject: `Together ${i}` })), twice, twice];
    const receipts = await Promise.all(raws.map((raw) => upload(s, mailboxId, raw)));
    const fresh = receipts.slice(0, 90);
    expect(fresh.map((r) => r.status)).toEqual(Array(90).fill(202));
    expect(new Set(fresh.map((r) => r.body.id)).size).toBe(90);
    const [a, b] = receipts.slice(90);
    expect([a!.status, b!.status].sort()).toEqual([200, 202]);
    expect(a!.body.id).toBe(b!.body.id);
    for (const [i, r] of fresh.entries()) {
      expect((await s.admin.get(`/api/inbound-messages/${r.body.id}`)).body.subject).toBe(`Together ${i}`);
    }
  });

  it('refuses an empty body, an unknown mailbox and a JSON body, each saying why', async () => {
    const empty = await upload(s, mailboxId, Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('body: the message is empty; send the raw RFC 822 bytes');
    expect((await upload(s, 99999, buildMail())).status).toBe(404);
    const json = await s.admin.post(`/api/mailboxes/${mailboxId}/messages`, { not: 'mail' });
    expect(json.status).toBe(400);
    expect(json.body.error.message).toMatch(/raw RFC 822 message \(content-type message\/rfc822\), not JSON/);
    // curl -F file=@mail.eml: a form upload, not the message.
    const form = Buffer.concat([
      Buffer.from('--b0undary\r\nContent-Disposition: form-data; name="file"; filename="mail.eml"\r\n\r\n'), buildMail(), Buffer.from('\r\n--b0undary--\r\n'),
    ]);
    const multipart = await s.admin.post(`/api/mailboxes/${mailboxId}/messages`, form, { contentType: 'multipart/form-data; boundary=b0undary' });
    expect(multipart.status).toBe(400);
    expect(multipart.body.error.message).toMatch(/--data-binary @mail\.eml\), not a form upload/);
  });

  it('reads the body as the raw message whatever its content type (curl --data-binary sends form-urlencoded)', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain; charset=utf-8', 'application/octet-stream', ';;;', 'not a type']) {
      const r = await upload(s, mailboxId, buildMail({ subject: `Sent as ${contentType}` }), contentType);
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      expect((await settled(s, r.body.id)).subject).toBe(`Sent as ${contentType}`);
    }
  });

  it('a compressed body is refused with the reason; a byte order mark or blank lines before the headers are read past', async () => {
    const gzip = await s.admin.post(`/api/mailboxes/${mailboxId}/messages`, zlib.gzipSync(buildMail()), {
      contentType: 'message/rfc822', headers: { 'content-encoding': 'gzip' },
    });
    expect(gzip.status).toBe(415);
    expect(gzip.body.error).toEqual({ code: 'unsupported_media_type', message: 'Content-Encoding gzip is not accepted: send the raw message uncompressed' });

    for (const [name, prefix] of [['a byte order mark', '\uFEFF'], ['blank lines', '\r\n\r\n']] as const) {
      const raw = Buffer.concat([Buffer.from(prefix), buildMail({ subject: `Saved with ${name}`, body: `Body after ${name}.` })]);
      const r = await upload(s, mailboxId, raw);
      expect(r.status).toBe(202);
      const done = await settled(s, r.body.id);
      expect(done, JSON.stringify(done)).toMatchObject({ state: 'processed', subject: `Saved with ${name}` });
      expect((await s.admin.get(`/api/tickets/${done.ticketId}`)).body.summary).toBe(`Saved with ${name}`);
      // Stored as received (fetch's text() drops a leading byte order mark, the size still counts it).
      expect(done.size).toBe(raw.length);
      expect((await s.admin.get(`/api/inbound-messages/${r.body.id}/raw`)).body).toBe(raw.toString().replace(/^\uFEFF/, ''));
    }
  });

  it('the same mail delivered to two mailboxes is worked once: the second copy points at the ticket, adds nothing', async () => {
    const other = await createMailbox(s, { name: 'Second desk address', kind: 'upload' });
    const raw = buildMail({ subject: 'To and Cc both of our addresses', body: 'Sent to support and to it@.' });
    const first = await ingest(s, mailboxId, raw);
    const copy = await ingest(s, other, raw);
    expect(copy.id).not.toBe(first.id);
    expect(copy).toMatchObject({ state: 'processed', ticketId: first.ticketId, mailboxId: other });
    expect(copy.reason).toBe(`already on ticket #${first.ticketId}: the same mail arrived as message #${first.id} (mailbox #${mailboxId}); not added again`);
    const actions = (await s.admin.get(`/api/tickets/${first.ticketId}/actions`)).body.items;
    expect(actions.filter((a: any) => a.kind === 'email')).toHaveLength(1);
    // Other content under the same Message-ID from the same sender (a resend) is still added.
    const resend = await ingest(s, other, Buffer.from(raw.toString().replace('Sent to support', 'Resent to support')));
    expect(resend).toMatchObject({ state: 'processed', ticketId: first.ticketId });
    expect(resend.reason).toMatch(/^added to ticket #\d+ \(reply \(message-id\)\)/);
  });

  it('refuses uploads the moment its mailbox is disabled or deleted, and takes them again once re-enabled', async () => {
    const other = await createMailbox(s);
    expect((await upload(s, other, buildMail({ subject: 'before' }))).status).toBe(202);
    const kindChange = await s.admin.patch(`/api/mailboxes/${other}`, { kind: 'smtp', enabled: false });
    expect(kindChange.status).toBe(400);
    expect(kindChange.body.error.message).toMatch(/Unrecognized key: "kind"/);
    await s.admin.patch(`/api/mailboxes/${other}`, { enabled: false });
    const refused = await upload(s, other, buildMail({ subject: 'while disabled' }));
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/disabled/);
    await s.admin.patch(`/api/mailboxes/${other}`, { enabled: true });
    expect((await upload(s, other, buildMail({ subject: 'after' }))).status).toBe(202);
    await s.admin.delete(`/api/mailboxes/${other}?force=true`);
    expect((await upload(s, other, buildMail({ subject: 'after delete' }))).status).toBe(404);
  });

  it('deleting a mailbox with mail needs force; its tickets keep their history and attachments', async () => {
    const doomed = await createMailbox(s, { name: 'Doomed', kind: 'upload' });
    const raw = Buffer.from([
      'From: a@example.com', 'To: helpdesk@example.test', 'Subject: Mail in a mailbox about to go', 'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b3"', '', '--b3', 'Content-Type: text/plain', '', 'Body kept.',
      '--b3', 'Content-Type: text/plain; name="kept.txt"', 'Content-Disposition: attachment; filename="kept.txt"', '', 'kept', '--b3--', '',
    ].join('\r\n'));
    const msg = await ingest(s, doomed, raw);
    const refused = await s.admin.delete(`/api/mailboxes/${doomed}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/holds 1 message it has received; disable it instead.*force=true.*new ticket/);
    expect(refused.body.error.details).toEqual({ messages: 1, rules: [] });
    expect((await s.admin.delete(`/api/mailboxes/${doomed}?force=true`)).status).toBe(204);
    expect((await s.admin.get(`/api/inbound-messages/${msg.id}`)).status).toBe(404);
    const attachments = (await s.admin.get(`/api/tickets/${msg.ticketId}/attachments`)).body.items;
    expect(attachments).toMatchObject([{ filename: 'kept.txt', inboundMessageId: null }]);
    expect((await s.admin.get(`/api/attachments/${attachments[0].id}`)).body).toBe('kept');
    const actions = (await s.admin.get(`/api/tickets/${msg.ticketId}/actions`)).body.items;
    expect(actions.find((a: any) => a.kind === 'email').body).toBe('Body kept.');
  });

  it('serves the raw bytes as message/rfc822, never rendered', async () => {
    const raw = buildMail({ subject: 'Raw <b>bold</b>', body: '<script>alert(1)</script>' });
    const r = await upload(s, mailboxId, raw);
    const viaApi = await s.admin.get(`/api/inbound-messages/${r.body.id}/raw`);
    expect(viaApi.status).toBe(200);
    expect(viaApi.headers.get('content-type')).toBe('message/rfc822');
    expect(viaApi.headers.get('x-content-type-options')).toBe('nosniff');
    expect(viaApi.body).toBe(raw.toString());
    expect((await s.anonymous.get(`/api/inbound-messages/${r.body.id}/raw`)).status).toBe(401);
  });

  it('lists the inbox trace newest first, filtered by state, keyset paged', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await upload(s, mailboxId, buildMail({ subject: `Paging ${i}` }))).body.id);
    await settled(s, ids[4]!);
    const page1 = await s.admin.get(`/api/mailboxes/${mailboxId}/messages?limit=2`);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items[0].id).toBeGreaterThan(page1.body.items[1].id);
    expect(page1.body.nextCursor).toBeTypeOf('string');
    const page2 = await s.admin.get(`/api/mailboxes/${mailboxId}/messages?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items[0].id).toBeLessThan(page1.body.items[1].id);
    for (const m of page1.body.items) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['id', 'mailboxId', 'messageId', 'subject', 'from', 'receivedAt', 'state', 'ruleName', 'ticketId', 'reason']));
    }
    const processed = await s.admin.get(`/api/mailboxes/${mailboxId}/messages?state=processed&limit=200`);
    expect(processed.body.items.every((m: any) => m.state === 'processed')).toBe(true);
    expect((await s.admin.get(`/api/mailboxes/${mailboxId}/messages?state=bogus`)).status).toBe(400);
  });

  it('records a malformed message as failed with the reason, and keeps working', async () => {
    const bad = await ingest(s, mailboxId, Buffer.from('\u0000\u0001 this is not mail at all'));
    expect(bad.state).toBe('failed');
    expect(bad.reason).toMatch(/not an RFC 822 message/);
    const good = await ingest(s, mailboxId, buildMail({ subject: 'After the bad one' }));
    expect(good.state).toBe('processed');
  });

  it('replays a failed or ignored message and refuses to replay a processed one', async () => {
    // A rule that ignores mail from a sender; the message is ignored, the rule is removed, the replay makes a ticket.
    const rule = await s.admin.post('/api/email-rules', {
      name: 'Ignore the newsletter', conditions: [{ field: 'from', operator: 'equals', value: 'news@vendor.example' }],
      actions: [{ type: 'ignore', params: { reason: 'newsletter' } }],
    });
    const ignored = await ingest(s, mailboxId, buildMail({ from: 'news@vendor.example', subject: 'Actually a real request' }));
    expect(ignored).toMatchObject({ state: 'ignored', ruleName: 'Ignore the newsletter', reason: 'newsletter', ticketId: null, replayable: true });
    expect((await s.admin.delete(`/api/email-rules/${rule.body.id}`)).status).toBe(204);
    const replay = await s.admin.post(`/api/inbound-messages/${ignored.id}/replay`);
    expect(replay.status).toBe(200);
    const after = await settled(s, ignored.id);
    expect(after).toMatchObject({ state: 'processed', ruleName: null, replayable: false });
    expect(after.ticketId).toBeTypeOf('number');
    expect((await s.admin.post(`/api/inbound-messages/${ignored.id}/replay`)).status).toBe(409);
    expect((await s.admin.post('/api/inbound-messages/999999/replay')).status).toBe(404);
    // An auto-reply is ignored before any rule: replaying it would change nothing, so it is refused.
    const ooo = await ingest(s, mailboxId, buildMail({ subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }));
    expect(ooo).toMatchObject({ state: 'ignored', reason: expect.stringMatching(/^auto-reply:/), replayable: false });
    const loop = await s.admin.post(`/api/inbound-messages/${ooo.id}/replay`);
    expect(loop.status).toBe(409);
    expect(loop.body.error.message).toMatch(/bounce or an auto-reply, which is ignored before any rule runs/);

    // A failed one: an add-to-ticket rule pointing at a ticket that does not exist (any more).
    const brokenId = await storeRuleUnchecked(s.ctx.db, {
      name: 'To a missing ticket', conditions: [{ field: 'subject', operator: 'contains', value: 'route me' }],
      actions: [{ type: 'add-to-ticket', params: { ticketId: 987654 } }],
    });
    const failed = await ingest(s, mailboxId, buildMail({ subject: 'please route me' }));
    expect(failed).toMatchObject({ state: 'failed', ruleName: 'To a missing ticket', replayable: true });
    expect(failed.reason).toMatch(/Ticket 987654 not found/);
    await s.admin.patch(`/api/email-rules/${brokenId}`, { enabled: false });
    await s.admin.post(`/api/inbound-messages/${failed.id}/replay`);
    expect(await settled(s, failed.id)).toMatchObject({ state: 'processed' });
  });

  it('keeps attachments with the ticket and serves them as downloads', async () => {
    const boundary = 'b1';
    const raw = Buffer.from([
      'From: a@example.com', 'To: helpdesk@example.test', 'Subject: With a log', 'Message-ID: <att-1@example.com>', 'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, 'Content-Type: text/plain', '', 'See the log.', `--${boundary}`,
      'Content-Type: text/html; name="page.html"', 'Content-Disposition: attachment; filename="page.html"', 'Content-Transfer-Encoding: base64', '',
      Buffer.from('<script>alert(1)</script>').toString('base64'), `--${boundary}--`, '',
    ].join('\r\n'));
    const msg = await ingest(s, mailboxId, raw);
    const list = await s.admin.get(`/api/tickets/${msg.ticketId}/attachments`);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ filename: 'page.html', contentType: 'text/html', size: 25, inboundMessageId: msg.id });
    const dl = await s.admin.get(`/api/attachments/${list.body.items[0].id}`);
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename="page.html"/);
    expect(dl.headers.get('x-content-type-options')).toBe('nosniff');
    expect(dl.headers.get('content-type')).toMatch(/^text\/html/);
    expect(dl.body).toBe('<script>alert(1)</script>');
    expect((await s.admin.get('/api/attachments/999999')).status).toBe(404);
    expect((await s.admin.get('/api/tickets/999999/attachments')).status).toBe(404);
  });

  it('keeps at most 50 attachments of a mail, says so in the history, and pages the list', async () => {
    const parts = Array.from({ length: 53 }, (_, i) => [
      '--b2', `Content-Type: text/plain; name="part-${i}.txt"`, `Content-Disposition: attachment; filename="part-${i}.txt"`, '', `part ${i}`,
    ].join('\r\n'));
    const raw = Buffer.from([
      'From: a@example.com', 'To: helpdesk@example.test', 'Subject: Many files', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b2"', '',
      '--b2', 'Content-Type: text/plain', '', 'Here they are.', ...parts, '--b2--', '',
    ].join('\r\n'));
    const msg = await ingest(s, mailboxId, raw);
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const page: any = (await s.admin.get(`/api/tickets/${msg.ticketId}/attachments?limit=20${cursor ? `&cursor=${cursor}` : ''}`)).body;
      sizes.push(page.items.length);
      seen.push(...page.items.map((a: any) => a.filename));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([20, 20, 10]);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `part-${i}.txt`));
    const notes = (await s.admin.get(`/api/tickets/${msg.ticketId}/actions`)).body.items.filter((a: any) => a.kind === 'system');
    expect(notes.map((a: any) => a.body)).toContainEqual(expect.stringMatching(/3 more attachments \(only 50 are kept per mail\)/));
    expect((await s.admin.get(`/api/tickets/${msg.ticketId}/attachments?cursor=nonsense`)).status).toBe(400);
  });

  it('a message whose actions fail rolls back alone: its partial writes vanish, its batch neighbours are processed', async () => {
    const ruleId = await storeRuleUnchecked(s.ctx.db, {
      name: 'Half works', conditions: [{ field: 'subject', operator: 'contains', value: 'half works' }],
      actions: [{ type: 'create-ticket', params: {} }, { type: 'add-to-ticket', params: { ticketId: 555555 } }],
    });
    const subjects = Array.from({ length: 12 }, (_, i) => (i === 5 ? 'this half works only' : `Neighbour ${i}`));
    const receipts = await Promise.all(subjects.map((subject) => upload(s, mailboxId, buildMail({ subject }))));
    const results = await Promise.all(receipts.map((r) => settled(s, r.body.id)));
    expect(results[5]).toMatchObject({ state: 'failed', ruleName: 'Half works', ticketId: null });
    expect(results[5].reason).toMatch(/Ticket 555555 not found/);
    for (const [i, m] of results.entries()) if (i !== 5) expect(m.state).toBe('processed');
    // The ticket the first action made was rolled back with the message.
    expect((await s.admin.get('/api/tickets?q=half%20works')).body.items).toHaveLength(0);
    const neighbours = await Promise.all(results.filter((_, i) => i !== 5).map((m) => s.admin.get(`/api/tickets/${m.ticketId}`)));
    expect(new Set(neighbours.map((t) => t.body.summary)).size).toBe(11);
    await s.admin.delete(`/api/email-rules/${ruleId}`);
  });

  it('exports mail metrics', async () => {
    const m = await fetch(`${s.url}/metrics`);
    const text = await m.text();
    expect(text).toMatch(/relaydesk_mail_received_total\{via="upload"\} \d+/);
    expect(text).toMatch(/relaydesk_mail_processed_total\{outcome="ticket_created"\} \d+/);
    expect(text).toMatch(/relaydesk_mail_processing_latency_seconds_count \d+/);
  });
});

describe('nothing received is lost across a stop', () => {
  it('processes at start what was stored but not processed before', async () => {
    // A web-only instance stores mail without processing it, like a process that stopped right after storing.
    const r = await startRestartableServer({ RELAYDESK_WORKERS: 'false' });
    try {
      const mailboxId = await createMailbox(r.server);
      const receipt = await upload(r.server, mailboxId, buildMail({ subject: 'Stored before the crash' }));
      expect(receipt.status).toBe(202);
      await new Promise((res) => setTimeout(res, 300));
      expect((await r.server.admin.get(`/api/inbound-messages/${receipt.body.id}`)).body.state).toBe('received');

      // A row claimed by a processor that died (its lease still running) is not stuck either.
      const orphan = await upload(r.server, mailboxId, buildMail({ subject: 'Claimed by a dead worker' }));
      await r.server.ctx.db.updateTable('inbound_messages')
        .set({ lease_until: new Date(Date.now() + 3600_000).toISOString(), locked_by: 'dead-worker' } as never)
        .where('id', '=', orphan.body.id).execute();

      const s2 = await r.restart({ RELAYDESK_WORKERS: 'true' });
      const msg = await settled(s2, receipt.body.id);
      expect(msg.state).toBe('processed');
      const t = await s2.admin.get(`/api/tickets/${msg.ticketId}`);
      expect(t.body.summary).toBe('Stored before the crash');
      if (s2.ctx.dialect === 'sqlite') {
        expect((await settled(s2, orphan.body.id)).state).toBe('processed');
      } else {
        // On PostgreSQL other instances may be alive: the lease is honoured until it lapses.
        await s2.ctx.db.updateTable('inbound_messages').set({ lease_until: new Date(Date.now() - 1000).toISOString() } as never)
          .where('id', '=', orphan.body.id).execute();
        expect((await eventually(async () => {
          const m = await s2.admin.get(`/api/inbound-messages/${orphan.body.id}`);
          return m.body.state === 'processed' ? m.body : undefined;
        })).state).toBe('processed');
      }
    } finally {
      await r.close();
    }
  });
});

describe('mails processed in one batch see each other', () => {
  it('a copy in another mailbox and a reply stored together with their original are worked as if they came one by one', async () => {
    const r = await startRestartableServer({ RELAYDESK_WORKERS: 'false' });
    try {
      const a = await createMailbox(r.server, { name: 'Support', kind: 'upload' });
      const b = await createMailbox(r.server, { name: 'Sales', kind: 'upload' });
      const original = buildMail({ subject: 'VPN disconnects hourly', messageId: '<vpn-1@customer.example>' });
      const ids = {
        original: (await upload(r.server, a, original)).body.id,
        filler: (await upload(r.server, a, buildMail({ subject: 'Unrelated in between' }))).body.id,
        copy: (await upload(r.server, b, original)).body.id,
        reply: (await upload(r.server, a, buildMail({
          subject: 'Re: VPN disconnects hourly', messageId: '<vpn-2@customer.example>', headers: { 'In-Reply-To': '<vpn-1@customer.example>' },
        }))).body.id,
      };
      // One processor start claims all four in one batch (on SQLite one group, one transaction).
      const s2 = await r.restart({ RELAYDESK_WORKERS: 'true' });
      const first = await settled(s2, ids.original);
      expect(first.state).toBe('processed');
      const copy = await settled(s2, ids.copy);
      expect(copy).toMatchObject({ state: 'processed', ticketId: first.ticketId });
      expect(copy.reason).toMatch(/^already on ticket #\d+: the same mail arrived as message/);
      expect((await settled(s2, ids.filler)).ticketId).not.toBe(first.ticketId);
      // On PostgreSQL lanes run in parallel; these two subjects hash to different lanes, so only the
      // rule that a reply follows the mail it answers into its lane keeps them in order.
      expect((await settled(s2, ids.reply)).ticketId).toBe(first.ticketId);
    } finally {
      await r.close();
    }
  });
});
