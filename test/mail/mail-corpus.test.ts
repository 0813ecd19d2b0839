import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { buildMail, createMailbox, ingest, SAMPLES_DIR } from '../support/mail-helpers.ts';
import { createMailTicketing } from '../../src/mail/mail-ticketing.ts';
import { parseMail } from '../../src/mail/mail-parser.ts';

type Expect = {
  state: 'processed' | 'ignored' | 'failed'; rule?: string | null; outcome?: 'created' | 'added'; summary?: string; priority?: number;
  detailsContain?: string[]; detailsNotContain?: string[]; from?: string | null; messageId?: string | null;
  sameTicketAs?: string; notSameTicketAs?: string; separateRecordFrom?: string; reasonMatches?: string;
  attachments?: Array<{ filename: string; contentType: string; size?: number }>;
};
type Case = { file: string; before?: { outboundMessage?: { messageId: string; ticketOf: string } }; expect: Expect };
const manifest = JSON.parse(fs.readFileSync(new URL('../data/mail/expected.json', import.meta.url), 'utf8')) as { rules: unknown[]; cases: Case[] };

const read = (file: string): Buffer =>
  file.startsWith('shared:') ? fs.readFileSync(new URL(file.slice(7), SAMPLES_DIR)) : fs.readFileSync(new URL(`../data/mail/${file}`, import.meta.url));

