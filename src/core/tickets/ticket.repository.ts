import { sql, type ExpressionBuilder, type Insertable, type Selectable, type Updateable } from 'kysely';
import { cachedQuery } from '../../db/cached-query.ts';
import type { Dialect, Executor } from '../../db/database.ts';
import type { TicketActionsTable, TicketsTable } from '../../db/schema.ts';
import { textMatch } from '../text-match.ts';

export type TicketRow = Selectable<TicketsTable>;
export type TicketActionRow = Selectable<TicketActionsTable>;
export type TicketStatus = TicketRow['status'];
export type TicketSource = TicketRow['source'];

export type TicketFilter = {
  status?: TicketStatus[]; ticketTypeId?: number; customerId?: number; siteId?: number; assetId?: number;
  source?: TicketSource; priority?: number; q?: string; parentTicketId?: number; open?: boolean;
};
export const SORTS = ['id', 'priority', 'updated_at', 'opened_at'] as const;
export type SortKey = (typeof SORTS)[number];

/** A search matching fewer summaries than this is served by the trigram index; a commoner one by the scan. */
const INDEX_PROBE = 2_000;

/** How a text search runs: the ids the trigram index found, or `scan` (test each row in list order). */
type SearchPlan = { ids: number[] } | 'scan';

const ftsPhrase = (needle: string) => `"${needle.replace(/"/g, '""')}"`;

/**
 * On SQLite a needle of three characters or more can be looked up in the trigram index `tickets_fts`
 * (migration 0009) as a phrase, which matches exactly the summaries that contain it. That reads every
 * match, so it pays for text few tickets contain; text in thousands of them is found sooner by
 * scanning in list order, which stops at a page. Reading at most INDEX_PROBE matches decides: fewer,
 * and they are the answer's ids. PostgreSQL's planner makes the same choice for `ilike` by itself.
 */
async function searchPlan(db: Executor, dialect: Dialect, needle: string | undefined): Promise<SearchPlan> {
  if (!needle || dialect === 'postgres' || [...needle].length < 3) return 'scan';
  const key = needle.toLowerCase();
  if (commonText.has(key)) return 'scan';
  const found = await sql<{ id: number }>`select rowid as id from tickets_fts where tickets_fts match ${ftsPhrase(needle)} limit ${INDEX_PROBE}`.execute(db);
  if (found.rows.length < INDEX_PROBE) return { ids: found.rows.map((r) => r.id) };
  if (commonText.size >= 1_000) commonText.clear();
  commonText.add(key);
  return 'scan';
}

/**
 * Text found common stays common (tickets are seldom deleted), and the scan is exact whatever the
 * count, so it is not probed again: the probe would read INDEX_PROBE matches for every page.
 */
const commonText = new Set<string>();

/** Summary contains the text, ignoring case, however the search runs. */
function summaryContains(dialect: Dialect, needle: string, plan: SearchPlan) {
  if (plan === 'scan') return textMatch(dialect, 'tickets.summary', needle);
  return (_eb: ExpressionBuilder<any, any>) => sql<boolean>`tickets.id in (select value from json_each(${JSON.stringify(plan.ids)}))`;
}

function applyFilter<QB extends { where: (...a: any[]) => QB }>(qb: QB, dialect: Dialect, f: TicketFilter, plan: SearchPlan): QB {
  let q = qb;
  if (f.status?.length) q = q.where('tickets.status', 'in', f.status);
  if (f.open) q = q.where('tickets.status', '!=', 'closed');
  if (f.ticketTypeId !== undefined) q = q.where('tickets.ticket_type_id', '=', f.ticketTypeId);
  if (f.customerId !== undefined) q = q.where('tickets.customer_id', '=', f.customerId);
  if (f.siteId !== undefined) q = q.where('tickets.site_id', '=', f.siteId);
  if (f.assetId !== undefined) q = q.where('tickets.asset_id', '=', f.assetId);
  if (f.source) q = q.where('tickets.source', '=', f.source);
  if (f.priority !== undefined) q = q.where('tickets.priority', '=', f.priority);
  if (f.parentTicketId !== undefined) q = q.where('tickets.parent_ticket_id', '=', f.parentTicketId);
  if (f.q) q = q.where(summaryContains(dialect, f.q, plan));
  return q;
}

