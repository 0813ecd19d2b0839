import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../support/test-server.ts';
import { buildMail, createMailbox, inboxOutage } from '../support/mail-helpers.ts';
import { dovecotSkipReason, startDovecot, type Dovecot } from '../support/dovecot.ts';
import { startImapReceiver, STORED_KEYWORD } from '../../src/mail/receivers/imap-receiver.ts';
import { createLogger } from '../../src/logger.ts';

const skip = dovecotSkipReason();
if (skip) console.warn(skip);

const messageRow = (s: TestServer, messageId: string) =>
  s.ctx.db.selectFrom('inbound_messages').select(['id', 'state', 'ticket_id', 'mailbox_id']).where('message_id', '=', messageId).executeTakeFirst();

const processedRow = (s: TestServer, messageId: string, timeoutMs = 10_000) =>
  eventually(async () => {
    const r = await messageRow(s, messageId);
    return r && r.state !== 'received' ? r : undefined;
  }, timeoutMs);

describe.skipIf(!!skip)('IMAP receiver against a real dovecot', () => {
  let s: TestServer;
  let dovecot: Dovecot;
  let mailboxId: number;
  const health = async () => (await s.admin.get(`/api/mailboxes/${mailboxId}`)).body.health;

  beforeAll(async () => {
    dovecot = await startDovecot();
    s = await startTestServer();
    mailboxId = await createMailbox(s, {
      name: 'IMAP inbox', kind: 'imap',
      imap: { host: dovecot.host, port: dovecot.port, tls: 'none', username: dovecot.user, password: dovecot.password, pollSeconds: 300 },
    });
    await eventually(async () => (await health()).connected);
  });
  afterAll(async () => {
    await s?.stop();
    await dovecot?.close();
  });

  it('tests IMAP settings before they are saved, saying what is wrong, and changes nothing on the server', async () => {
    const imap = { host: dovecot.host, port: dovecot.port, tls: 'none', username: dovecot.user, password: dovecot.password, pollSeconds: 60 };
    const before = (await dovecot.listFolder()).length;
    const ok = await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, processedFolder: 'Relaydesk/Done' } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, folder: 'INBOX', messages: before, afterStore: 'move', processedFolder: 'will be created' });
    // The stored password of a mailbox fills a blank one.
    const stored = await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, password: undefined }, mailboxId });
    expect(stored.status, JSON.stringify(stored.body)).toBe(200);
    expect(stored.body.afterStore).toBe('flag');
    // …but only to the server and user it was saved for.
    for (const other of [{ host: 'localhost' }, { username: 'someone-else' }]) {
      const elsewhere = await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, ...other, password: undefined }, mailboxId });
      expect(elsewhere.status).toBe(422);
      expect(elsewhere.body.error).toMatchObject({ code: 'password_required', message: expect.stringMatching(/only sent to the server it was saved for/) });
    }

    const wrong = await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, password: 'not-the-password' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({ code: 'imap_check_failed', message: expect.stringMatching(/^IMAP login failed/) });
    const folder = await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, folder: 'No such folder' } });
    expect(folder.status).toBe(422);
    expect(folder.body.error.message).toMatch(/^IMAP folder "No such folder" cannot be opened/);
    const refused = await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, port: 1 } });
    expect(refused.body.error.message).toBe('IMAP server refused the connection');
    const noPassword = await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, password: undefined } });
    expect(noPassword.body.error.code).toBe('password_required');
    // TLS asked of a port that speaks plain IMAP: said in words, not OpenSSL's.
    const plainPort = await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, tls: 'tls' } });
    expect(plainPort.body.error.message).toBe('IMAP server does not speak TLS on this port: choose STARTTLS or no TLS, or the TLS port (usually 993)');
    // The mailbox whose password is to be used must exist and be an IMAP one.
    expect((await s.admin.post('/api/mailboxes/test-imap', { imap, mailboxId: 999_999 })).status).toBe(404);
    const upload = (await s.admin.post('/api/mailboxes', { name: 'Upload for the IMAP test', kind: 'upload' })).body.id;
    const notImap = await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, password: undefined }, mailboxId: upload });
    expect(notImap.status).toBe(422);
    expect(notImap.body.error).toMatchObject({ code: 'not_imap', message: expect.stringMatching(/is not an IMAP mailbox/) });
    expect((await dovecot.listFolder()).length).toBe(before);
  });

  it('keeps the password write-only and encrypted', async () => {
    const box = (await s.admin.get(`/api/mailboxes/${mailboxId}`)).body;
    expect(box.imap).toMatchObject({ host: dovecot.host, username: dovecot.user, passwordSet: true, folder: 'INBOX', processedFolder: null });
    expect(JSON.stringify(box)).not.toContain(dovecot.password);
    const row = await s.ctx.db.selectFrom('mailboxes').selectAll().where('id', '=', mailboxId).executeTakeFirstOrThrow();
    expect(row.settings).not.toContain(dovecot.password);
    expect(row.secret_enc).toMatch(/^v1:/);
    expect(row.secret_enc).not.toContain(dovecot.password);
  });

  it('tickets a message appended to the mailbox within seconds (IDLE), then flags it', async () => {
    const started = Date.now();
    await dovecot.append(buildMail({ subject: 'Arrived by IMAP', messageId: '<imap-1@example.com>' }));
    const row = await processedRow(s, '<imap-1@example.com>', 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(row).toMatchObject({ state: 'processed', mailbox_id: mailboxId });
    expect((await s.admin.get(`/api/tickets/${row.ticket_id}`)).body.summary).toBe('Arrived by IMAP');
    const flags = await eventually(async () => {
      const m = (await dovecot.listFolder()).find((x) => x.messageId === '<imap-1@example.com>');
      return m?.flags.includes(STORED_KEYWORD) ? m.flags : undefined;
    });
    expect(flags).toEqual(expect.arrayContaining(['\\Seen', STORED_KEYWORD]));
    expect((await health()).lastMessageAt).toBeTypeOf('string');
  });

  it('does not flag or move a message it could not store; does so once it is stored', async () => {
    // Move mode with a short poll, so the retry after the outage does not wait for new mail.
    const patched = await s.admin.patch(`/api/mailboxes/${mailboxId}`, { imap: { processedFolder: 'Relaydesk/Done', pollSeconds: 1 } });
    expect(patched.body.imap).toMatchObject({ processedFolder: 'Relaydesk/Done', pollSeconds: 1, passwordSet: true });
    // The receiver restarts with the new settings and creates the folder.
    await eventually(async () => {
      const c = dovecot.client();
      await c.connect();
      try {
        return (await c.list()).some((f) => f.path.startsWith('Relaydesk'));
      } finally {
        await c.logout().catch(() => c.close());
      }
    });

    const restore = await inboxOutage(s.ctx.db, s.ctx.dialect);
    try {
      await dovecot.append(buildMail({ subject: 'During a database outage', messageId: '<imap-2@example.com>' }));
      // The API reads the inbox table too, so look at the mailbox row itself during the outage.
      const h = await eventually(async () => {
        const x = await s.ctx.db.selectFrom('mailboxes').select(['health_connected', 'health_last_error']).where('id', '=', mailboxId).executeTakeFirst();
        return x?.health_last_error?.includes('cannot store mail') ? x : undefined;
      });
      expect(h.health_connected).toBe(1);
      const inbox = await dovecot.listFolder('INBOX');
      const waiting = inbox.find((m) => m.messageId === '<imap-2@example.com>');
      expect(waiting, 'still in INBOX').toBeTruthy();
      expect(waiting!.flags).not.toContain('\\Seen');
    } finally {
      await restore();
    }
    const row = await processedRow(s, '<imap-2@example.com>');
    expect(row.state).toBe('processed');
    await eventually(async () => (await dovecot.listFolder('Relaydesk/Done')).some((m) => m.messageId === '<imap-2@example.com>'));
    expect((await dovecot.listFolder('INBOX')).some((m) => m.messageId === '<imap-2@example.com>')).toBe(false);
    expect((await health()).lastError).toBeNull();
  });

  it('reconnects after the server restarts and picks up mail delivered while it was down', async () => {
    await dovecot.stop();
    const down = await eventually(async () => {
      const h = await health();
      return !h.connected && h.lastError ? h : undefined;
    });
    expect(down.lastError).toMatch(/IMAP/);
    dovecot.deliverToMaildir(buildMail({ subject: 'Delivered while down', messageId: '<imap-3@example.com>' }).toString());
    await dovecot.start();
    const row = await processedRow(s, '<imap-3@example.com>', 20_000);
    expect(row.state).toBe('processed');
    expect((await s.admin.get(`/api/tickets/${row.ticket_id}`)).body.summary).toBe('Delivered while down');
    expect(await health()).toMatchObject({ connected: true, lastError: null });
  }, 40_000);

  it('shows a wrong password in the mailbox health without crashing, and recovers when fixed', async () => {
    await s.admin.patch(`/api/mailboxes/${mailboxId}`, { imap: { password: 'wrong-password' } });
    const h = await eventually(async () => {
      const x = await health();
      return x.lastError?.includes('login failed') ? x : undefined;
    }, 15_000);
    expect(h.connected).toBe(false);
    expect(h.lastError).not.toContain('wrong-password');
    expect((await s.anonymous.get('/api/health')).body.status).toBe('ok');
    await s.admin.put(`/api/mailboxes/${mailboxId}`, {
      name: 'IMAP inbox', kind: 'imap',
      imap: { host: dovecot.host, port: dovecot.port, tls: 'none', username: dovecot.user, password: dovecot.password, processedFolder: 'Relaydesk/Done', pollSeconds: 1 },
    });
    await eventually(async () => {
      const x = await health();
      return x.connected && !x.lastError;
    }, 15_000);
    // A PUT without the password keeps the stored one.
    await s.admin.put(`/api/mailboxes/${mailboxId}`, {
      name: 'IMAP inbox renamed', kind: 'imap',
      imap: { host: dovecot.host, port: dovecot.port, tls: 'none', username: dovecot.user, processedFolder: 'Relaydesk/Done', pollSeconds: 1 },
    });
    await dovecot.append(buildMail({ subject: 'After the fix', messageId: '<imap-4@example.com>' }));
    expect((await processedRow(s, '<imap-4@example.com>', 15_000)).state).toBe('processed');
  }, 40_000);
});

