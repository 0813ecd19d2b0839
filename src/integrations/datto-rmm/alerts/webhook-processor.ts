import crypto from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Tx } from '../../../db/database.ts';
import { ConflictError, NotFoundError } from '../../../errors.ts';
import type { DattoContext } from '../module-part.ts';
import type { DattoSettings } from '../settings.ts';
import type { AlertIntake } from './alert-intake.service.ts';
import { parseWebhookBody, type ParsedWebhook, type WebhookAlert } from './webhook-body.ts';
import { prefetchStorms, stormKeyOf } from './storm.ts';
import { existingAlertUids } from './alert.repository.ts';
import { createIntakeMemo, flushIntakeMemo, type IntakeMemo } from './intake-memo.ts';
import {
  claimReceived, countReceived, findDelivery, finishDeliveries, finishDelivery, insertDeliveries, processedWithBodies, requeueDelivery,
  type DeliveryOutcome, type DeliveryRow,
} from './webhook-delivery.repository.ts';

/** The same body again within this window is a replay (Datto retrying, a proxy resending) and counts once. */
export const REPLAY_WINDOW_MS = 10 * 60_000;
/** PostgreSQL pays a round trip per statement, so it takes bigger batches. */
const BATCH = { sqlite: 200, postgres: 500 } as const;
const STORE_BATCH = 200;
const POLL_MS = 1000;
/** Under a stream of webhooks, how long a part-filled batch waits for more: fewer, larger commits. */
const GATHER_MS = 25;

export type WebhookProcessor = ReturnType<typeof createWebhookProcessor>;
type Loaded = { settings: DattoSettings; enabled: boolean };

function ticketDetails(a: WebhookAlert): string {
  const f = a.facts;
  const line = (label: string, name: string | null | undefined, uid: string | null | undefined) =>
    name || uid ? `${label}: ${name ?? ''}${uid ? `${name ? ' ' : ''}(${uid})` : ''}` : null;
  return [
    a.message ?? `Datto RMM alert ${a.alertUid}`,
    '',
    line('Device', f.deviceName, f.deviceUid),
    line('Site', f.siteName, f.siteUid),
    f.priority ? `Priority: ${f.priority}` : null,
    a.platform ? `Platform: ${a.platform}` : null,
  ].filter((l) => l !== null).join('\n').trim();
}

/**
 * Webhook deliveries are stored before Datto gets its 202, then processed here in batches, oldest
 * first: by this process right after it stored one, and by every worker process on a short poll (so a
 * delivery stored by an instance that stopped is still processed). On PostgreSQL concurrent batches
 * skip each other's rows.
 */
