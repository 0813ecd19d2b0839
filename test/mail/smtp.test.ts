import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startSmtpReceiver } from '../../src/mail/receivers/smtp-receiver.ts';
import { eventually, startTestServer, type TestServer } from '../support/test-server.ts';
import { buildMail, createMailbox, freePort, inboxOutage, settled } from '../support/mail-helpers.ts';

const send = (port: number, to: string, raw: Buffer | string, from = 'sender@example.com') =>
  nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ envelope: { from, to: [to] }, raw });

describe('inbound SMTP receiver (real server, real client)', () => {
  let s: TestServer;
  let port: number;
  let mailboxId: number;
  beforeAll(async () => {
    s = await startTestServer();
    port = await freePort();
    mailboxId = await createMailbox(s, { name: 'Inbound SMTP', kind: 'smtp', smtp: { port, addresses: ['Helpdesk@Example.test', 'support@example.test'], maxMessageBytes: 64 * 1024 } });
    await eventually(async () => (await s.admin.get(`/api/mailboxes/${mailboxId}`)).body.health.connected);
  });
  afterAll(async () => { await s?.stop(); });

  it('accepts mail for its addresses, answers 250 once stored, and makes a ticket', async () => {
    const raw = buildMail({ subject: 'Sent over SMTP', messageId: '<smtp-1@example.com>', body: 'Hello over SMTP.' });
    const info = await send(port, 'helpdesk@example.test', raw);
    expect(info.response).toMatch(/^250 .*stored as message (\d+)/);
    // The 250 came after the commit: the message is there the moment the client has its answer.
    const stored = await s.ctx.db.selectFrom('inbound_messages').select(['id', 'mailbox_id']).where('message_id', '=', '<smtp-1@example.com>').executeTakeFirst();
    expect(stored?.mailbox_id).toBe(mailboxId);
    const msg = await settled(s, stored!.id);
    expect(msg.state).toBe('processed');
    const t = await s.admin.get(`/api/tickets/${msg.ticketId}`);
    expect(t.body).toMatchObject({ summary: 'Sent over SMTP', source: 'email', details: 'Hello over SMTP.' });
    const box = (await s.admin.get(`/api/mailboxes/${mailboxId}`)).body;
    expect(box.health).toMatchObject({ connected: true, lastError: null });
    expect(box.health.lastMessageAt).toBeTypeOf('string');
    expect(box.smtp).toMatchObject({ port, addresses: ['helpdesk@example.test', 'support@example.test'], starttls: false });
  });

  it('the same message sent twice is recorded once', async () => {
    const raw = buildMail({ subject: 'Twice over SMTP', messageId: '<smtp-2@example.com>' });
    const a = await send(port, 'support@example.test', raw);
    const b = await send(port, 'support@example.test', raw);
    expect(a.response).toMatch(/stored as message/);
    expect(b.response).toMatch(/already stored as message/);
    const rows = await s.ctx.db.selectFrom('inbound_messages').select('id').where('message_id', '=', '<smtp-2@example.com>').execute();
    expect(rows).toHaveLength(1);
  });

  it('refuses RCPT TO for an address that is not the mailbox’s', async () => {
    const err = await send(port, 'someone-else@example.test', buildMail()).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.responseCode).toBe(550);
    expect(err.response).toMatch(/no such mailbox/);
  });

  it('refuses a message over the size limit', async () => {
    const raw = buildMail({ subject: 'Too big', body: 'x'.repeat(200 * 1024) });
    const err = await send(port, 'helpdesk@example.test', raw).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.responseCode).toBe(552);
    const rows = await s.ctx.db.selectFrom('inbound_messages').select('id').where('subject', '=', 'Too big').execute();
    expect(rows).toHaveLength(0);
  });

  it('shows a listen failure in the mailbox health', async () => {
    const blocker = net.createServer();
    const busyPort = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    try {
      const id = await createMailbox(s, { name: 'Busy port', kind: 'smtp', smtp: { port: busyPort, addresses: ['x@example.test'] } });
      const health = await eventually(async () => {
        const h = (await s.admin.get(`/api/mailboxes/${id}`)).body.health;
        return h.lastError ? h : undefined;
      });
      expect(health.connected).toBe(false);
      expect(health.lastError).toMatch(/cannot listen on port/);
      expect((await s.admin.post('/api/mailboxes', { name: 'Same port', kind: 'smtp', smtp: { port: busyPort, addresses: ['y@example.test'] } })).status).toBe(409);
      await s.admin.patch(`/api/mailboxes/${id}`, { enabled: false });
    } finally {
      blocker.close();
    }
  });
});