describe('the mail corpus (test/data/mail/expected.json)', () => {
  let s: TestServer;
  let mailboxId: number;
  const results = new Map<string, { id: number; ticketId: number | null; number?: number }>();

  beforeAll(async () => {
    s = await startTestServer();
    mailboxId = await createMailbox(s);
    for (const r of manifest.rules) expect((await s.admin.post('/api/email-rules', r)).status).toBe(201);
  });
  afterAll(async () => { await s?.stop(); });

  for (const c of manifest.cases) {
    it(`${c.file} → ${c.expect.state}${c.expect.outcome ? ` (${c.expect.outcome})` : ''}`, async () => {
      let raw = read(c.file);
      if (raw.includes('{{number:')) {
        raw = Buffer.from(raw.toString('latin1').replace(/\{\{number:([^}]+)\}\}/g, (_m, f: string) => String(results.get(f)!.number)), 'latin1');
      }
      if (c.before?.outboundMessage) {
        const o = c.before.outboundMessage;
        await s.ctx.db.insertInto('outbound_messages').values({
          ticket_id: results.get(o.ticketOf)!.ticketId!, message_id: o.messageId, to_addr: 'customer@example.test', subject: 'Your request', created_at: new Date().toISOString(),
        }).execute();
      }
      const msg = await ingest(s, mailboxId, raw);
      const e = c.expect;
      expect(msg.state, msg.reason).toBe(e.state);
      if (e.rule !== undefined) expect(msg.ruleName).toBe(e.rule);
      if (e.reasonMatches) expect(msg.reason).toMatch(new RegExp(e.reasonMatches));
      if (e.from !== undefined) expect(msg.from).toBe(e.from);
      if (e.messageId !== undefined) expect(msg.messageId).toBe(e.messageId);
      if (e.state !== 'processed') {
        expect(msg.ticketId).toBeNull();
        results.set(c.file, { id: msg.id, ticketId: null });
        return;
      }
      expect(msg.ticketId).toBeTypeOf('number');
      if (e.outcome === 'created') expect(msg.reason).toMatch(/^created ticket #\d+/);
      if (e.outcome === 'added') expect(msg.reason).toMatch(/^added to ticket #\d+/);
      const ticket = (await s.admin.get(`/api/tickets/${msg.ticketId}`)).body;
      results.set(c.file, { id: msg.id, ticketId: msg.ticketId, number: ticket.number });
      if (e.sameTicketAs) expect(msg.ticketId).toBe(results.get(e.sameTicketAs)!.ticketId);
      if (e.notSameTicketAs) expect(msg.ticketId).not.toBe(results.get(e.notSameTicketAs)!.ticketId);
      if (e.separateRecordFrom) expect(msg.id).not.toBe(results.get(e.separateRecordFrom)!.id);
      if (e.summary !== undefined) expect(ticket.summary).toBe(e.summary);
      if (e.priority !== undefined) expect(ticket.priority).toBe(e.priority);
      expect(ticket.source).toBe('email');
      const actions = (await s.admin.get(`/api/tickets/${msg.ticketId}/actions?limit=200`)).body.items;
      const email = actions.filter((a: any) => a.kind === 'email').find((a: any) => a.data.inboundMessageId === msg.id);
      expect(email, 'an email action for this message').toBeTruthy();
      for (const text of e.detailsContain ?? []) {
        if (e.outcome === 'created') expect(ticket.details).toContain(text);
        expect(email.body).toContain(text);
      }
      for (const text of e.detailsNotContain ?? []) {
        expect(ticket.details).not.toContain(text);
        expect(email.body).not.toContain(text);
      }
      if (e.attachments) {
        const list = (await s.admin.get(`/api/tickets/${msg.ticketId}/attachments`)).body.items;
        expect(list.map((a: any) => ({ filename: a.filename, contentType: a.contentType, ...(a.size !== undefined && e.attachments!.some((x) => x.size) ? { size: a.size } : {}) })))
          .toEqual(e.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, ...(e.attachments!.some((x) => x.size) ? { size: a.size } : {}) })));
      }
    });
  }

  it('a 20 MB attachment: the message is stored whole, the ticket is made, the attachment is noted, not stored', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
    const raw = Buffer.from([
      'From: mallory@customer.example', 'To: helpdesk@example.test', 'Subject: Huge disk image', 'Message-ID: <huge-1@customer.example>',
      'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="H"', '', '--H', 'Content-Type: text/plain', '', 'Image attached.',
      '--H', 'Content-Type: application/octet-stream; name="disk.img"', 'Content-Disposition: attachment; filename="disk.img"',
      'Content-Transfer-Encoding: base64', '', big, '--H', 'Content-Type: text/plain; name="small.txt"', 'Content-Disposition: attachment; filename="small.txt"',
      '', 'small one', '--H--', '',
    ].join('\r\n'));
    const msg = await ingest(s, mailboxId, raw);
    expect(msg.state, msg.reason).toBe('processed');
    expect(msg.size).toBe(raw.length);
    const list = (await s.admin.get(`/api/tickets/${msg.ticketId}/attachments`)).body.items;
    expect(list.map((a: any) => a.filename)).toEqual(['small.txt']);
    const actions = (await s.admin.get(`/api/tickets/${msg.ticketId}/actions`)).body.items;
    expect(actions.find((a: any) => a.kind === 'system' && /disk\.img \(20\.0 MB, over the 10 MB limit\)/.test(a.body))).toBeTruthy();
    const rawBack = await fetch(`${s.url}/api/inbound-messages/${msg.id}/raw`, { headers: { cookie: await cookieOf(s) } });
    expect(Number(rawBack.headers.get('content-length'))).toBe(raw.length);
  }, 120_000);

  it('a reply to an open ticket is added to it and marks it updated', async () => {
    const first = await ingest(s, mailboxId, buildMail({ subject: 'Printer jams', messageId: '<jam-1@customer.example>' }));
    const longAgo = '2020-01-01T00:00:00.000Z';
    await s.ctx.db.updateTable('tickets').set({ updated_at: longAgo }).where('id', '=', first.ticketId).execute();
    const reply = await ingest(s, mailboxId, buildMail({ subject: 'Re: Printer jams', body: 'Still jamming.', headers: { 'In-Reply-To': '<jam-1@customer.example>' } }));
    expect(reply.ticketId).toBe(first.ticketId);
    const ticket = (await s.admin.get(`/api/tickets/${first.ticketId}`)).body;
    expect(ticket.status).toBe('new');
    expect(Date.parse(ticket.updatedAt)).toBeGreaterThan(Date.parse(longAgo));
    const emails = (await s.admin.get(`/api/tickets/${first.ticketId}/actions`)).body.items.filter((a: any) => a.kind === 'email');
    expect(emails.map((a: any) => a.body)).toContain('Still jamming.');
  });

  it('a reply to a ticket closed less than 7 days ago reopens it; an older one opens a follow-up, which later replies join while it is open', async () => {
    const first = await ingest(s, mailboxId, buildMail({ subject: 'Monitor flickers', messageId: '<flicker-1@customer.example>' }));
    await s.admin.post(`/api/tickets/${first.ticketId}/close`, {});
    const reply = await ingest(s, mailboxId, buildMail({ subject: 'Re: Monitor flickers', headers: { 'In-Reply-To': '<flicker-1@customer.example>' } }));
    expect(reply.ticketId).toBe(first.ticketId);
    expect(reply.reason).toMatch(/reopened/);
    expect((await s.admin.get(`/api/tickets/${first.ticketId}`)).body.status).toBe('in_progress');

    await s.admin.post(`/api/tickets/${first.ticketId}/close`, {});
    await s.ctx.db.updateTable('tickets').set({ closed_at: new Date(Date.now() - 8 * 24 * 3600_000).toISOString() }).where('id', '=', first.ticketId).execute();
    const late = await ingest(s, mailboxId, buildMail({ subject: 'Re: Monitor flickers again', headers: { 'In-Reply-To': '<flicker-1@customer.example>' } }));
    expect(late.ticketId).not.toBe(first.ticketId);
    expect(late.reason).toMatch(/follow-up/);
    const followUp = (await s.admin.get(`/api/tickets/${late.ticketId}`)).body;
    expect(followUp).toMatchObject({ parentTicketId: first.ticketId, status: 'new', summary: 'Re: Monitor flickers again' });
    expect((await s.admin.get(`/api/tickets/${first.ticketId}`)).body.status).toBe('closed');

    // Later replies to the old ticket join its follow-up while that is open, found by [#N] or In-Reply-To alike.
    const number = (await s.admin.get(`/api/tickets/${first.ticketId}`)).body.number;
    const later = await ingest(s, mailboxId, buildMail({ subject: `Re: [#${number}] Monitor flickers`, body: 'Still flickering.' }));
    expect(later.ticketId).toBe(late.ticketId);
    expect(later.reason).toMatch(/added to its follow-up/);
    const emails = (await s.admin.get(`/api/tickets/${late.ticketId}/actions`)).body.items.filter((a: any) => a.kind === 'email');
    expect(emails.map((a: any) => a.data.subject)).toEqual(['Re: Monitor flickers again', `Re: [#${number}] Monitor flickers`]);
    expect((await s.admin.get(`/api/tickets?parentTicketId=${first.ticketId}`)).body.items).toHaveLength(1);

    // Once the follow-up is closed, the next reply opens another.
    await s.admin.post(`/api/tickets/${late.ticketId}/close`, {});
    const after = await ingest(s, mailboxId, buildMail({ subject: 'Re: Monitor flickers once more', headers: { 'In-Reply-To': '<flicker-1@customer.example>' } }));
    expect(after.ticketId).not.toBe(late.ticketId);
    expect((await s.admin.get(`/api/tickets/${after.ticketId}`)).body).toMatchObject({ parentTicketId: first.ticketId, status: 'new' });
  });

  it('two replies to a long-closed ticket worked at the same moment open one follow-up', async () => {
    const old = await ingest(s, mailboxId, buildMail({ subject: 'Backup failed', messageId: '<backup-1@customer.example>' }));
    await s.admin.post(`/api/tickets/${old.ticketId}/close`, {});
    await s.ctx.db.updateTable('tickets').set({ closed_at: new Date(Date.now() - 8 * 24 * 3600_000).toISOString() }).where('id', '=', old.ticketId).execute();
    const ticketing = createMailTicketing(s.ctx.services.tickets);
    const reply = async (subject: string) => ({ ...(await parseMail(buildMail({ subject }))), inboundMessageId: old.id, mailboxId });
    const [a, b] = [await reply('Re: Backup failed'), await reply('Re: Backup failed again')];

    // The first holds its transaction open after writing; the second runs meanwhile (on PostgreSQL at once, on SQLite after it).
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const first = s.ctx.db.transaction().execute(async (trx) => {
      const r = await ticketing.addMailToTicket(trx, old.ticketId!, a, 'reply');
      await held;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = s.ctx.db.transaction().execute((trx) => ticketing.addMailToTicket(trx, old.ticketId!, b, 'reply'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1).toMatchObject({ outcome: 'ticket_created' });
    expect(r2).toMatchObject({ outcome: 'ticket_updated', ticketId: (r1 as { ticketId: number }).ticketId });
    expect((await s.admin.get(`/api/tickets?parentTicketId=${old.ticketId}`)).body.items).toHaveLength(1);
  });
});

async function cookieOf(s: TestServer): Promise<string> {
  const { ADMIN } = await import('../support/test-server.ts');
  const res = await fetch(`${s.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}
