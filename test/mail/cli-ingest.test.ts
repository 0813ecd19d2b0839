import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { buildMail, createMailbox, settled } from '../support/mail-helpers.ts';
import { testDialect } from '../support/test-database.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/relaydesk.js', import.meta.url).pathname;

describe('relaydesk ingest --mailbox <id> FILE.eml…', () => {
  let s: TestServer;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    s = await startTestServer();
    let databaseUrl: string | undefined;
    if (testDialect === 'postgres') {
      const schema = (await s.ctx.db.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('s')).executeTakeFirstOrThrow()).s;
      databaseUrl = `${process.env.TEST_DATABASE_URL}${process.env.TEST_DATABASE_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    }
    env = {
      ...process.env, RELAYDESK_DATA_DIR: s.dataDir, LOG_LEVEL: 'warn', RELAYDESK_SECRET_KEY: s.ctx.config.RELAYDESK_SECRET_KEY,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    };
  });
  afterAll(async () => { await s?.stop(); });

  it('stores each file once and the running server makes the tickets', async () => {
    const mailboxId = await createMailbox(s);
    const dir = fs.mkdtempSync(path.join(s.dataDir, 'eml-'));
    const a = path.join(dir, 'a.eml');
    const b = path.join(dir, 'b.eml');
    fs.writeFileSync(a, buildMail({ subject: 'From the CLI one' }));
    fs.writeFileSync(b, buildMail({ subject: 'From the CLI two' }));
    const first = await run('node', [bin, 'ingest', '--mailbox', String(mailboxId), a, b], { env });
    const ids = [...first.stdout.matchAll(/stored as message (\d+)/g)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(2);
    const again = await run('node', [bin, 'ingest', '--mailbox', String(mailboxId), a], { env });
    expect(again.stdout).toMatch(new RegExp(`a\\.eml: already stored as message ${ids[0]}`));
    for (const id of ids) expect((await settled(s, id)).state).toBe('processed');
    const summaries = await Promise.all(ids.map(async (id) => (await s.admin.get(`/api/tickets/${(await s.admin.get(`/api/inbound-messages/${id}`)).body.ticketId}`)).body.summary));
    expect(summaries).toEqual(['From the CLI one', 'From the CLI two']);
  }, 60_000);

  it('refuses to run with another secret key than the server\'s, saying so without a stack trace', async () => {
    const { RELAYDESK_SECRET_KEY: _key, ...withoutKey } = env;
    const err = await run('node', [bin, 'ingest', '--mailbox', '1', path.join(s.dataDir, 'none.eml')], { env: withoutKey }).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr.trim()).toMatch(/^RELAYDESK_SECRET_KEY: this is not the key the secrets in this database were encrypted with/);
    expect(err.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('says which file failed and exits non-zero; refuses an unknown mailbox', async () => {
    const err = await run('node', [bin, 'ingest', '--mailbox', '424242', path.join(s.dataDir, 'none.eml')], { env }).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/Mailbox 424242 not found/);
    const mailboxId = await createMailbox(s);
    const missing = await run('node', [bin, 'ingest', '--mailbox', String(mailboxId), path.join(s.dataDir, 'none.eml')], { env }).catch((e) => e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/none\.eml: ENOENT/);
  }, 60_000);

  it('with --process, exits 1 when a file failed or was not stored, after processing the others, and says which', async () => {
    const mailboxId = await createMailbox(s);
    const dir = fs.mkdtempSync(path.join(s.dataDir, 'eml-'));
    const [good, notMail, empty] = ['good.eml', 'not-mail.eml', 'empty.eml'].map((f) => path.join(dir, f));
    fs.writeFileSync(good, buildMail({ subject: 'Processed by the CLI' }));
    fs.writeFileSync(notMail, 'Just some text, no header.\n');
    fs.writeFileSync(empty, '');
    const ingest = (...files: string[]) => run('node', [bin, 'ingest', '--process', '--mailbox', String(mailboxId), ...files], { env }).catch((e) => e);

    // Stored, then failed to process.
    const failed = await ingest(good, notMail);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toMatch(/good\.eml: processed — created ticket #\d+/);
    expect(failed.stdout).toMatch(/not-mail\.eml: failed — not an RFC 822 message/);
    const id = /not-mail\.eml: stored as message (\d+)/.exec(failed.stdout)![1];
    expect(failed.stderr).toBe(`1 of 2 files did not go through: ${notMail} (message ${id} failed)\n`);

    // Not stored; the message names the file, not an HTTP field.
    const notStored = await ingest(empty, good);
    expect(notStored.code, notStored.stderr).toBe(1);
    expect(notStored.stdout).toMatch(/good\.eml: processed/);
    expect(notStored.stderr).toBe(`${empty}: the message is empty\n1 of 2 files did not go through: ${empty} (not stored)\n`);
  }, 60_000);
});
