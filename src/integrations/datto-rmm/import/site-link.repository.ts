import type { Selectable } from 'kysely';
import type { Dialect, Executor } from '../../../db/database.ts';
import type { DattoSiteLinksTable } from '../../../db/schema.ts';
import { textMatch } from '../../../core/text-match.ts';

export type SiteLinkRow = Selectable<DattoSiteLinksTable>;

/** Links of these Datto sites, keyed by uid; on PostgreSQL the rows stay locked until the transaction ends. */
export async function findSiteLinks(db: Executor, dialect: Dialect, uids: string[]): Promise<Map<string, SiteLinkRow>> {
  if (uids.length === 0) return new Map();
  const rows = await db.selectFrom('datto_site_links').selectAll().where('datto_site_uid', 'in', uids)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .execute();
  return new Map(rows.map((r) => [r.datto_site_uid, r]));
}

export const findSiteLink = (db: Executor, uid: string) =>
  db.selectFrom('datto_site_links').selectAll().where('datto_site_uid', '=', uid).executeTakeFirst();

export type NewSiteLink = Omit<SiteLinkRow, 'id'>;

export const insertSiteLink = (db: Executor, row: NewSiteLink) =>
  db.insertInto('datto_site_links').values(row).returningAll().executeTakeFirstOrThrow();

export const updateSiteLink = (db: Executor, id: number, patch: Partial<Omit<SiteLinkRow, 'id'>>) =>
  db.updateTable('datto_site_links').set(patch).where('id', '=', id).execute();

/** Uids of every Datto site not yet marked deleted. */
export async function liveSiteLinkUids(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('datto_site_links').select('datto_site_uid').where('deleted_in_datto_at', 'is', null).execute();
  return rows.map((r) => r.datto_site_uid);
}

export async function markSiteLinksDeleted(db: Executor, uids: string[], at: string): Promise<void> {
  for (let i = 0; i < uids.length; i += 500) {
    await db.updateTable('datto_site_links').set({ deleted_in_datto_at: at, updated_at: at })
      .where('datto_site_uid', 'in', uids.slice(i, i + 500)).where('deleted_in_datto_at', 'is', null).execute();
  }
}

/** Where the devices of each linked Datto site belong: the linked site and its customer. */
export const linkedSiteTargets = (db: Executor) =>
  db.selectFrom('datto_site_links as l').innerJoin('sites as s', 's.id', 'l.site_id')
    .select(['l.datto_site_uid', 's.id as site_id', 's.customer_id'])
    .execute();

/** Datto's device count per site as the last sites import saw it, for sites not marked deleted. */
export const liveSiteLinkCounts = (db: Executor) =>
  db.selectFrom('datto_site_links').select(['datto_site_uid', 'device_count']).where('deleted_in_datto_at', 'is', null).execute();

export type MappingFilter = { q?: string; unmapped?: boolean; after?: { name: string; id: number }; limit: number };

const mappingColumns = [
  'l.id', 'l.datto_site_uid', 'l.datto_site_id', 'l.datto_site_name', 'l.site_id', 'l.link_source', 'l.device_count',
  'l.deleted_in_datto_at', 'l.created_at', 'l.updated_at', 's.name as site_name', 's.customer_id', 'c.name as customer_name',
  'c.main_site_id',
] as const;

/** The mapping table: links with their site and customer, ordered by Datto site name then id (keyset). */
export function listMappings(db: Executor, dialect: Dialect, f: MappingFilter) {
  return db.selectFrom('datto_site_links as l')
    .leftJoin('sites as s', 's.id', 'l.site_id')
    .leftJoin('customers as c', 'c.id', 's.customer_id')
    .select(mappingColumns)
    .$if(!!f.q, (qb) => qb.where((eb) => eb.or([
      textMatch(dialect, 'l.datto_site_name', f.q!)(eb),
      textMatch(dialect, 's.name', f.q!)(eb),
      textMatch(dialect, 'c.name', f.q!)(eb),
    ])))
    .$if(!!f.unmapped, (qb) => qb.where('l.site_id', 'is', null))
    .$if(f.after !== undefined, (qb) => qb.where((eb) => eb.or([
      eb('l.datto_site_name', '>', f.after!.name),
      eb.and([eb('l.datto_site_name', '=', f.after!.name), eb('l.id', '>', f.after!.id)]),
    ])))
    .orderBy('l.datto_site_name').orderBy('l.id').limit(f.limit)
    .execute();
}

export function findMapping(db: Executor, uid: string) {
  return db.selectFrom('datto_site_links as l')
    .leftJoin('sites as s', 's.id', 'l.site_id')
    .leftJoin('customers as c', 'c.id', 's.customer_id')
    .select(mappingColumns)
    .where('l.datto_site_uid', '=', uid)
    .executeTakeFirst();
}

export type MappingRow = NonNullable<Awaited<ReturnType<typeof findMapping>>>;

/** Moves the assets of a Datto site's devices to the site (and its customer) the Datto site now points at. */
export async function moveAssetsOfDattoSite(db: Executor, uid: string, target: { siteId: number; customerId: number }, at: string) {
  const result = await db.updateTable('assets')
    .set({ site_id: target.siteId, customer_id: target.customerId, updated_at: at })
    .where('id', 'in', (eb) => eb.selectFrom('datto_device_links').select('asset_id').where('datto_site_uid', '=', uid))
    .where((eb) => eb.or([eb('site_id', 'is', null), eb('site_id', '!=', target.siteId), eb('customer_id', 'is', null), eb('customer_id', '!=', target.customerId)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