describe('IMAP processed folder', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s?.stop());

  const imap = { host: '127.0.0.1', port: 1, tls: 'none', username: 'desk', password: 'secret', pollSeconds: 60 };
  const refused = (r: { status: number; body: { error: { code: string; message: string } } }, field: string) => {
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining(`body.imap.${field}:`) });
  };

  it('refuses a processed folder that is the folder read from, on create, replace, update and test', async () => {
    const create = (name: string, settings: Record<string, unknown>) =>
      s.admin.post('/api/mailboxes', { name, kind: 'imap', enabled: false, imap: { ...imap, ...settings } });
    refused(await create('Loop', { processedFolder: 'INBOX' }), 'processedFolder');
    // INBOX is case-insensitive in IMAP; other names are not.
    refused(await create('Loop', { processedFolder: 'inbox' }), 'processedFolder');
    refused(await create('Loop', { folder: 'Inbox', processedFolder: 'INBOX' }), 'processedFolder');
    refused(await create('Loop', { folder: 'Support/Mail', processedFolder: 'Support/Mail' }), 'processedFolder');
    refused(await s.admin.post('/api/mailboxes/test-imap', { imap: { ...imap, processedFolder: 'INBOX' } }), 'processedFolder');
    const other = await create('Case apart', { folder: 'Support', processedFolder: 'support' });
    expect(other.status, JSON.stringify(other.body)).toBe(201);

    const id = (await create('Moves', { processedFolder: 'Done' })).body.id;
    refused(await s.admin.patch(`/api/mailboxes/${id}`, { imap: { processedFolder: 'INBOX' } }), 'processedFolder');
    // The settings after the change count: the folder alone becoming the processed folder is refused too.
    refused(await s.admin.patch(`/api/mailboxes/${id}`, { imap: { folder: 'Done' } }), 'folder');
    refused(await s.admin.put(`/api/mailboxes/${id}`, { name: 'Moves', kind: 'imap', imap: { ...imap, processedFolder: 'Inbox' } }), 'processedFolder');
    expect((await s.admin.get(`/api/mailboxes/${id}`)).body.imap).toMatchObject({ folder: 'INBOX', processedFolder: 'Done' });
    const both = await s.admin.patch(`/api/mailboxes/${id}`, { imap: { folder: 'Done', processedFolder: 'INBOX' } });
    expect(both.status, JSON.stringify(both.body)).toBe(200);
  });
});

