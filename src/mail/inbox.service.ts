import type { Database } from '../db/database.ts';
import { now } from '../db/database.ts';
import { ConflictError, NotFoundError, PayloadTooLargeError, ValidationError } from '../errors.ts';
import { decodeCursor, toPage } from '../core/paging.ts';
import * as repo from './inbox.repository.ts';
import { findMailbox, findMailboxSettings } from './mailbox.repository.ts';
import { MAX_MESSAGE_BYTES } from './mailbox.schemas.ts';
import { mailMetrics } from './mail-metrics.ts';
import { isLoopReason } from './auto-reply.ts';
import { contentHash, summaryHeaders } from './raw-message.ts';

export type InboundMessage = {
  id: number; mailboxId: number; messageId: string | null; subject: string | null; from: string | null; receivedAt: string;
  state: repo.InboundState; ruleName: string | null; ruleId: number | null; ticketId: number | null; reason: string | null;
  attempts: number; processedAt: string | null; size: number;
  /** Whether a replay can change anything: failed, or ignored by a rule (a bounce or auto-reply is ignored before any rule). */
  replayable: boolean;
};

const replayable = (r: Pick<repo.InboundSummaryRow, 'state' | 'reason'>) =>
  r.state === 'failed' || (r.state === 'ignored' && !isLoopReason(r.reason));

export const presentInbound = (r: repo.InboundSummaryRow): InboundMessage => ({
  id: r.id, mailboxId: r.mailbox_id, messageId: r.message_id, subject: r.subject, from: r.from_addr, receivedAt: r.received_at,
  state: r.state, ruleName: r.rule_name, ruleId: r.rule_id, ticketId: r.ticket_id, reason: r.reason, attempts: r.attempts,
  processedAt: r.processed_at, size: r.size, replayable: replayable(r),
});

export type Receipt = { id: number; state: repo.InboundState; duplicate: boolean };
export type ReceiveVia = 'imap' | 'smtp' | 'upload' | 'cli';

export type InboxService = ReturnType<typeof createInboxService>;

/**
 * The durable inbox: a message is stored (committed) before anything else happens to it, and the
 * receiver acknowledges its source only after `receive` resolved.
 */
export function createInboxService(db: Database, opts: { onStored?: () => void } = {}) {
  const store = createGroupCommit(db);
  const accepting = new Map<number, { at: number; enabled: boolean | null }>();
  return {
    async receive(mailboxId: number, raw: Buffer, via: ReceiveVia): Promise<Receipt> {
      // No field name: each caller says where the message came from (the upload's body, the CLI's file).
      if (raw.length === 0) throw new ValidationError('the message is empty');
      if (raw.length > MAX_MESSAGE_BYTES) throw new PayloadTooLargeError(`The message is larger than ${MAX_MESSAGE_BYTES} bytes`);
      const head = summaryHeaders(raw);
      const receipt = await store({
        mailbox_id: mailboxId, message_id: head.messageId, sha256: contentHash(raw), raw, subject: head.subject, from_addr: head.from,
        received_at: now(),
      });
      if (receipt.duplicate) mailMetrics.duplicates.inc({ via });
      else {
        mailMetrics.received.inc({ via });
        opts.onStored?.();
      }
      return receipt;
    },

    /**
     * For the upload path: the mailbox must exist and be enabled. Read at most once a second per
     * mailbox (uploads come in bursts); a change made in this process is seen at once.
     */
    async checkMailboxAccepts(mailboxId: number) {
      let known = accepting.get(mailboxId);
      if (!known || Date.now() - known.at > 1_000) {
        const m = await findMailboxSettings(db, mailboxId);
        if (accepting.size > 1_000) accepting.clear();
        known = { at: Date.now(), enabled: m ? m.enabled === 1 : null };
        accepting.set(mailboxId, known);
      }
      if (known.enabled === null) throw new NotFoundError('Mailbox', mailboxId);
      if (!known.enabled) throw new ConflictError(`Mailbox ${mailboxId} is disabled`);
    },

    /** A mailbox was changed or removed: its next upload reads it again. */
    forgetMailbox(mailboxId: number) {
      accepting.delete(mailboxId);
    },

    async list(mailboxId: number, q: { states?: repo.InboundState[]; cursor?: string; limit: number }) {
      if (!(await findMailbox(db, mailboxId))) throw new NotFoundError('Mailbox', mailboxId);
      const c = decodeCursor(q.cursor);
      const rows = await repo.listInbound(db, { mailboxId, states: q.states, beforeId: c?.id, limit: q.limit + 1 });
      return toPage(rows, q.limit, presentInbound, (r) => ({ id: r.id }));
    },

    async get(id: number) {
      const r = await repo.findInbound(db, id);
      if (!r) throw new NotFoundError('Inbound message', id);
      return presentInbound(r);
    },

    async raw(id: number): Promise<Buffer> {
      const r = await repo.findRaw(db, id);
      if (!r) throw new NotFoundError('Inbound message', id);
      return Buffer.from(r.raw);
    },

    /** A failed or ignored message goes through the pipeline again (rules may have changed). */
    async replay(id: number) {
      const r = await repo.findInbound(db, id);
      if (!r) throw new NotFoundError('Inbound message', id);
      if (r.state === 'ignored' && !replayable(r)) {
        throw new ConflictError(`Message ${id} is a bounce or an auto-reply, which is ignored before any rule runs; replaying it would change nothing`);
      }
      if (!(await repo.requeue(db, id))) {
        throw new ConflictError(`Message ${id} is ${r.state}; only a failed or ignored message can be replayed`);
      }
      opts.onStored?.();
      return presentInbound((await repo.findInbound(db, id))!);
    },
  };
}

const GROUP_LIMIT = 200;

/**
 * Group commit for the store step: messages that arrive while a commit is running are stored
 * together in the next transaction, and each caller is answered once the transaction holding its
 * message committed. Under light load every message commits on its own, without waiting.
 */
function createGroupCommit(db: Database) {
  type Item = { row: repo.NewInbound; resolve(r: Receipt): void; reject(e: unknown): void };
  let queue: Item[] = [];
  let running = false;

  const flush = async () => {
    while (queue.length) {
      const batch = queue.slice(0, GROUP_LIMIT);
      queue = queue.slice(batch.length);
      try {
        const receipts = await db.transaction().execute((trx) => repo.insertInbound(trx, batch.map((item) => item.row)));
        batch.forEach((item, i) => item.resolve(receipts[i]!));
      } catch (err) {
        if (batch.length === 1) {
          batch[0]!.reject(err);
          continue;
        }
        // One bad message must not fail the others: store them one by one.
        for (const item of batch) await repo.insertInbound(db, [item.row]).then(([r]) => item.resolve(r!), item.reject);
      }
    }
    running = false;
  };

  return (row: repo.NewInbound) => new Promise<Receipt>((resolve, reject) => {
    queue.push({ row, resolve, reject });
    if (running) return;
    running = true;
    // SQLite answers synchronously, so a flush started at once would hold one message only: waiting
    // for the end of this event-loop turn lets every request read in it share the commit.
    setImmediate(() => void flush());
  });
}
