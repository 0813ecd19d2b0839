import { sql, type ExpressionBuilder, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Dialect, Executor, Tx } from '../../../db/database.ts';
import type { DattoAlertsTable, DattoAlertStormsTable, DB } from '../../../db/schema.ts';
import type { TicketRow } from '../../../core/tickets/ticket.repository.ts';
import { cachedQuery } from '../../../db/cached-query.ts';

export type AlertRow = Selectable<DattoAlertsTable>;
export type AlertPatch = Updateable<DattoAlertsTable>;
export type StormRow = Selectable<DattoAlertStormsTable>;
export type ResolveState = AlertRow['resolve_state'];
export type DattoState = AlertRow['datto_state'];

/**
 * Serialises work on one key (an alert group, a storm) across transactions. PostgreSQL takes a
 * transaction-scoped advisory lock; SQLite has a single writer, so its transactions already are.
 */
export async function lockKey(trx: Tx, dialect: Dialect, key: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
}

/** The first delivery of an alert inserts its row; null when the row exists (then read it with `findAlert`). */
export const insertAlertIfNew = (trx: Executor, row: Insertable<DattoAlertsTable>) => insertAlertQuery.first(trx, row);
const insertAlertQuery = cachedQuery((trx, row: Insertable<DattoAlertsTable>) =>
  trx.insertInto('datto_alerts').values(row).onConflict((oc) => oc.column('alert_uid').doNothing()).returningAll());

/** New alerts rolled into storms, in one statement; returns the uids that were indeed new. */
export async function insertStormAlerts(trx: Executor, rows: Array<Insertable<DattoAlertsTable>>): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await trx.insertInto('datto_alerts').values(rows)
    .onConflict((oc) => oc.column('alert_uid').doNothing()).returning('alert_uid').execute();
  return inserted.map((r) => r.alert_uid);
}

/** Which of these uids already have an alert row. */
export async function existingAlertUids(exec: Executor, uids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < uids.length; i += 500) {
    const rows = await exec.selectFrom('datto_alerts').select('alert_uid').where('alert_uid', 'in', uids.slice(i, i + 500)).execute();
    for (const r of rows) found.add(r.alert_uid);
  }
  return found;
}

/** On PostgreSQL `lock` holds the row until the transaction ends, so concurrent deliveries of one alert queue up. */
export const findAlert = (exec: Executor, uid: string, lock?: Dialect) =>
  (lock === 'postgres' ? findAlertForUpdate : findAlertQuery).first(exec, uid);
const findAlertQuery = cachedQuery((exec, uid: string) => exec.selectFrom('datto_alerts').selectAll().where('alert_uid', '=', uid));
const findAlertForUpdate = cachedQuery((exec, uid: string) => exec.selectFrom('datto_alerts').selectAll().where('alert_uid', '=', uid).forUpdate());

/**
 * Locks an alert row for the rest of the transaction, its ticket first, and returns both as locked
 * (the ticket is read only on PostgreSQL, where the lock reads it anyway). Closing a ticket locks
 * the ticket and then its alerts; taking them in the same order here keeps the two from deadlocking.
 */
export async function lockAlertAndTicket(trx: Tx, dialect: Dialect, uid: string): Promise<{ alert?: AlertRow; ticket?: TicketRow }> {
  if (dialect !== 'postgres') return { alert: await findAlert(trx, uid) };
  for (;;) {
    const ticket = await trx.selectFrom('tickets').selectAll()
      .where('id', '=', (eb) => eb.selectFrom('datto_alerts').select('ticket_id').where('alert_uid', '=', uid))
      .forUpdate().executeTakeFirst();
    const alert = await findAlert(trx, uid, dialect);
    // The alert moved to another ticket between the two reads: lock that one.
    if (!alert || alert.ticket_id === (ticket?.id ?? null)) return { alert, ticket };
  }
}

export const lockAlert = async (trx: Tx, dialect: Dialect, uid: string): Promise<AlertRow | undefined> =>
  (await lockAlertAndTicket(trx, dialect, uid)).alert;

export const updateAlert = (exec: Executor, id: number, patch: AlertPatch) => updateAlertQuery.firstOrThrow(exec, id, patch);

/**
 * Writes only the columns whose value differs from `current` (read in the same transaction): SQLite
 * rewrites the index entries of every indexed column an update sets, changed or not, and a repeat of
 * an alert mostly sets its device, site and condition to what they already are.
 */
export async function updateAlertFrom(exec: Executor, current: AlertRow, patch: AlertPatch): Promise<AlertRow> {
  const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => v !== undefined && current[k as keyof AlertRow] !== v));
  if (Object.keys(changed).length === 0) return current;
  return updateAlert(exec, current.id, changed);
}
const updateAlertQuery = cachedQuery((exec, id: number, patch: AlertPatch) =>
  exec.updateTable('datto_alerts').set(patch).where('id', '=', id).returningAll());

