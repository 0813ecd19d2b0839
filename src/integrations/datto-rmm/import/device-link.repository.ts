import type { Executor } from '../../../db/database.ts';

/**
 * SQL for datto_device_links and for the assets those links own. The core asset
 * repository only reads; the import is the one writer of Datto-made assets.
 */

export type AssetFields = {
  hostname: string; asset_type: string | null; os: string | null; int_ip: string | null; ext_ip: string | null;
  last_seen_at: string | null; online: number | null; last_user: string | null; description: string | null;
  portal_url: string | null; web_remote_url: string | null;
};

export type DeviceLinkState = {
  link_id: number; datto_device_uid: string; datto_site_uid: string | null; data_hash: string | null; deleted_in_datto_at: string | null;
  asset_id: number; site_id: number | null; customer_id: number | null; retired_at: string | null;
};

export async function findDeviceLinks(db: Executor, uids: string[]): Promise<Map<string, DeviceLinkState>> {
  if (uids.length === 0) return new Map();
  const rows = await db.selectFrom('datto_device_links as l').innerJoin('assets as a', 'a.id', 'l.asset_id')
    .select(['l.id as link_id', 'l.datto_device_uid', 'l.datto_site_uid', 'l.data_hash', 'l.deleted_in_datto_at',
      'l.asset_id', 'a.site_id', 'a.customer_id', 'a.retired_at'])
    .where('l.datto_device_uid', 'in', uids)
    .execute();
  return new Map(rows.map((r) => [r.datto_device_uid, r]));
}

export type NewDeviceAsset = {
  uid: string; dattoSiteUid: string | null; hash: string; siteId: number; customerId: number; fields: AssetFields;
};

/** Inserts the assets and their links in two statements; returns the new asset ids in input order. */
export async function insertDeviceAssets(db: Executor, rows: NewDeviceAsset[], at: string): Promise<number[]> {
  if (rows.length === 0) return [];
  const inserted = await db.insertInto('assets')
    .values(rows.map((r) => ({ ...r.fields, site_id: r.siteId, customer_id: r.customerId, retired_at: null, created_at: at, updated_at: at })))
    .returning('id').execute();
  // Ids of one multi-row insert are handed out in row order on both databases, so ascending ids line up with the input.
  const ids = inserted.map((r) => r.id).sort((a, b) => a - b);
  await db.insertInto('datto_device_links')
    .values(rows.map((r, i) => ({
      datto_device_uid: r.uid, datto_site_uid: r.dattoSiteUid, asset_id: ids[i]!, data_hash: r.hash, deleted_in_datto_at: null,
      created_at: at, updated_at: at,
    })))
    .execute();
  return ids;
}

export async function updateDeviceAsset(
  db: Executor, link: DeviceLinkState, next: { dattoSiteUid: string | null; hash: string; siteId: number; customerId: number; fields: AssetFields }, at: string,
): Promise<void> {
  await db.updateTable('assets')
    .set({ ...next.fields, site_id: next.siteId, customer_id: next.customerId, retired_at: null, updated_at: at })
    .where('id', '=', link.asset_id).execute();
  await db.updateTable('datto_device_links')
    .set({ datto_site_uid: next.dattoSiteUid, data_hash: next.hash, deleted_in_datto_at: null, updated_at: at })
    .where('id', '=', link.link_id).execute();
}

/** Every device link not yet marked deleted: what the deletion sweep compares a complete listing with. */
export const liveDeviceLinks = (db: Executor) =>
  db.selectFrom('datto_device_links').select(['id', 'datto_device_uid', 'datto_site_uid', 'asset_id'])
    .where('deleted_in_datto_at', 'is', null).execute();

/** Marks device links deleted in Datto and retires their assets (kept, with their tickets). */
export async function retireDeviceLinks(db: Executor, links: Array<{ id: number; asset_id: number }>, at: string): Promise<void> {
  for (let i = 0; i < links.length; i += 500) {
    const chunk = links.slice(i, i + 500);
    await db.updateTable('datto_device_links').set({ deleted_in_datto_at: at, updated_at: at })
      .where('id', 'in', chunk.map((l) => l.id)).where('deleted_in_datto_at', 'is', null).execute();
    await db.updateTable('assets').set({ retired_at: at, updated_at: at })
      .where('id', 'in', chunk.map((l) => l.asset_id)).where('retired_at', 'is', null).execute();
  }
}
