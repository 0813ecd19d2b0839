import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Logger } from '../../logger.ts';
import { sameImapFolder, type ImapSettings } from '../mailbox.schemas.ts';
import type { Receipt } from '../inbox.service.ts';
import type { Lease } from './lease.ts';
import type { Receiver } from './smtp-receiver.ts';

/** Folders are written with "/" between levels; as an array imapflow joins them with the server's own delimiter. */
export const folderPath = (folder: string) => folder.split('/').filter(Boolean);

/** How the receiver and the connection test reach a mailbox's server; each adds its own timeouts. */
export const imapConnection = (s: ImapSettings, password: string): ImapFlowOptions => ({
  host: s.host, port: s.port, secure: s.tls === 'tls', doSTARTTLS: s.tls === 'starttls' ? true : s.tls === 'none' ? false : undefined,
  auth: { user: s.username, pass: password }, logger: false, tls: { rejectUnauthorized: s.tlsVerify }, disableCompression: true,
});

/** Set on stored mail (with \Seen) when the server allows keywords and no processed folder is set. */
export const STORED_KEYWORD = '$RelaydeskStored';

export type ImapReceiverDeps = {
  mailboxId: number;
  settings: ImapSettings & { password: string | null };
  logger: Logger;
  store(raw: Buffer): Promise<Receipt>;
  health(h: { connected: boolean; lastError: string | null }): Promise<void>;
  lease: Lease;
  backoff?: { baseMs: number; maxMs: number };
};

export function describeImapError(err: unknown): string {
  const e = err as { authenticationFailed?: boolean; responseText?: string; code?: string; message?: string };
  if (e?.authenticationFailed) return `IMAP login failed${e.responseText ? `: ${e.responseText}` : ''}`;
  if (e?.code === 'ECONNREFUSED') return 'IMAP server refused the connection';
  if (e?.code === 'ENOTFOUND') return 'IMAP host not found';
  if (e?.code === 'ETIMEDOUT' || e?.code === 'CONNECT_TIMEOUT' || e?.code === 'GREETING_TIMEOUT') return 'IMAP server did not answer in time';
  const text = e?.responseText ?? e?.message ?? String(err);
  // OpenSSL's own wording ("…:ssl3_get_record:wrong version number:…") means nothing to an admin.
  if (/wrong version number|packet length too long|unknown protocol/i.test(text)) {
    return 'IMAP server does not speak TLS on this port: choose STARTTLS or no TLS, or the TLS port (usually 993)';
  }
  if (/certificate|self[- ]signed|unable to verify/i.test(text)) {
    return `IMAP server's TLS certificate is not trusted (${text.trim()}): install a trusted certificate, or turn certificate checking off for this mailbox`;
  }
  return `IMAP error: ${text.trim()}`;
}

/**
 * One IMAP mailbox: connect, store every new message, then flag it (\Seen + keyword) or move it —
 * never before it is stored. IDLE brings new mail within seconds; a poll every `pollSeconds` is the
 * fallback; a lost connection is retried with exponential backoff.
 */