export function createWebhookProcessor(ctx: DattoContext, intake: AlertIntake) {
  const log = ctx.logger.child({ component: 'datto-webhooks' });
  let started = false;
  let stopped = false;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let pendingStores: Array<{ body: string; sha: string; at: string; alertUid: string | null; resolve(id: number): void; reject(err: unknown): void }> = [];
  let flushScheduled = false;

  const flushStores = async () => {
    const taken = pendingStores;
    pendingStores = [];
    try {
      for (let i = 0; i < taken.length; i += STORE_BATCH) {
        const part = taken.slice(i, i + STORE_BATCH);
        try {
          const ids = await insertDeliveries(ctx.db, part.map((p) => ({ body: p.body, bodySha256: p.sha, alertUid: p.alertUid, receivedAt: p.at })));
          part.forEach((p, n) => p.resolve(ids[n]!));
        } catch (err) {
          for (const p of part) p.reject(err);
        }
      }
    } finally {
      if (pendingStores.length) setImmediate(flushStores);
      else flushScheduled = false;
    }
    kick();
  };

  /** What one transaction already knows: the bodies processed so far (replays) and the intake's lookups. */
  type Batch = {
    processed: Map<string, Array<{ id: number; receivedAt: string }>>;
    memo: IntakeMemo;
    outcomes: Array<{ id: number; alertUid: string | null } & DeliveryOutcome>;
    parsed: Map<number, ParsedWebhook>;
  };

  const newBatch = async (trx: Tx, rows: DeliveryRow[], { settings }: Loaded): Promise<Batch> => {
    const uids = [...new Set(rows.map((r) => r.alert_uid).filter((x): x is string => !!x))];
    const batch: Batch = { processed: new Map(), memo: createIntakeMemo(await existingAlertUids(trx, uids)), outcomes: [], parsed: new Map() };
    const stormKeys = new Set<string>();
    for (const row of rows) {
      const parsed = parseWebhookBody(row.body);
      batch.parsed.set(row.id, parsed);
      const key = parsed.ok ? stormKeyOf(settings, parsed.alert.facts.deviceUid, parsed.alert.facts.siteUid) : null;
      if (key) stormKeys.add(key);
    }
    await prefetchStorms(trx, { dialect: ctx.dialect, memo: batch.memo }, [...stormKeys]);
    const shas = [...new Set(rows.map((r) => r.body_sha256).filter((x): x is string => !!x))];
    const earliest = rows.reduce((min, r) => (r.received_at < min ? r.received_at : min), rows[0]?.received_at ?? new Date().toISOString());
    for (const p of await processedWithBodies(trx, shas, new Date(Date.parse(earliest) - REPLAY_WINDOW_MS).toISOString())) {
      remember(batch, p.body_sha256!, p.id, p.received_at);
    }
    return batch;
  };

  const remember = (batch: Batch, sha: string, id: number, receivedAt: string) => {
    const list = batch.processed.get(sha) ?? [];
    list.push({ id, receivedAt });
    batch.processed.set(sha, list);
  };

  const processIn = async (trx: Tx, row: DeliveryRow, { settings, enabled }: Loaded, batch: Batch) => {
    // newBatch parsed every row of the batch.
    const parsed = batch.parsed.get(row.id)!;
    if (!parsed.ok) {
      batch.outcomes.push({ id: row.id, alertUid: null, state: 'failed', ticketId: null, reason: parsed.reason });
      return;
    }
    const a = parsed.alert;
    const since = new Date(Date.parse(row.received_at) - REPLAY_WINDOW_MS).toISOString();
    const earlier = row.body_sha256
      ? batch.processed.get(row.body_sha256)?.find((p) => p.id < row.id && p.receivedAt >= since)
      : undefined;
    if (earlier) {
      batch.outcomes.push({
        id: row.id, alertUid: a.alertUid, state: 'ignored', ticketId: null,
        reason: `identical to delivery #${earlier.id} received less than ${REPLAY_WINDOW_MS / 60_000} minutes earlier: counted once`,
      });
      return;
    }
    const outcome = await intake.raiseIn(trx, {
      alertUid: a.alertUid, via: 'webhook', event: a.resolved ? 'resolved' : 'raised', at: new Date(row.received_at),
      summary: a.message?.split('\n')[0]?.slice(0, 300) || `Datto RMM alert ${a.alertUid}`,
      details: ticketDetails(a), facts: a.facts, ref: { webhookDeliveryId: row.id },
    }, settings, enabled, batch.memo);
    const state = outcome.outcome === 'ignored' ? 'ignored' : 'processed';
    batch.outcomes.push({
      id: row.id, alertUid: a.alertUid, state,
      ticketId: 'ticketId' in outcome ? outcome.ticketId : null,
      // Worded as the mail trace words it.
      reason: outcome.outcome === 'ignored' || outcome.outcome === 'held' ? outcome.reason
        : `${outcome.outcome === 'ticket_created' ? 'created' : 'added to'} ticket #${outcome.ticketId}${outcome.note ? ` (${outcome.note})` : ''}`,
    });
    if (state === 'processed' && row.body_sha256) remember(batch, row.body_sha256, row.id, row.received_at);
  };

  /**
   * What a batch leaves for the end of its transaction: the alerts it rolled into storms, the storm
   * counts and the outcomes. A delivery whose alert another process inserted meanwhile stays
   * `received` and is processed again as a known alert.
   */
  const closeBatch = async (trx: Tx, batch: Batch) => {
    const lost = await flushIntakeMemo(trx, batch.memo);
    const finished = lost.size ? batch.outcomes.filter((o) => !o.alertUid || !lost.has(o.alertUid)) : batch.outcomes;
    await finishDeliveries(trx, finished, new Date().toISOString());
  };

  /** One batch in one transaction; when something in it fails, each delivery on its own so only the bad one fails. */
  const processBatch = async (): Promise<number> => {
    const loaded = await ctx.settings.load();
    try {
      const n = await ctx.db.transaction().execute(async (trx) => {
        const rows = await claimReceived(trx, ctx.dialect, BATCH[ctx.dialect]);
        const batch = await newBatch(trx, rows, loaded);
        for (const row of rows) await processIn(trx, row, loaded, batch);
        await closeBatch(trx, batch);
        return rows.length;
      });
      // Enrichment jobs were queued in that transaction.
      if (n > 0) ctx.queue.wake();
      return n;
    } catch (err) {
      log.warn({ err }, 'a webhook batch failed; processing its deliveries one by one');
      let done = 0;
      for (let i = 0; i < BATCH[ctx.dialect]; i++) {
        const n = await processSingle(loaded);
        if (n === 0) break;
        done += n;
      }
      return done;
    }
  };

  const processSingle = async (loaded: Loaded): Promise<number> => {
    let current: DeliveryRow | undefined;
    try {
      return await ctx.db.transaction().execute(async (trx) => {
        const [row] = await claimReceived(trx, ctx.dialect, 1);
        if (!row) return 0;
        current = row;
        const batch = await newBatch(trx, [row], loaded);
        await processIn(trx, row, loaded, batch);
        await closeBatch(trx, batch);
        return 1;
      });
    } catch (err) {
      if (!current) throw err;
      const failed = current;
      log.error({ err, deliveryId: failed.id }, 'a webhook delivery could not be processed');
      await finishDelivery(ctx.db, failed.id, {
        state: 'failed', at: new Date().toISOString(), ticketId: null,
        reason: `processing failed: ${(err as Error).message}; replay it from Datto RMM > Webhook deliveries`,
      });
      return 1;
    }
  };

  const kick = () => {
    if (!started || stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      try {
        do {
          again = false;
          // Between batches the event loop gets a turn: webhooks waiting for their 202 are stored
          // then, rather than after the whole backlog (SQLite work does not yield on its own). A
          // batch that was not full means webhooks trickle in: the next one waits a moment to gather
          // more (a lone webhook is still processed at once, the loop only starts on a store).
          for (let n = await processBatch(); !stopped && n > 0; n = await processBatch()) {
            if (n < BATCH[ctx.dialect]) await sleep(GATHER_MS);
            else await nextTurn();
          }
        } while (again && !stopped);
      } catch (err) {
        log.error({ err }, 'webhook processing failed; retrying on the next poll');
      } finally {
        running = false;
      }
    })();
  };

  return {
    /**
     * Stores the body as it came and resolves with its id once committed; the 202 waits for that.
     * Bodies arriving together are written in one statement (group commit).
     */
    store(body: string): Promise<number> {
      return new Promise((resolve, reject) => {
        const parsed = parseWebhookBody(body);
        pendingStores.push({
          body, sha: crypto.createHash('sha256').update(body).digest('hex'), at: new Date().toISOString(),
          alertUid: parsed.ok ? parsed.alert.alertUid : parsed.alertUid ?? null, resolve, reject,
        });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flushStores);
        }
      });
    },
    wake: kick,
    /** A failed delivery is processed again (after fixing the webhook body in Datto, or a bug). */
    async replay(id: number): Promise<void> {
      const d = await findDelivery(ctx.db, id);
      if (!d) throw new NotFoundError('Webhook delivery', id);
      if (d.state !== 'failed') throw new ConflictError(`Delivery ${d.id} is ${d.state}; only a failed one is processed again`);
      await requeueDelivery(ctx.db, d.id);
      kick();
    },
    /** Processes everything waiting (tests, benchmarks); returns how many deliveries it handled. */
    async drain(): Promise<number> {
      let total = 0;
      for (let n = await processBatch(); n > 0; n = await processBatch()) total += n;
      return total;
    },
    backlog: () => countReceived(ctx.db),
    start() {
      started = true;
      stopped = false;
      timer = setInterval(kick, POLL_MS);
      timer.unref?.();
      kick();
      return async () => {
        stopped = true;
        clearInterval(timer);
        while (running) await new Promise((r) => setTimeout(r, 10));
      };
    },
  };
}