/** Open alerts never read from Datto (not rolled into a storm), newest first. */
export async function alertsAwaitingEnrichment(exec: Executor, limit: number): Promise<string[]> {
  const rows = await exec.selectFrom('datto_alerts').select('alert_uid')
    .where('enriched_at', 'is', null).where('datto_state', '=', 'open')
    .where((eb) => eb.or([eb('held_reason', 'is', null), eb('held_reason', '!=', 'storm')]))
    .orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => r.alert_uid);
}

/** Alerts of these Datto sites whose ticket is open and has no customer (rolled-up storm alerts aside), a ticket's first alert first. */
export async function openTicketAlertsOfSites(exec: Executor, dattoSiteUids: string[]) {
  const out = [];
  for (let i = 0; i < dattoSiteUids.length; i += 500) {
    out.push(...await exec.selectFrom('datto_alerts as a').innerJoin('tickets as t', 't.id', 'a.ticket_id')
      .select(['a.device_uid', 'a.site_uid', 'a.site_name', 'a.device_name', 'a.ticket_id', 't.asset_id as ticket_asset_id'])
      .where('a.site_uid', 'in', dattoSiteUids.slice(i, i + 500)).where('t.status', '!=', 'closed').where('t.customer_id', 'is', null)
      .where((eb) => eb.or([eb('a.held_reason', 'is', null), eb('a.held_reason', '!=', 'storm')]))
      .orderBy('a.id').execute());
  }
  return out as Array<(typeof out)[number] & { ticket_id: number }>;
}

export const alertsOfTicket = (exec: Executor, ticketId: number) =>
  exec.selectFrom('datto_alerts').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();

/** How many alerts a ticket carries, and how many of them Datto still has open. */
export async function ticketAlertCounts(exec: Executor, ticketId: number): Promise<{ total: number; open: number }> {
  const r = await exec.selectFrom('datto_alerts')
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      eb.fn.sum<number>(eb.case().when('datto_state', '!=', 'resolved').then(1).else(0).end()).as('open'),
    ])
    .where('ticket_id', '=', ticketId).executeTakeFirstOrThrow();
  return { total: Number(r.total), open: Number(r.open ?? 0) };
}

