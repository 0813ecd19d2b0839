import type { Dialect, Executor } from '../db/database.ts';
import { mailDb } from './mail-tables.ts';
import { rawQuery } from './raw-sql.ts';

export type InboundState = 'received' | 'processed' | 'ignored' | 'failed';

const listColumns = [
  'id', 'mailbox_id', 'message_id', 'subject', 'from_addr', 'received_at', 'state', 'rule_id', 'rule_name', 'ticket_id',
  'reason', 'attempts', 'processed_at', 'size',
] as const;

export type InboundSummaryRow = {
  id: number; mailbox_id: number; message_id: string | null; subject: string | null; from_addr: string | null; received_at: string;
  state: InboundState; rule_id: number | null; rule_name: string | null; ticket_id: number | null; reason: string | null;
  attempts: number; processed_at: string | null; size: number;
};

export type NewInbound = {
  mailbox_id: number; message_id: string | null; sha256: string; raw: Buffer; subject: string | null; from_addr: string | null; received_at: string;
};

const INBOUND_COLUMNS = '(mailbox_id, message_id, sha256, raw, size, subject, from_addr, received_at, state, attempts)';
const INBOUND_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, 'received', 0)";
const insertInboundText = (rows: number) => `insert into inbound_messages ${INBOUND_COLUMNS}
  values ${Array.from({ length: rows }, () => INBOUND_VALUES).join(', ')}
  on conflict (mailbox_id, sha256) do nothing returning id, state, mailbox_id, sha256`;
const inboundParams = (row: NewInbound) =>
  [row.mailbox_id, row.message_id, row.sha256, row.raw, row.raw.length, row.subject, row.from_addr, row.received_at];

export type StoredInbound = { id: number; state: InboundState; duplicate: boolean };

/** Statement sizes for a group of messages, so that only a few distinct texts are ever prepared. */
const CHUNKS = [64, 16, 4, 1];
const insertTexts = new Map(CHUNKS.map((n) => [n, insertInboundText(n)]));

/**
 * Stores messages once per mailbox and content, several per statement; a message stored before
 * (or twice in `rows`) gets the existing row, marked duplicate. Results are in the order of `rows`.
 */
export async function insertInbound(db: Executor, rows: NewInbound[]): Promise<StoredInbound[]> {
  const key = (mailboxId: number, sha256: string) => `${mailboxId}:${sha256}`;
  const inserted = new Map<string, { id: number; state: InboundState }>();
  for (let i = 0; i < rows.length;) {
    const n = CHUNKS.find((c) => c <= rows.length - i)!;
    const r = await rawQuery<{ id: number; state: InboundState; mailbox_id: number; sha256: string }>(
      db, insertTexts.get(n)!, rows.slice(i, i + n).flatMap(inboundParams),
    );
    for (const x of r.rows) inserted.set(key(Number(x.mailbox_id), x.sha256), { id: Number(x.id), state: x.state });
    i += n;
  }
  const out: StoredInbound[] = [];
  for (const row of rows) {
    const k = key(row.mailbox_id, row.sha256);
    const fresh = inserted.get(k);
    if (fresh) {
      out.push({ ...fresh, duplicate: false });
      inserted.delete(k);
      continue;
    }
    const existing = await db.selectFrom('inbound_messages').select(['id', 'state'])
      .where('mailbox_id', '=', row.mailbox_id).where('sha256', '=', row.sha256).executeTakeFirstOrThrow();
    out.push({ ...existing, duplicate: true });
  }
  return out;
}

export type ClaimedMessage = {
  id: number; mailbox_id: number; sha256: string; raw: Buffer; received_at: string; attempts: number;
  /** Another message carries its Message-ID (or it has none stored): only then can it be a copy of a ticketed mail. */
  maybe_copy: boolean;
};

/**
 * Leases up to `limit` received messages whose lease is free or lapsed, oldest first; on PostgreSQL
 * rows another processor is claiming are skipped, so several instances share the inbox.
 */
