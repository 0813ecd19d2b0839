import { sql, type Selectable } from 'kysely';
import type { Dialect, Executor } from '../../../db/database.ts';
import type { WebhookDeliveriesTable } from '../../../db/schema.ts';
import { MODULE_KEY } from '../settings.ts';

export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type DeliveryState = DeliveryRow['state'];

/** Stores bodies as they came, in one statement; returns their ids in input order. */
export async function insertDeliveries(
  exec: Executor, rows: Array<{ body: string; bodySha256: string; alertUid: string | null; receivedAt: string }>,
): Promise<number[]> {
  const inserted = await exec.insertInto('webhook_deliveries').values(rows.map((row) => ({
    module_key: MODULE_KEY, body: row.body, body_sha256: row.bodySha256, alert_uid: row.alertUid, received_at: row.receivedAt, state: 'received' as const,
  }))).returning('id').execute();
  // One multi-row insert hands out ascending ids in row order on both databases.
  return inserted.map((r) => r.id).sort((a, b) => a - b);
}

/** Deliveries not processed yet, oldest first; on PostgreSQL rows another processor holds are skipped. */
export const claimReceived = (exec: Executor, dialect: Dialect, limit: number) =>
  exec.selectFrom('webhook_deliveries').selectAll()
    .where('module_key', '=', MODULE_KEY).where('state', '=', 'received')
    .orderBy('id').limit(limit)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked())
    .execute();

/** Processed deliveries with one of these bodies received since `since` (a replay of one counts once). */
export async function processedWithBodies(exec: Executor, shas: string[], since: string) {
  if (shas.length === 0) return [];
  // The state is checked here, not in SQL: with it there SQLite walks the state index instead of the fingerprint one.
  const rows = await exec.selectFrom('webhook_deliveries').select(['id', 'body_sha256', 'received_at', 'state'])
    .where('module_key', '=', MODULE_KEY).where('body_sha256', 'in', shas).where('received_at', '>=', since)
    .execute();
  return rows.filter((r) => r.state === 'processed');
}

export const finishDelivery = (exec: Executor, id: number, outcome: DeliveryOutcome & { at: string }) =>
  exec.updateTable('webhook_deliveries')
    .set({ state: outcome.state, ticket_id: outcome.ticketId, reason: outcome.reason, processed_at: outcome.at })
    .where('id', '=', id).execute();

export type DeliveryOutcome = { state: DeliveryState; ticketId: number | null; reason: string | null };

/** Records the outcome of many deliveries in one statement per 500 (a storm's share one outcome each). */
export async function finishDeliveries(exec: Executor, outcomes: Array<{ id: number } & DeliveryOutcome>, at: string): Promise<void> {
  for (let i = 0; i < outcomes.length; i += 500) {
    const groups = new Map<string, { outcome: DeliveryOutcome; ids: number[] }>();
    for (const o of outcomes.slice(i, i + 500)) {
      const key = JSON.stringify([o.state, o.ticketId, o.reason]);
      const g = groups.get(key) ?? { outcome: o, ids: [] };
      g.ids.push(o.id);
      groups.set(key, g);
    }
    const list = [...groups.values()];
    const pick = <T>(value: (o: DeliveryOutcome) => T, type: 'text' | 'integer') =>
      sql<T>`case ${sql.join(list.map((g) => sql`when id in (${sql.join(g.ids)}) then cast(${value(g.outcome)} as ${sql.raw(type)})`), sql` `)} end`;
    await exec.updateTable('webhook_deliveries')
      .set({
        state: pick((o) => o.state, 'text'),
        ticket_id: pick((o) => o.ticketId, 'integer'),
        reason: pick((o) => o.reason, 'text'),
        processed_at: at,
      })
      .where('id', 'in', list.flatMap((g) => g.ids)).execute();
  }
}

export const findDelivery = (exec: Executor, id: number) =>
  exec.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).where('module_key', '=', MODULE_KEY).executeTakeFirst();

export const listDeliveries = (exec: Executor, f: { state?: DeliveryState; alertUid?: string; beforeId?: number; limit: number }) =>
  exec.selectFrom('webhook_deliveries').selectAll()
    .where('module_key', '=', MODULE_KEY)
    .$if(!!f.state, (qb) => qb.where('state', '=', f.state!))
    .$if(!!f.alertUid, (qb) => qb.where('alert_uid', '=', f.alertUid!))
    .$if(f.beforeId !== undefined, (qb) => qb.where('id', '<', f.beforeId!))
    .orderBy('id', 'desc').limit(f.limit).execute();

export async function countReceived(exec: Executor): Promise<number> {
  const r = await exec.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('module_key', '=', MODULE_KEY).where('state', '=', 'received').executeTakeFirstOrThrow();
  return Number(r.n);
}

export const requeueDelivery = (exec: Executor, id: number) =>
  exec.updateTable('webhook_deliveries').set({ state: 'received', reason: null, processed_at: null }).where('id', '=', id).execute();