/** Alerts first seen between `since` and `until` on one device or site (the storm count). */
export async function countRecentAlerts(exec: Executor, scope: 'device' | 'site', key: string, since: string, until: string): Promise<number> {
  const r = await exec.selectFrom('datto_alerts').select((eb) => eb.fn.countAll<number>().as('n'))
    .where(scope === 'device' ? 'device_uid' : 'site_uid', '=', key).where('first_seen_at', '>=', since).where('first_seen_at', '<=', until)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Tickets of the alerts first seen between `since` and `until` on one device or site, oldest first. */
export const recentAlertTickets = (exec: Executor, scope: 'device' | 'site', key: string, since: string, until: string, limit: number) =>
  exec.selectFrom('datto_alerts').select('ticket_id').distinct()
    .where(scope === 'device' ? 'device_uid' : 'site_uid', '=', key).where('first_seen_at', '>=', since).where('first_seen_at', '<=', until)
    .where('ticket_id', 'is not', null).where('held_reason', 'is', null)
    .orderBy('ticket_id').limit(limit).execute();

/** The newest ticket of another alert of the same condition (device + monitor kind). */
export const latestConditionTicket = (exec: Executor, conditionKey: string, exceptAlertId: number) =>
  exec.selectFrom('datto_alerts as a').innerJoin('tickets as t', 't.id', 'a.ticket_id')
    .select(['t.id', 't.status', 't.closed_at'])
    .where('a.condition_key', '=', conditionKey).where('a.id', '!=', exceptAlertId)
    .where((eb) => eb.or([eb('a.held_reason', 'is', null), eb('a.held_reason', '!=', 'storm')]))
    .orderBy('t.id', 'desc').limit(1).executeTakeFirst();

/** Alerts Relaydesk tracks as open in Datto: on an open ticket or held without one; in id order from `afterId`. */
export const trackedOpenAlerts = (exec: Executor, afterId: number, limit: number) =>
  exec.selectFrom('datto_alerts as a').leftJoin('tickets as t', 't.id', 'a.ticket_id')
    .select(['a.id', 'a.alert_uid'])
    .where('a.datto_state', '=', 'open').where('a.id', '>', afterId)
    .where((eb) => eb.or([eb('t.status', '!=', 'closed'), eb('a.held_reason', '=', 'maintenance')]))
    .orderBy('a.id').limit(limit).execute();

export const heldForMaintenance = (exec: Executor, afterId: number, limit: number) =>
  exec.selectFrom('datto_alerts').select(['id', 'alert_uid'])
    .where('held_reason', '=', 'maintenance').where('ticket_id', 'is', null).where('id', '>', afterId)
    .orderBy('id').limit(limit).execute();

export type AlertFilter = {
  ticketId?: number; resolveState?: ResolveState; dattoState?: DattoState; heldReason?: string; unmappedSite?: boolean; beforeId?: number; limit: number;
};

/** The alert names a Datto site no Relaydesk site is mapped to (not imported yet, or left unmapped). */
const fromUnmappedSite = (eb: ExpressionBuilder<DB, 'datto_alerts'>) => eb.and([
  eb('datto_alerts.site_uid', 'is not', null),
  eb.not(eb.exists(eb.selectFrom('datto_site_links as l').select('l.datto_site_uid')
    .whereRef('l.datto_site_uid', '=', 'datto_alerts.site_uid').where('l.site_id', 'is not', null))),
]);

export const listAlerts = (exec: Executor, f: AlertFilter) =>
  exec.selectFrom('datto_alerts').selectAll()
    .$if(f.unmappedSite !== undefined, (qb) => qb.where((eb) => (f.unmappedSite ? fromUnmappedSite(eb) : eb.not(fromUnmappedSite(eb)))))
    .$if(f.ticketId !== undefined, (qb) => qb.where('ticket_id', '=', f.ticketId!))
    .$if(!!f.resolveState, (qb) => qb.where('resolve_state', '=', f.resolveState!))
    .$if(!!f.dattoState, (qb) => qb.where('datto_state', '=', f.dattoState!))
    .$if(!!f.heldReason, (qb) => qb.where('held_reason', '=', f.heldReason!))
    .$if(f.beforeId !== undefined, (qb) => qb.where('id', '<', f.beforeId!))
    .orderBy('id', 'desc').limit(f.limit).execute();

/** The counters above the alerts list: held alerts by reason, resolves by state, storms. */
export async function alertCounters(exec: Executor) {
  const held = await exec.selectFrom('datto_alerts').select(['held_reason', (eb) => eb.fn.countAll<number>().as('n')])
    .where('held_reason', 'is not', null).groupBy('held_reason').execute();
  const resolve = await exec.selectFrom('datto_alerts').select(['resolve_state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('resolve_state', '!=', 'none').groupBy('resolve_state').execute();
  const storms = await exec.selectFrom('datto_alert_storms').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const unmapped = await exec.selectFrom('datto_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where(fromUnmappedSite).executeTakeFirstOrThrow();
  return {
    unmappedSite: Number(unmapped.n),
    held: Object.fromEntries(held.map((r) => [r.held_reason!, Number(r.n)])) as Record<string, number>,
    resolve: Object.fromEntries(resolve.map((r) => [r.resolve_state, Number(r.n)])) as Record<string, number>,
    storms: Number(storms.n),
  };
}

/** Marks the ticket's resolvable alerts pending; returns those that were. */
export const markResolvePending = (trx: Executor, ticketId: number, at: string) =>
  trx.updateTable('datto_alerts').set({ resolve_state: 'pending', last_error: null, updated_at: at })
    .where('ticket_id', '=', ticketId).where('datto_state', '!=', 'resolved').where('resolve_state', 'in', ['none', 'failed'])
    .returning(['id', 'alert_uid']).execute();

/** A reopened ticket's alerts go back to "none": a resolve not yet run is cancelled, a failed one forgotten. */
export async function resetResolves(trx: Executor, ticketId: number, at: string): Promise<{ cancelled: string[] }> {
  const cancelled = await trx.updateTable('datto_alerts').set({ resolve_state: 'none', last_error: null, updated_at: at })
    .where('ticket_id', '=', ticketId).where('resolve_state', '=', 'pending')
    .returning('alert_uid').execute();
  await trx.updateTable('datto_alerts').set({ resolve_state: 'none', last_error: null, updated_at: at })
    .where('ticket_id', '=', ticketId).where('resolve_state', '=', 'failed').execute();
  return { cancelled: cancelled.map((r) => r.alert_uid) };
}

/** Closing while the module is off: the resolve is recorded as failed, so it is listed and can be retried. */
export const failResolvesOff = (trx: Executor, ticketId: number, reason: string, at: string) =>
  trx.updateTable('datto_alerts').set({ resolve_state: 'failed', last_error: reason, updated_at: at })
    .where('ticket_id', '=', ticketId).where('datto_state', '!=', 'resolved').where('resolve_state', 'in', ['none', 'failed'])
    .returning('alert_uid').execute();

/** Failed resolves of closed tickets, newest first: queued again when the module is turned on or its credentials change. */
export const failedResolvesOfClosedTickets = (exec: Executor, limit: number) =>
  exec.selectFrom('datto_alerts as a').innerJoin('tickets as t', 't.id', 'a.ticket_id').select(['a.id', 'a.alert_uid'])
    .where('a.resolve_state', '=', 'failed').where('a.datto_state', '!=', 'resolved').where('t.status', '=', 'closed')
    .orderBy('a.id', 'desc').limit(limit).execute();

// Storms

/** The newest storm of a device or site. */
export const latestStorm = (exec: Executor, stormKey: string) =>
  exec.selectFrom('datto_alert_storms as s').leftJoin('tickets as t', 't.id', 's.ticket_id')
    .selectAll('s').select('t.status as ticket_status')
    .where('s.storm_key', '=', stormKey).orderBy('s.id', 'desc').limit(1).executeTakeFirst();

/** The newest storm of each of these keys, in one query. */
export async function latestStorms(exec: Executor, stormKeys: string[]) {
  if (stormKeys.length === 0) return [];
  const newest = exec.selectFrom('datto_alert_storms').select((eb) => eb.fn.max('id').as('id'))
    .where('storm_key', 'in', stormKeys).groupBy('storm_key');
  return exec.selectFrom('datto_alert_storms as s').leftJoin('tickets as t', 't.id', 's.ticket_id')
    .selectAll('s').select('t.status as ticket_status')
    .where('s.id', 'in', newest).execute();
}

export const insertStorm = (exec: Executor, row: Insertable<DattoAlertStormsTable>) =>
  exec.insertInto('datto_alert_storms').values(row).returningAll().executeTakeFirstOrThrow();

/** `last` is the newest arrival counted, which never moves back. */
export const bumpStorm = (exec: Executor, id: number, count: number, last: string) => bumpStorms(exec, [{ id, count, last }]);

/** Adds to several storms' counts in one statement. */
export async function bumpStorms(exec: Executor, bumps: Array<{ id: number; count: number; last: string }>): Promise<void> {
  if (bumps.length === 0) return;
  const count = sql<number>`case ${sql.join(bumps.map((b) => sql`when id = ${b.id} then cast(${b.count} as integer)`), sql` `)} else 0 end`;
  const last = sql<string>`case ${sql.join(bumps.map((b) => sql`when id = ${b.id} and last_alert_at < cast(${b.last} as text) then cast(${b.last} as text)`), sql` `)} else last_alert_at end`;
  await exec.updateTable('datto_alert_storms')
    .set({ alert_count: sql<number>`alert_count + ${count}`, last_alert_at: last })
    .where('id', 'in', bumps.map((b) => b.id)).execute();
}

export const isStormTicket = async (exec: Executor, ticketId: number) =>
  !!(await exec.selectFrom('datto_alert_storms').select('id').where('ticket_id', '=', ticketId).executeTakeFirst());

// What Relaydesk knows of Datto sites and devices (written by the import)

export type SiteTarget = { siteId: number; customerId: number; dattoSiteName: string };

/** The Relaydesk site (and its customer) a Datto site is mapped to; `null` site when it is known but unmapped. */
export type SiteLookup = { known: boolean; target: SiteTarget | null; name: string | null };

export async function siteTargetOf(exec: Executor, dattoSiteUid: string): Promise<SiteLookup> {
  const r = await exec.selectFrom('datto_site_links as l').leftJoin('sites as s', 's.id', 'l.site_id')
    .select(['l.datto_site_name', 's.id as site_id', 's.customer_id'])
    .where('l.datto_site_uid', '=', dattoSiteUid).executeTakeFirst();
  if (!r) return { known: false, target: null, name: null };
  return {
    known: true,
    name: r.datto_site_name,
    target: r.site_id !== null && r.customer_id !== null ? { siteId: r.site_id, customerId: r.customer_id, dattoSiteName: r.datto_site_name } : null,
  };
}

export type DeviceTarget = {
  assetId: number; dattoSiteUid: string | null; hostname: string; siteId: number | null; customerId: number | null;
  portalUrl: string | null; webRemoteUrl: string | null;
};

export async function deviceTargetOf(exec: Executor, deviceUid: string): Promise<DeviceTarget | null> {
  const r = await exec.selectFrom('datto_device_links as l').innerJoin('assets as a', 'a.id', 'l.asset_id')
    .select(['l.asset_id', 'l.datto_site_uid', 'a.hostname', 'a.site_id', 'a.customer_id', 'a.portal_url', 'a.web_remote_url'])
    .where('l.datto_device_uid', '=', deviceUid).executeTakeFirst();
  return r ? {
    assetId: r.asset_id, dattoSiteUid: r.datto_site_uid, hostname: r.hostname, siteId: r.site_id, customerId: r.customer_id,
    portalUrl: r.portal_url, webRemoteUrl: r.web_remote_url,
  } : null;
}