export async function claimReceived(
  exec: Executor, dialect: Dialect, opts: { now: string; leaseUntil: string; workerId: string; limit: number },
): Promise<ClaimedMessage[]> {
  const db = mailDb(exec);
  const due = db.selectFrom('inbound_messages').select('id')
    .where('state', '=', 'received')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', opts.now)]))
    .orderBy('id').limit(opts.limit)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked());
  const rows = await db.updateTable('inbound_messages')
    .set((eb) => ({ lease_until: opts.leaseUntil, locked_by: opts.workerId, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', due)
    .returning(['id', 'mailbox_id', 'sha256', 'raw', 'received_at', 'attempts', 'message_id'])
    .execute();
  const shared = await sharedMessageIds(db, rows.map((r) => r.message_id).filter((m): m is string => m !== null));
  return rows
    .map(({ message_id, ...r }) => ({ ...r, maybe_copy: message_id === null || shared.has(message_id) }))
    .sort((a, b) => a.id - b.id);
}

/** Which of these Message-IDs more than one stored message carries: one statement for a claimed batch. */
async function sharedMessageIds(db: ReturnType<typeof mailDb>, messageIds: string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const rows = await db.selectFrom('inbound_messages').select('message_id')
    .where('message_id', 'in', [...new Set(messageIds)])
    .groupBy('message_id').having((eb) => eb.fn.countAll(), '>', 1).execute();
  return new Set(rows.map((r) => r.message_id!));
}

export type Outcome = {
  state: Exclude<InboundState, 'received'>; rule_id: number | null; rule_name: string | null; ticket_id: number | null; reason: string | null;
  subject?: string | null; from_addr?: string | null; message_id?: string | null; processed_at: string;
};

const RECORD_OUTCOME = `update inbound_messages set state = ?, rule_id = ?, rule_name = ?, ticket_id = ?, reason = ?,
  subject = coalesce(?, subject), from_addr = coalesce(?, from_addr), message_id = coalesce(?, message_id), processed_at = ?,
  lease_until = null, locked_by = null
  where id = ? and state = 'received' and locked_by = ?`;

/** Writes the message's outcome, if this worker still holds its claim. */
export async function recordOutcome(exec: Executor, id: number, workerId: string, o: Outcome): Promise<boolean> {
  const r = await rawQuery(exec, RECORD_OUTCOME, [
    o.state, o.rule_id, o.rule_name, o.ticket_id, o.reason, o.subject ?? null, o.from_addr ?? null, o.message_id ?? null, o.processed_at,
    id, workerId,
  ]);
  return Number(r.numAffectedRows ?? 0) === 1;
}

const TICKETED_COPY = `select id, mailbox_id, ticket_id from inbound_messages
  where message_id = ? and sha256 = ? and ticket_id is not null and id <> ? order by id limit 1`;

export type TicketedCopy = { id: number; mailbox_id: number; ticket_id: number };

/**
 * An earlier message with the same Message-ID and content that is on a ticket: the same mail
 * delivered to another mailbox too (To and Cc, or a forwarding rule), or replayed.
 */
export async function findTicketedCopy(exec: Executor, m: { id: number; sha256: string; messageId: string | null }): Promise<TicketedCopy | null> {
  if (!m.messageId) return null;
  const row = (await rawQuery<TicketedCopy>(exec, TICKETED_COPY, [m.messageId, m.sha256, m.id])).rows[0];
  return row ? { id: Number(row.id), mailbox_id: Number(row.mailbox_id), ticket_id: Number(row.ticket_id) } : null;
}

/** Gives a claimed message back to be tried again after `retryAt`. */
export async function releaseClaim(exec: Executor, id: number, workerId: string, retryAt: string, reason: string): Promise<void> {
  await mailDb(exec).updateTable('inbound_messages').set({ lease_until: retryAt, locked_by: null, reason: reason.slice(0, 2000) })
    .where('id', '=', id).where('state', '=', 'received').where('locked_by', '=', workerId).execute();
}

/** On a single-process database, leases of an earlier run are void at start. */
export async function clearLeases(exec: Executor): Promise<void> {
  await mailDb(exec).updateTable('inbound_messages').set({ lease_until: null, locked_by: null })
    .where('state', '=', 'received').where('lease_until', 'is not', null).execute();
}

export const findInbound = (db: Executor, id: number): Promise<InboundSummaryRow | undefined> =>
  db.selectFrom('inbound_messages').select([...listColumns]).where('id', '=', id).executeTakeFirst();

export const findRaw = (db: Executor, id: number) =>
  db.selectFrom('inbound_messages').select(['id', 'raw']).where('id', '=', id).executeTakeFirst();

/** Newest first; the cursor continues below the last id served. */
export const listInbound = (db: Executor, f: { mailboxId: number; states?: InboundState[]; beforeId?: number; limit: number }): Promise<InboundSummaryRow[]> =>
  db.selectFrom('inbound_messages').select([...listColumns])
    .where('mailbox_id', '=', f.mailboxId)
    .$if(!!f.states?.length, (qb) => qb.where('state', 'in', f.states!))
    .$if(f.beforeId !== undefined, (qb) => qb.where('id', '<', f.beforeId!))
    .orderBy('id', 'desc').limit(f.limit).execute();

/** Puts a failed or ignored message back in the inbox; false when it is in another state. */
export async function requeue(exec: Executor, id: number): Promise<boolean> {
  const r = await mailDb(exec).updateTable('inbound_messages')
    .set({ state: 'received', reason: null, rule_id: null, rule_name: null, ticket_id: null, processed_at: null, lease_until: null, locked_by: null, attempts: 0 })
    .where('id', '=', id).where('state', 'in', ['failed', 'ignored']).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