/** Stable order: the sort column, then id, both in the requested direction; the cursor continues after (key, id). */
export async function listTickets(
  db: Executor, dialect: Dialect, f: TicketFilter,
  page: { sort: SortKey; desc: boolean; after?: { k?: string | number | null; id: number }; limit: number },
) {
  const col = `tickets.${page.sort}` as const;
  const op = page.desc ? '<' : '>';
  let qb = db.selectFrom('tickets').selectAll('tickets');
  qb = applyFilter(qb, dialect, f, await searchPlan(db, dialect, f.q));
  if (page.after) {
    const { k, id } = page.after;
    qb = page.sort === 'id'
      ? qb.where('tickets.id', op, id)
      // A row-value comparison lets both databases seek in the (…, key, id) index.
      : qb.where((eb) => eb(eb.refTuple(col, 'tickets.id'), op, eb.tuple(k as never, id)));
  }
  const dir = page.desc ? 'desc' : 'asc';
  if (page.sort !== 'id') qb = qb.orderBy(col, dir);
  return qb.orderBy('tickets.id', dir).limit(page.limit).execute();
}

export async function countTicketsByStatus(db: Executor, dialect: Dialect, f: TicketFilter) {
  let qb = db.selectFrom('tickets').select(['tickets.status', (eb) => eb.fn.countAll<number>().as('n')]);
  qb = applyFilter(qb, dialect, { ...f, status: undefined, open: undefined }, await searchPlan(db, dialect, f.q));
  return qb.groupBy('tickets.status').execute();
}

export const findTicket = (db: Executor, id: number) => findTicketQuery.first(db, id);
const findTicketQuery = cachedQuery((db, id: number) => db.selectFrom('tickets').selectAll().where('id', '=', id));

/** The default ticket type (the one marked default, else the oldest), as a subquery of an insert. */
const defaultTicketTypeId = (db: Executor) =>
  db.selectFrom('ticket_types').select('id').orderBy('is_default', 'desc').orderBy('id').limit(1);

/** A ticket without a type gets the default one, picked by the insert itself. */
export async function insertTicket(db: Executor, row: Omit<Insertable<TicketsTable>, 'ticket_type_id'> & { ticket_type_id?: number }): Promise<TicketRow> {
  const { ticket_type_id: typeId, ...rest } = row;
  const t = typeId === undefined
    ? await insertTicketOfDefaultType.firstOrThrow(db, rest)
    : await insertTicketQuery.firstOrThrow(db, { ...rest, ticket_type_id: typeId });
  await numberTicketQuery.run(db, t.id);
  return { ...t, number: t.id };
}
const insertTicketQuery = cachedQuery((db, row: Insertable<TicketsTable>) => db.insertInto('tickets').values(row).returningAll());
const insertTicketOfDefaultType = cachedQuery((db, row: Omit<Insertable<TicketsTable>, 'ticket_type_id'>) =>
  db.insertInto('tickets').values({ ...row, ticket_type_id: defaultTicketTypeId(db) }).returningAll());
const numberTicketQuery = cachedQuery((db, id: number) => db.updateTable('tickets').set({ number: id }).where('id', '=', id));

export const updateTicket = (db: Executor, id: number, patch: Updateable<TicketsTable>) => updateTicketQuery.firstOrThrow(db, id, patch);
const updateTicketQuery = cachedQuery((db, id: number, patch: Updateable<TicketsTable>) =>
  db.updateTable('tickets').set(patch).where('id', '=', id).returningAll());

export const insertAction = (db: Executor, row: Insertable<TicketActionsTable>) => insertActionQuery.firstOrThrow(db, row);
const insertActionQuery = cachedQuery((db, row: Insertable<TicketActionsTable>) => db.insertInto('ticket_actions').values(row).returningAll());

/**
 * Adds an action and moves the ticket's `updated_at` to it, for writers that do not need the ticket
 * back (mail and alert occurrences); one statement (one round trip) on PostgreSQL.
 */
export async function insertActionTouching(db: Executor, dialect: Dialect, row: Insertable<TicketActionsTable>): Promise<void> {
  if (dialect === 'postgres') {
    await db.with('added', (qb) => qb.insertInto('ticket_actions').values(row))
      .updateTable('tickets').set({ updated_at: row.created_at }).where('id', '=', row.ticket_id).executeTakeFirstOrThrow();
    return;
  }
  await addActionQuery.run(db, row);
  await touchTicketQuery.run(db, row.ticket_id, row.created_at);
}
const addActionQuery = cachedQuery((db, row: Insertable<TicketActionsTable>) => db.insertInto('ticket_actions').values(row));
const touchTicketQuery = cachedQuery((db, id: number, at: string | undefined) => db.updateTable('tickets').set({ updated_at: at }).where('id', '=', id));

export const listActions = (db: Executor, ticketId: number, afterId: number | undefined, limit: number) =>
  db.selectFrom('ticket_actions').leftJoin('agents', 'agents.id', 'ticket_actions.agent_id')
    .selectAll('ticket_actions').select('agents.name as agent_name')
    .where('ticket_actions.ticket_id', '=', ticketId)
    .$if(afterId !== undefined, (qb) => qb.where('ticket_actions.id', '>', afterId!))
    .orderBy('ticket_actions.id').limit(limit).execute();
