import { ImapFlow } from 'imapflow';
import { UnprocessableError } from '../../errors.ts';
import type { ImapSettings } from '../mailbox.schemas.ts';
import { describeImapError, folderPath, imapConnection } from './imap-receiver.ts';

export type ImapCheck = {
  ok: true;
  folder: string;
  messages: number;
  /** What the receiver will do with stored mail. */
  afterStore: 'move' | 'flag';
  /** The processed folder exists, or the receiver will create it on connecting. */
  processedFolder: 'exists' | 'will be created' | null;
};

/**
 * Tries IMAP settings the way the receiver will use them: connect, log in, open the folder read-only
 * and look for the processed folder. Changes nothing on the server.
 */
export async function checkImap(s: ImapSettings & { password: string }): Promise<ImapCheck> {
  const c = new ImapFlow({ ...imapConnection(s, s.password), connectionTimeout: 15_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  c.on('error', () => {});
  let step = 'connect';
  try {
    await c.connect();
    step = 'folder';
    const box = await c.mailboxOpen(folderPath(s.folder), { readOnly: true });
    let processedFolder: ImapCheck['processedFolder'] = null;
    if (s.processedFolder) {
      const wanted = folderPath(s.processedFolder).join(box.delimiter || '/');
      const list = await c.list();
      processedFolder = list.some((f) => f.path === wanted) ? 'exists' : 'will be created';
    }
    return { ok: true, folder: box.path, messages: box.exists, afterStore: s.processedFolder ? 'move' : 'flag', processedFolder };
  } catch (err) {
    const why = step === 'folder' ? `IMAP folder "${s.folder}" cannot be opened: ${(err as { responseText?: string }).responseText ?? (err as Error).message}` : describeImapError(err);
    throw new UnprocessableError('imap_check_failed', why);
  } finally {
    await c.logout().catch(() => c.close());
  }
}