describe.skipIf(!!skip)('IMAP receiver with settings that name the folder as its processed folder', () => {
  it('flags stored mail instead of moving it into the folder it reads, storing it once', async () => {
    const dovecot = await startDovecot();
    let stores = 0;
    const receiver = startImapReceiver({
      mailboxId: 1,
      // As a mailbox saved before such settings were refused could hold them.
      settings: { host: dovecot.host, port: dovecot.port, tls: 'none', username: dovecot.user, password: dovecot.password, folder: 'INBOX', processedFolder: 'inbox', pollSeconds: 1, tlsVerify: true },
      logger: createLogger('silent'),
      store: async () => ({ id: ++stores, state: 'received', duplicate: stores > 1 }),
      health: async () => {},
      lease: { acquire: async () => true, renew: async () => true, release: async () => {} },
    });
    try {
      await dovecot.append(buildMail({ subject: 'Read from INBOX', messageId: '<imap-loop-1@example.com>' }));
      const flags = await eventually(async () => (await dovecot.listFolder('INBOX')).find((m) => m.flags.includes(STORED_KEYWORD))?.flags);
      expect(flags).toContain('\\Seen');
      // Several polls later the message was still stored only once.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(stores).toBe(1);
      expect(await dovecot.listFolder('INBOX')).toHaveLength(1);
    } finally {
      await receiver.stop();
      await dovecot.close();
    }
  }, 30_000);
});

