import type { Database, Dialect } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import type { InboxService } from '../inbox.service.ts';
import type { MailboxService } from '../mailbox.service.ts';
import { startImapReceiver } from './imap-receiver.ts';
import { clearLeases, createLease } from './lease.ts';
import { startSmtpReceiver, type Receiver } from './smtp-receiver.ts';

export type ReceiverSupervisorDeps = {
  db: Database; dialect: Dialect; logger: Logger; mailboxes: MailboxService; inbox: InboxService;
  /** Interface inbound SMTP listens on. */
  host: string;
  /** STARTTLS certificate and key for inbound SMTP. */
  smtpTls?: { cert: Buffer; key: Buffer } | null;
  workerId: string;
  /** How often to look for mailbox changes made by other instances. */
  reconcileMs?: number;
};

const LEASE_PREFIX = 'imap-mailbox:';

/** Runs one receiver per enabled IMAP or SMTP mailbox and restarts it when its settings change. */
export function createReceiverSupervisor(d: ReceiverSupervisorDeps) {
  const running = new Map<number, { version: string; receiver: Receiver }>();
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  let stopped = false;
  const log = d.logger.child({ component: 'mail-receivers' });

  const startOne = async (id: number): Promise<Receiver | null> => {
    const m = await d.mailboxes.runtime(id);
    if (!m || !m.enabled) return null;
    const health = (h: { connected: boolean; lastError: string | null }) => d.mailboxes.setHealth(id, h).then(() => {});
    if (m.kind === 'smtp' && m.smtp) {
      return startSmtpReceiver({
        mailboxId: id, settings: m.smtp, host: d.host, tls: d.smtpTls, logger: log, health,
        store: (raw) => d.inbox.receive(id, raw, 'smtp'),
      });
    }
    if (m.kind === 'imap' && m.imap) {
      return startImapReceiver({
        mailboxId: id, settings: m.imap, logger: log, health,
        store: (raw) => d.inbox.receive(id, raw, 'imap'),
        lease: createLease(d.db, `${LEASE_PREFIX}${id}`, d.workerId, 60_000),
      });
    }
    return null;
  };

  const reconcile = async () => {
    if (stopped) return;
    const wanted = new Map((await d.mailboxes.versions())
      .filter((m) => m.enabled && (m.kind === 'imap' || m.kind === 'smtp'))
      .map((m) => [m.id, m.updatedAt]));
    for (const [id, r] of running) {
      if (wanted.get(id) !== r.version) {
        running.delete(id);
        await r.receiver.stop().catch((err) => log.warn({ err, mailboxId: id }, 'stopping a receiver failed'));
      }
    }
    for (const [id, version] of wanted) {
      if (running.has(id) || stopped) continue;
      try {
        const receiver = await startOne(id);
        if (receiver) running.set(id, { version, receiver });
      } catch (err) {
        log.warn({ err: (err as Error).message, mailboxId: id }, 'receiver did not start; retrying later');
      }
    }
  };

  const schedule = () => {
    chain = chain.then(reconcile).catch((err) => log.error({ err }, 'reconciling mail receivers failed'));
    return chain;
  };

  return {
    async start() {
      stopped = false;
      if (d.dialect === 'sqlite') await clearLeases(d.db, LEASE_PREFIX);
      unsubscribe = d.mailboxes.onChange(() => void schedule());
      await schedule();
      timer = setInterval(() => void schedule(), d.reconcileMs ?? 5000);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe?.();
      await chain;
      await Promise.all([...running.values()].map((r) => r.receiver.stop().catch(() => {})));
      running.clear();
    },
  };
}