export function startImapReceiver(d: ImapReceiverDeps): Receiver {
  const s = d.settings;
  const backoff = d.backoff ?? { baseMs: 500, maxMs: 30_000 };
  const log = d.logger.child({ mailboxId: d.mailboxId, receiver: 'imap' });
  let stopped = false;
  let client: ImapFlow | null = null;
  let wake: (() => void) | null = null;
  let holding = false;
  // Consecutive failed connections; reset once a connection is up, so backoff starts small again.
  let failures = 0;

  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      wake = null;
      resolve();
    }, ms);
    wake = () => {
      clearTimeout(timer);
      wake = null;
      resolve();
    };
  });

  // The API refuses a processed folder that is the folder itself, but settings saved before it did may
  // still say so: flag then, since moving INBOX to INBOX would fetch and store the same mail without end.
  const moveTo = s.processedFolder && !sameImapFolder(s.folder, s.processedFolder) ? s.processedFolder : null;
  if (s.processedFolder && !moveTo) log.warn({ folder: s.folder }, 'IMAP processed folder is the folder itself; flagging stored mail instead of moving it');
  const processedPath = moveTo ? folderPath(moveTo) : null;

  const sync = async (c: ImapFlow, mode: 'move' | 'keyword' | 'seen') => {
    const query = mode === 'move' ? { deleted: false } : mode === 'keyword' ? { unKeyword: STORED_KEYWORD, deleted: false } : { seen: false, deleted: false };
    const uids = (await c.search(query, { uid: true })) || [];
    if (uids.length === 0) return;
    const CHUNK = 25;
    for (let i = 0; i < uids.length && !stopped; i += CHUNK) {
      const stored: number[] = [];
      try {
        for (const uid of uids.slice(i, i + CHUNK)) {
          const msg = await c.fetchOne(String(uid), { source: true }, { uid: true });
          if (!msg || !msg.source) continue;
          await d.store(msg.source);
          stored.push(uid);
        }
      } finally {
        if (stored.length) {
          const range = stored.join(',');
          if (mode === 'move') await c.messageMove(range, processedPath!, { uid: true });
          else await c.messageFlagsAdd(range, mode === 'keyword' ? ['\\Seen', STORED_KEYWORD] : ['\\Seen'], { uid: true });
        }
      }
    }
  };

  /** Runs one connection until it closes; 'lease-lost' when another instance took the mailbox over. */
  const connectAndSync = async (): Promise<'closed' | 'lease-lost'> => {
    const c = new ImapFlow({
      ...imapConnection(s, s.password ?? ''), autoIdleDelay: 300, connectionTimeout: 20_000, greetingTimeout: 15_000, socketTimeout: 10 * 60_000,
    });
    client = c;
    c.on('error', (err: Error) => log.debug({ err: err.message }, 'IMAP connection error'));
    let newMail = false;
    const closed = new Promise<void>((resolve) => c.on('close', () => {
      wake?.();
      resolve();
    }));
    c.on('exists', () => {
      newMail = true;
      wake?.();
    });
    await c.connect();
    const box = await c.mailboxOpen(folderPath(s.folder));
    if (processedPath) {
      await c.mailboxCreate(processedPath).catch((err: { serverResponseCode?: string; responseText?: string }) => {
        if (err?.serverResponseCode !== 'ALREADYEXISTS' && !/exist/i.test(err?.responseText ?? '')) throw err;
      });
    }
    const mode = processedPath ? 'move' : box.permanentFlags?.has('\\*') ? 'keyword' : 'seen';
    await d.health({ connected: true, lastError: null });
    failures = 0;
    log.info({ mode }, 'IMAP mailbox connected');
    let storeFailing = false;
    let lastRenew = Date.now();
    while (!stopped && c.usable) {
      newMail = false;
      const lastSync = Date.now();
      try {
        await sync(c, mode);
        if (storeFailing) await d.health({ connected: true, lastError: null });
        storeFailing = false;
      } catch (err) {
        if (!c.usable) break;
        // The database refused the message: keep the connection, record why, try again on the next round.
        storeFailing = true;
        await d.health({ connected: true, lastError: `cannot store mail: ${(err as Error).message}` }).catch(() => {});
        log.warn({ err: (err as Error).message }, 'IMAP sync failed');
      }
      // Wait for new mail (IDLE), the poll time or a closed connection, keeping the lease fresh.
      while (!newMail && !stopped && c.usable && Date.now() - lastSync < s.pollSeconds * 1000) {
        if (Date.now() - lastRenew > 10_000) {
          lastRenew = Date.now();
          if (!(await d.lease.renew())) {
            log.warn('IMAP lease taken by another instance; disconnecting');
            return 'lease-lost';
          }
        }
        await Promise.race([pause(Math.min(1000, s.pollSeconds * 1000 - (Date.now() - lastSync))), closed]);
      }
    }
    return 'closed';
  };

  const run = async () => {
    while (!stopped) {
      if (!(await d.lease.acquire().catch(() => false))) {
        holding = false;
        await pause(10_000);
        continue;
      }
      holding = true;
      try {
        if ((await connectAndSync()) === 'lease-lost') {
          holding = false;
          failures = 0;
          continue;
        }
        if (!stopped) throw new Error('the server closed the connection');
      } catch (err) {
        if (stopped) break;
        failures++;
        const message = describeImapError(err);
        log.warn({ err: message, failures }, 'IMAP mailbox disconnected');
        await d.health({ connected: false, lastError: message }).catch(() => {});
      } finally {
        const c = client;
        client = null;
        if (c) {
          c.removeAllListeners('exists');
          if (c.usable) await c.logout().catch(() => c.close());
          else c.close();
        }
      }
      if (stopped) break;
      const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failures, 16));
      await pause(Math.round(ceiling / 2 + Math.random() * ceiling / 2));
    }
  };

  const loop = run().catch((err) => log.error({ err }, 'IMAP receiver stopped unexpectedly'));

  return {
    async stop() {
      stopped = true;
      wake?.();
      const c = client;
      if (c) {
        if (c.usable) await c.logout().catch(() => c.close());
        else c.close();
      }
      await loop;
      if (holding) await d.lease.release().catch(() => {});
      await d.health({ connected: false, lastError: null }).catch(() => {});
    },
  };
}