describe.skipIf(!!skip)('IMAP with STARTTLS', () => {
  it('connects over STARTTLS to a server with a self-signed certificate when verification is off', async () => {
    const dovecot = await startDovecot({ tls: true });
    const s = await startTestServer();
    try {
      const id = await createMailbox(s, {
        name: 'TLS inbox', kind: 'imap',
        imap: { host: dovecot.host, port: dovecot.port, tls: 'starttls', tlsVerify: false, username: dovecot.user, password: dovecot.password, pollSeconds: 300 },
      });
      await eventually(async () => (await s.admin.get(`/api/mailboxes/${id}`)).body.health.connected);
      await dovecot.append(buildMail({ subject: 'Over TLS', messageId: '<imap-tls-1@example.com>' }));
      expect((await processedRow(s, '<imap-tls-1@example.com>')).state).toBe('processed');
      // With verification on, the self-signed certificate is refused and the health says so.
      await s.admin.patch(`/api/mailboxes/${id}`, { imap: { tlsVerify: true } });
      const h = await eventually(async () => {
        const x = (await s.admin.get(`/api/mailboxes/${id}`)).body.health;
        return x.lastError ? x : undefined;
      }, 15_000);
      expect(h.connected).toBe(false);
      expect(h.lastError).toMatch(/certificate/i);
    } finally {
      await s.stop();
      await dovecot.close();
    }
  }, 40_000);
});
