import fs from 'node:fs';
import { createAppContext } from '../app-context.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { createMailPipeline } from '../mail/mail-pipeline.ts';
import { messageOf } from '../errors.ts';

/**
 * `relaydesk ingest --mailbox <id> FILE.eml…`: stores each file in the mailbox's inbox, like an upload.
 * Exits 1 when a file could not be stored or, with --process, ended up failed; the others go on.
 */
export async function ingestCommand(files: string[], opts: { mailbox: string; process?: boolean }) {
  const mailboxId = Number(opts.mailbox);
  if (!Number.isInteger(mailboxId) || mailboxId <= 0) {
    process.stderr.write('--mailbox: a mailbox id (see GET /api/mailboxes)\n');
    process.exitCode = 2;
    return;
  }
  const ctx = await createAppContext(loadConfig(), { logger: createLogger('warn') });
  const mail = createMailPipeline(ctx, { pollMs: 200 });
  try {
    await mail.inbox.checkMailboxAccepts(mailboxId);
    const stored: Array<{ file: string; id: number }> = [];
    const problems = new Map<string, string>();
    for (const file of files) {
      try {
        const receipt = await mail.inbox.receive(mailboxId, fs.readFileSync(file), 'cli');
        stored.push({ file, id: receipt.id });
        process.stdout.write(receipt.duplicate
          ? `${file}: already stored as message ${receipt.id} (${receipt.state})\n`
          : `${file}: stored as message ${receipt.id}\n`);
      } catch (err) {
        process.stderr.write(`${file}: ${messageOf(err)}\n`);
        problems.set(file, 'not stored');
      }
    }
    if (opts.process && stored.length) {
      await mail.processor.drain(120_000);
      for (const s of stored) {
        const m = await mail.inbox.get(s.id);
        process.stdout.write(`${s.file}: ${m.state}${m.ruleName ? ` by rule "${m.ruleName}"` : ''}${m.reason ? ` — ${m.reason}` : ''}\n`);
        if (m.state === 'failed') problems.set(s.file, `message ${s.id} failed`);
      }
    }
    if (problems.size) {
      const which = files.filter((f) => problems.has(f)).map((f) => `${f} (${problems.get(f)})`);
      process.stderr.write(`${which.length} of ${files.length} ${files.length === 1 ? 'file' : 'files'} did not go through: ${which.join(', ')}\n`);
      process.exitCode = 1;
    }
  } catch (err) {
    process.stderr.write(`${messageOf(err)}\n`);
    process.exitCode = 1;
  } finally {
    await ctx.close();
  }
}
