import crypto from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as wait } from 'node:timers/promises';
import type { Database, Dialect, Tx } from '../db/database.ts';
import { AppError, messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { InboundMail, RuleActionDefinition, RuleActionOutcome } from '../rules/rule-action.ts';
import { firstMatch, type CompiledRule } from '../rules/rule-engine.ts';
import { loadActiveRules } from '../rules/email-rule.service.ts';
import { automatedReason, loopReason } from './auto-reply.ts';
import * as repo from './inbox.repository.ts';
import { ConcurrentMailError, type MailTicketing } from './mail-ticketing.ts';
import { mailMetrics } from './mail-metrics.ts';
import { MalformedMailError, parseMail, type MimeParser, type ParsedMail } from './mail-parser.ts';
import { rawQuery } from './raw-sql.ts';

export type MailProcessorOptions = {
  db: Database;
  dialect: Dialect;
  logger: Logger;
  ticketing: MailTicketing;
  /** Every rule action available now (core and modules). */
  actions: () => RuleActionDefinition<any>[];
  /** Messages claimed and parsed together. */
  batchSize?: number;
  /** How often to look for messages stored by other processes. */
  pollMs?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /**
   * Parallel processing lanes (PostgreSQL; default 4 there, 1 on SQLite). Mails that probably belong
   * to one ticket share a lane (see laneOf), so lanes seldom wait on each other's row locks.
   */
  lanes?: number;
  /** MIME parsing, e.g. on worker threads (see parse-pool.ts); in-thread by default. */
  parser?: MimeParser;
  /**
   * Group commit: up to this many messages (and about `groupMs` of work) share a transaction.
   * 1 gives every message a transaction of its own.
   */
  commitGroup?: number;
  groupMs?: number;
};

export type MailProcessor = {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Called after a message was stored or requeued in this process. */
  wake(): void;
  /** Processes until no received message is left (CLI, tests). */
  drain(timeoutMs?: number): Promise<void>;
};

type Decision = {
  state: 'processed' | 'ignored' | 'failed'; rule: CompiledRule | null; ticketId: number | null; reason: string;
  after: Array<() => void>; outcome: string;
};

const describe = (o: RuleActionOutcome): string =>
  o.outcome === 'ignored' ? o.reason
    : o.outcome === 'ticket_created' ? `created ticket #${o.ticketId}${o.note ? ` (${o.note})` : ''}`
      : `added to ticket #${o.ticketId}${o.note ? ` (${o.note})` : ''}`;

class LostClaim extends Error {}

/** A message of an unguarded group failed: the group is rolled back and run again, a savepoint per message. */
class GuardedReplay extends Error {
  constructor(override readonly cause: unknown) {
    super('replay the group with a savepoint per message');
  }
}

/** An action of a matching rule failed; the message is recorded as failed with that rule. */
class RuleFailure extends Error {
  constructor(readonly rule: CompiledRule, override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** A race another transaction won (a thread key or any unique row inserted at the same moment). */
function isConcurrent(err: unknown): boolean {
  const e = err instanceof RuleFailure ? err.cause : err;
  return e instanceof ConcurrentMailError || ['23505', 'SQLITE_CONSTRAINT_UNIQUE'].includes(String((e as { code?: unknown })?.code ?? ''));
}

function isRetryable(err: unknown): boolean {
  if (err instanceof RuleFailure) return isRetryable(err.cause);
  if (err instanceof ConcurrentMailError) return true;
  const code = String((err as { code?: unknown })?.code ?? '');
  return ['23505', '40001', '40P01', 'SQLITE_BUSY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'ECONNREFUSED', 'ECONNRESET', '57P01', '08006', '08003']
    .includes(code);
}

/**
 * The inbox worker: claims received messages in batches (leases, SKIP LOCKED on PostgreSQL), parses
 * each once, and for each runs the pipeline — loop filter, rules in order, default — in ONE
 * transaction that writes the ticket changes and the message's outcome.
 */
export function createMailProcessor(o: MailProcessorOptions): MailProcessor {
  const workerId = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const batchSize = o.batchSize ?? 100;
  const pollMs = o.pollMs ?? 1000;
  const leaseMs = o.leaseMs ?? 60_000;
  const maxAttempts = o.maxAttempts ?? 5;
  const lanes = Math.max(1, o.lanes ?? (o.dialect === 'postgres' ? 4 : 1));
  const commitGroup = Math.max(1, o.commitGroup ?? 100);
  const groupMs = o.groupMs ?? 25;
  const log = o.logger;

  let stopped = true;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let pending = false;
  let lastYield = Date.now();

  const decide = async (
    trx: Tx, msg: repo.ClaimedMessage, mail: InboundMail, rules: CompiledRule[], actionsByType: Map<string, RuleActionDefinition<any>>,
  ): Promise<Decision> => {
    // The same mail delivered to two mailboxes is worked once: the later copy points at the ticket.
    const copy = msg.maybe_copy ? await repo.findTicketedCopy(trx, { id: msg.id, sha256: msg.sha256, messageId: mail.messageId }) : null;
    if (copy) {
      return {
        state: 'processed', rule: null, ticketId: copy.ticket_id, after: [], outcome: 'duplicate',
        reason: `already on ticket #${copy.ticket_id}: the same mail arrived as message #${copy.id} (mailbox #${copy.mailbox_id}); not added again`,
      };
    }
    const loopWhy = loopReason(mail);
    if (loopWhy) return { state: 'ignored', rule: null, ticketId: null, reason: loopWhy, after: [], outcome: 'ignored' };
    const rule = firstMatch(rules, mail);
    // Machine-sent mail neither opens nor joins a ticket unless the rule that matched it accepts such
    // mail. The matched rule is recorded, so the trace shows which rule would have taken it.
    const automated = automatedReason(mail);
    if (automated && !rule?.acceptAutomated) {
      const why = rule ? `rule "${rule.name}" does not accept automated mail` : 'no rule matched';
      return { state: 'ignored', rule, ticketId: null, reason: `${automated}; ${why}`, after: [], outcome: 'ignored' };
    }
    if (!rule) {
      const r = await o.ticketing.ticketFromMail(trx, mail);
      return r.outcome === 'ignored'
        ? { state: 'ignored', rule: null, ticketId: null, reason: r.reason, after: [], outcome: 'ignored' }
        : { state: 'processed', rule: null, ticketId: r.ticketId, reason: describe(r), after: [], outcome: r.outcome };
    }
    try {
      return await runActions(trx, mail, rule, actionsByType);
    } catch (err) {
      throw new RuleFailure(rule, err);
    }
  };

  const runActions = async (trx: Tx, mail: InboundMail, rule: CompiledRule, actionsByType: Map<string, RuleActionDefinition<any>>): Promise<Decision> => {
    const after: Array<() => void> = [];
    const done: string[] = [];
    let ticketId: number | null = null;
    let outcome = 'ignored';
    for (const [i, action] of rule.actions.entries()) {
      const def = actionsByType.get(action.type);
      if (!def) throw new AppError('unknown_action', `rule "${rule.name}" action ${i + 1} is "${action.type}", which no enabled module provides`, 422);
      const parsed = def.params.safeParse(action.params);
      if (!parsed.success) throw new AppError('invalid_action_params', `rule "${rule.name}" action ${action.type}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`, 422);
      const r = await def.run(trx, mail, parsed.data);
      if (def.afterCommit) after.push(() => def.afterCommit!());
      done.push(describe(r));
      if (r.outcome === 'ignored') {
        // "Ignore" after an action that wrote to a ticket (rules saved before such rules were refused)
        // ends the rule, but the mail is on that ticket: processed, so a replay cannot add it twice.
        if (ticketId !== null) return { state: 'processed', rule, ticketId, reason: done.join('; '), after, outcome };
        return { state: 'ignored', rule, ticketId, reason: done.join('; '), after, outcome: 'ignored' };
      }
      ticketId = r.ticketId;
      outcome = r.outcome;
    }
    return { state: 'processed', rule, ticketId, reason: done.join('; '), after, outcome };
  };

  const savepoint = (trx: Tx, verb: 'savepoint' | 'release savepoint' | 'rollback to savepoint') => rawQuery(trx, `${verb} mail_message`, []);

  const recordDecision = (trx: Tx, msg: repo.ClaimedMessage, mail: InboundMail, d: Decision) => repo.recordOutcome(trx, msg.id, workerId, {
    state: d.state, rule_id: d.rule?.id ?? null, rule_name: d.rule?.name ?? null, ticket_id: d.ticketId, reason: d.reason.slice(0, 2000),
    subject: mail.subject.slice(0, 1000) || null, from_addr: mail.from?.address ?? null, message_id: mail.messageId,
    processed_at: new Date().toISOString(),
  });

  /** What to do once the message's transaction committed. */
  const committed = (msg: repo.ClaimedMessage, d: Decision) => () => {
    mailMetrics.processed.inc({ outcome: d.outcome });
    mailMetrics.latency.observe((Date.now() - Date.parse(msg.received_at)) / 1000);
    for (const fn of d.after) {
      try {
        fn();
      } catch (err) {
        log.warn({ err, inboundMessageId: msg.id }, 'after-commit hook failed');
      }
    }
  };

  /**
   * One message inside the group's transaction. Optimistically (`guarded` false) it runs bare, and
   * any error fails the whole group, which is then run again guarded: each message's ticket changes
   * and outcome under a savepoint of its own, so they commit together or not at all, and a failing
   * message rolls back alone (its failure is then recorded instead). Failures are rare, and two
   * statements per message less matter on PostgreSQL, where each is a round trip.
   * Returns what to do once the transaction committed.
   */
  const processInGroup = async (
    trx: Tx, msg: repo.ClaimedMessage, parsed: ParsedMail | Error, rules: CompiledRule[], actionsByType: Map<string, RuleActionDefinition<any>>,
    guarded: boolean,
  ): Promise<() => void> => {
    const failed = async (reason: string, head?: ParsedMail, rule?: CompiledRule) => {
      await repo.recordOutcome(trx, msg.id, workerId, {
        state: 'failed', rule_id: rule?.id ?? null, rule_name: rule?.name ?? null, ticket_id: null, reason: reason.slice(0, 2000), processed_at: new Date().toISOString(),
        ...(head ? { subject: head.subject.slice(0, 1000) || null, from_addr: head.from?.address ?? null, message_id: head.messageId } : {}),
      });
      return () => mailMetrics.processed.inc({ outcome: 'failed' });
    };
    if (parsed instanceof Error) {
      const reason = parsed instanceof MalformedMailError ? parsed.message : `cannot parse: ${parsed.message}`;
      log.warn({ inboundMessageId: msg.id, mailboxId: msg.mailbox_id, reason }, 'mail recorded as failed: it cannot be parsed');
      return failed(reason);
    }
    const mail: InboundMail = { ...parsed, inboundMessageId: msg.id, mailboxId: msg.mailbox_id };
    if (!guarded) {
      try {
        const d = await decide(trx, msg, mail, rules, actionsByType);
        if (!(await recordDecision(trx, msg, mail, d))) throw new LostClaim();
        return committed(msg, d);
      } catch (err) {
        throw new GuardedReplay(err);
      }
    }
    for (let attempt = 1; ; attempt++) {
      await savepoint(trx, 'savepoint');
      try {
        const d = await decide(trx, msg, mail, rules, actionsByType);
        // Another processor took the message over (our lease lapsed): undo, it does the work.
        if (!(await recordDecision(trx, msg, mail, d))) throw new LostClaim();
        await savepoint(trx, 'release savepoint');
        return committed(msg, d);
      } catch (err) {
        await savepoint(trx, 'rollback to savepoint');
        await savepoint(trx, 'release savepoint');
        if (err instanceof LostClaim) return () => {};
        // Lost a race for a new thread key: the winner has committed by now, so a second look finds its ticket.
        if (isConcurrent(err) && attempt < 3) continue;
        const reason = messageOf(err);
        if (isRetryable(err) && msg.attempts < maxAttempts) {
          await repo.releaseClaim(trx, msg.id, workerId, new Date(Date.now() + 200 * 2 ** (msg.attempts - 1)).toISOString(), `retrying: ${reason}`);
          return () => mailMetrics.retries.inc();
        }
        log.warn({ inboundMessageId: msg.id, err: reason }, 'mail processing failed');
        return failed(reason, parsed, err instanceof RuleFailure ? err.rule : undefined);
      }
    }
  };

  /** Messages of one lane, a group per transaction. */
  const processLane = async (items: Array<[repo.ClaimedMessage, ParsedMail | Error]>, rules: CompiledRule[], actionsByType: Map<string, RuleActionDefinition<any>>) => {
    let i = 0;
    while (i < items.length) {
      const start = i;
      let effects: Array<() => void> = [];
      const group = (guarded: boolean) => o.db.transaction().execute(async (trx) => {
        i = start;
        effects = [];
        const began = Date.now();
        while (i < items.length && i - start < commitGroup && (i === start || Date.now() - began < groupMs)) {
          const [m, p] = items[i]!;
          effects.push(await processInGroup(trx, m, p, rules, actionsByType, guarded));
          i++;
        }
      });
      try {
        await group(false).catch((err) => {
          if (err instanceof GuardedReplay) return group(true);
          throw err;
        });
      } catch (err) {
        // The transaction itself failed (e.g. the database went away): the rest of the lane is retried later.
        log.error({ err }, 'mail processing transaction failed');
        const retryAt = new Date(Date.now() + 1000).toISOString();
        for (const [m] of items.slice(start)) {
          await repo.releaseClaim(o.db, m.id, workerId, retryAt, `retrying: ${(err as Error).message}`).catch(() => {});
        }
        return;
      }
      for (const fn of effects) fn();
      // SQLite answers synchronously: without a pause now and then a long backlog would keep HTTP and SMTP waiting.
      if (Date.now() - lastYield > 50) {
        await nextTurn();
        lastYield = Date.now();
      }
    }
  };

  /**
   * Mails that probably end on one ticket go to one lane, in order: by a token in braces in the subject
   * (e.g. Alert{uid}), a [#N] ticket tag, the mail replied to, else sender and subject.
   */
  const laneOf = (parsed: ParsedMail | Error) => {
    if (lanes === 1 || parsed instanceof Error) return 0;
    const key = /\{([^{}\s]{6,})\}/.exec(parsed.subject)?.[1]?.toLowerCase()
      ?? /\[#(\d+)\]/.exec(parsed.subject)?.[1]
      ?? parsed.inReplyTo
      ?? `${parsed.from?.address ?? ''}|${parsed.subject.replace(/^((re|fw|fwd|aw|wg)\s*:\s*)+/i, '')}`;
    return crypto.createHash('md5').update(key).digest().readUInt32BE(0) % lanes;
  };

  type Batch = { items: Array<[repo.ClaimedMessage, ParsedMail | Error]>; rules: CompiledRule[]; actionsByType: Map<string, RuleActionDefinition<any>> };

  /** Claims and parses a batch; null when the inbox has nothing to do. */
  const fetchBatch = async (): Promise<Batch | null> => {
    const t = Date.now();
    const claimed = await repo.claimReceived(o.db, o.dialect, {
      now: new Date(t).toISOString(), leaseUntil: new Date(t + leaseMs).toISOString(), workerId, limit: batchSize,
    });
    if (claimed.length === 0) return null;
    const actionsByType = new Map(o.actions().map((a) => [a.type, a]));
    const [rules, ...parsed] = await Promise.all([
      loadActiveRules(o.db),
      ...claimed.map((m) => (m.attempts > maxAttempts
        ? Promise.resolve(new Error(`gave up after ${maxAttempts} attempts`))
        : parseMail(Buffer.isBuffer(m.raw) ? m.raw : Buffer.from(m.raw), o.parser).catch((e: Error) => e))),
    ]) as [CompiledRule[], ...Array<ParsedMail | Error>];
    return { items: claimed.map((m, i) => [m, parsed[i]!]), rules, actionsByType };
  };

  const processBatch = async (b: Batch) => {
    const byLane: Array<Batch['items']> = Array.from({ length: lanes }, () => []);
    // A reply claimed together with the mail it answers goes to that mail's lane, after it.
    const laneOfMessageId = new Map<string, number>();
    for (const item of b.items) {
      const parsed = item[1];
      let lane = laneOf(parsed);
      if (!(parsed instanceof Error)) {
        const answered = [parsed.inReplyTo, ...parsed.references].find((id) => id && laneOfMessageId.has(id));
        if (answered) lane = laneOfMessageId.get(answered)!;
        if (parsed.messageId) laneOfMessageId.set(parsed.messageId, lane);
      }
      byLane[lane]!.push(item);
    }
    await Promise.all(byLane.map((lane) => processLane(lane, b.rules, b.actionsByType)));
  };

  /** One round without overlap (drain): claim, parse, process. Returns how many messages it took. */
  const round = async (): Promise<number> => {
    const b = await fetchBatch();
    if (b) await processBatch(b);
    return b?.items.length ?? 0;
  };

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      wakeUp = null;
      resolve();
    }, ms);
    wakeUp = () => {
      clearTimeout(timer);
      wakeUp = null;
      resolve();
    };
  });

  /** While one batch is processed the next is claimed and parsed (on the parse workers). */
  const run = async () => {
    let failures = 0;
    let next: Promise<Batch | null> | null = null;
    // `pending` is cleared when a claim starts: a wake-up after that makes the loop claim again at once.
    const claimNext = (gather: boolean) => {
      pending = false;
      // Claim at the end of this event-loop turn: messages being stored in it join the batch. After a
      // batch that was not full, mail trickles in: wait a moment for more (fewer, larger commits).
      const p = (gather ? wait(groupMs) : nextTurn()).then(fetchBatch);
      p.catch(() => {});
      return p;
    };
    while (!stopped) {
      try {
        const batch = await (next ?? claimNext(false));
        next = null;
        failures = 0;
        if (batch) {
          next = claimNext(batch.items.length < batchSize);
          await processBatch(batch);
          continue;
        }
      } catch (err) {
        next = null;
        failures++;
        log.error({ err }, 'mail processing round failed');
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
        continue;
      }
      if (!stopped && !pending) await sleep(pollMs);
    }
    // A batch claimed but not processed keeps its lease until it lapses; give it back now.
    const left = await next?.catch(() => null);
    if (left) for (const [m] of left.items) await repo.releaseClaim(o.db, m.id, workerId, new Date().toISOString(), 'released at shutdown').catch(() => {});
  };

  return {
    async start() {
      if (!stopped) return;
      if (o.dialect === 'sqlite') await repo.clearLeases(o.db);
      stopped = false;
      loop = run();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
      loop = null;
    },
    wake() {
      pending = true;
      wakeUp?.();
    },
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (loop) {
          this.wake();
          await new Promise((r) => setTimeout(r, 20));
        } else if ((await round()) > 0) continue;
        const left = await o.db.selectFrom('inbound_messages').select('id').where('state', '=', 'received').limit(1).execute();
        if (left.length === 0) return;
        if (Date.now() > deadline) throw new Error('the inbox did not drain in time');
        if (!loop) await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