describe('SMTP receiver when the message cannot be stored', () => {
  it('answers 4xx, so the sender keeps the message and tries again', async () => {
    const port = await freePort();
    let failing = true;
    const stored: Buffer[] = [];
    const receiver = await startSmtpReceiver({
      mailboxId: 1, host: '127.0.0.1', logger: createLogger('silent'),
      settings: { port, addresses: ['helpdesk@example.test'], maxMessageBytes: 1024 * 1024 },
      health: async () => {},
      async store(raw) {
        if (failing) throw new Error('database is locked');
        await new Promise((r) => setTimeout(r, 200));
        stored.push(raw);
        return { id: 7, state: 'received', duplicate: false };
      },
    });
    try {
      const err = await send(port, 'helpdesk@example.test', buildMail({ subject: 'During the outage' })).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.responseCode).toBe(451);
      expect(stored).toHaveLength(0);

      failing = false;
      const started = Date.now();
      const info = await send(port, 'helpdesk@example.test', buildMail({ subject: 'During the outage' }));
      // 250 only after the (slow) store resolved.
      expect(Date.now() - started).toBeGreaterThanOrEqual(180);
      expect(info.response).toMatch(/^250 .*stored as message 7/);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.toString()).toContain('Subject: During the outage');
    } finally {
      await receiver.stop();
    }
  });

  it('answers 4xx on the real server while the inbox table cannot be written', async () => {
    const s = await startTestServer();
    try {
      const port = await freePort();
      const id = await createMailbox(s, { name: 'SMTP', kind: 'smtp', smtp: { port, addresses: ['helpdesk@example.test'] } });
      await eventually(async () => (await s.admin.get(`/api/mailboxes/${id}`)).body.health.connected);
      const restore = await inboxOutage(s.ctx.db, s.ctx.dialect);
      const err = await send(port, 'helpdesk@example.test', buildMail({ subject: 'While the database fails' })).catch((e) => e);
      await restore();
      expect(err.responseCode).toBe(451);
      const info = await send(port, 'helpdesk@example.test', buildMail({ subject: 'While the database fails' }));
      expect(info.response).toMatch(/^250 /);
    } finally {
      await s.stop();
    }
  });

  describe('STARTTLS, with a certificate and key configured', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-smtp-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const haveOpenssl = (() => {
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=relaydesk.test'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    if (!haveOpenssl) console.warn('STARTTLS tests skipped: the openssl command is not available to make a test certificate');

    it.skipIf(!haveOpenssl)('offers STARTTLS and stores what arrives encrypted; plain SMTP still works', async () => {
      const tlsServer = await startTestServer({ env: { RELAYDESK_SMTP_TLS_CERT: cert, RELAYDESK_SMTP_TLS_KEY: key } });
      try {
        const tlsPort = await freePort();
        const id = await createMailbox(tlsServer, { name: 'TLS SMTP', kind: 'smtp', smtp: { port: tlsPort, addresses: ['secure@example.test'] } });
        await eventually(async () => (await tlsServer.admin.get(`/api/mailboxes/${id}`)).body.health.connected);
        expect((await tlsServer.admin.get(`/api/mailboxes/${id}`)).body.smtp.starttls).toBe(true);
        // requireTLS: the client refuses to send unless STARTTLS succeeds first.
        const transport = nodemailer.createTransport({ host: '127.0.0.1', port: tlsPort, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } });
        const info = await transport.sendMail({ envelope: { from: 'a@example.com', to: ['secure@example.test'] }, raw: buildMail({ subject: 'Over TLS', messageId: '<tls-1@example.com>' }) });
        expect(info.response).toMatch(/^250 .*stored as message/);
        const row = await tlsServer.ctx.db.selectFrom('inbound_messages').select('id').where('message_id', '=', '<tls-1@example.com>').executeTakeFirst();
        expect(row).toBeDefined();
        const plain = await send(tlsPort, 'secure@example.test', buildMail({ subject: 'In clear', messageId: '<tls-2@example.com>' }));
        expect(plain.response).toMatch(/^250 /);
      } finally {
        await tlsServer.stop();
      }
    });

    it('without a certificate, a client that requires TLS is refused it', async () => {
      const plainPort = await freePort();
      const receiver = await startSmtpReceiver({
        mailboxId: 1, host: '127.0.0.1', logger: createLogger('silent'), health: async () => {},
        settings: { port: plainPort, addresses: ['helpdesk@example.test'], maxMessageBytes: 1024 * 1024 },
        store: async () => ({ id: 1, state: 'received', duplicate: false }),
      });
      try {
        const requiring = nodemailer.createTransport({ host: '127.0.0.1', port: plainPort, secure: false, requireTLS: true });
        await expect(requiring.sendMail({ envelope: { from: 'a@example.com', to: ['helpdesk@example.test'] }, raw: buildMail({ subject: 'x' }) }))
          .rejects.toThrow(/STARTTLS/i);
      } finally {
        await receiver.stop();
      }
    });

    it.skipIf(!haveOpenssl)('a missing, unreadable or mismatched certificate stops the boot with a clear message', () => {
      expect(() => loadConfig({ RELAYDESK_SMTP_TLS_CERT: cert })).toThrow(/RELAYDESK_SMTP_TLS_KEY: required when RELAYDESK_SMTP_TLS_CERT is set/);
      expect(() => loadConfig({ RELAYDESK_SMTP_TLS_CERT: path.join(dir, 'nope.pem'), RELAYDESK_SMTP_TLS_KEY: key })).toThrow(/RELAYDESK_SMTP_TLS_CERT: cannot read .*ENOENT/);
      expect(() => loadConfig({ RELAYDESK_SMTP_TLS_CERT: key, RELAYDESK_SMTP_TLS_KEY: cert })).toThrow(/RELAYDESK_SMTP_TLS_CERT: .* holds no PEM certificate/);
      expect(() => loadConfig({ RELAYDESK_SMTP_TLS_CERT: cert, RELAYDESK_SMTP_TLS_KEY: cert })).toThrow(/RELAYDESK_SMTP_TLS_KEY: .* holds no PEM private key/);
      const otherKey = path.join(dir, 'other-key.pem');
      execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', otherKey], { stdio: 'ignore' });
      expect(() => loadConfig({ RELAYDESK_SMTP_TLS_CERT: cert, RELAYDESK_SMTP_TLS_KEY: otherKey })).toThrow(/the key in .* does not belong to the certificate in /);
      const locked = path.join(dir, 'locked-key.pem');
      execFileSync('openssl', ['pkey', '-in', key, '-aes256', '-passout', 'pass:secret-pass', '-out', locked], { stdio: 'ignore' });
      expect(() => loadConfig({ RELAYDESK_SMTP_TLS_CERT: cert, RELAYDESK_SMTP_TLS_KEY: locked })).toThrow(ConfigError);
      expect(() => loadConfig({ RELAYDESK_SMTP_TLS_CERT: cert, RELAYDESK_SMTP_TLS_KEY: locked })).toThrow(/protected by a passphrase/);
      expect(loadConfig({ RELAYDESK_SMTP_TLS_CERT: cert, RELAYDESK_SMTP_TLS_KEY: key }).smtpTls?.cert.toString()).toMatch(/BEGIN CERTIFICATE/);
    });
  });
});
