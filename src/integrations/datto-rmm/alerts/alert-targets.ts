import type { Executor } from '../../../db/database.ts';
import { deviceTargetOf, siteTargetOf, type AlertRow } from './alert.repository.ts';
import type { IntakeMemo } from './intake-memo.ts';

/** Where an alert belongs in Relaydesk, as far as the site mapping and the device links tell. */
export type Targets = {
  customerId: number | null;
  siteId: number | null;
  assetId: number | null;
  dattoSiteUid: string | null;
  /** The alert names a Datto site that is mapped to no Relaydesk site (or not imported at all). */
  siteUnmapped: boolean;
  /** A sites import has read the Datto site (so it can be mapped by hand). */
  siteImported: boolean;
  siteName: string | null;
  deviceName: string | null;
};

async function cached<T>(map: Map<string, T> | undefined, key: string, load: () => Promise<T>): Promise<T> {
  if (!map) return load();
  if (map.has(key)) return map.get(key)!;
  const value = await load();
  map.set(key, value);
  return value;
}

export async function targetsOf(
  exec: Executor, row: Pick<AlertRow, 'device_uid' | 'site_uid' | 'site_name' | 'device_name'>, memo?: IntakeMemo,
): Promise<Targets> {
  const deviceUid = row.device_uid;
  const device = deviceUid ? await cached(memo?.devices, deviceUid, () => deviceTargetOf(exec, deviceUid)) : null;
  const dattoSiteUid = row.site_uid ?? device?.dattoSiteUid ?? null;
  const site = dattoSiteUid ? await cached(memo?.sites, dattoSiteUid, () => siteTargetOf(exec, dattoSiteUid)) : null;
  let customerId = site?.target?.customerId ?? null;
  let siteId = site?.target?.siteId ?? null;
  // The device's asset places the alert only when the Datto site is not known at all; a site an admin
  // left unmapped stays unmapped, and the asset of whatever customer it had then is not attached.
  const unmappedByChoice = site?.known === true && site.target === null;
  if (siteId === null && !unmappedByChoice && device?.siteId && device.customerId) {
    siteId = device.siteId;
    customerId = device.customerId;
  }
  const assetOk = device && (customerId === null
    ? !unmappedByChoice || device.customerId === null
    : device.customerId === null || device.customerId === customerId);
  return {
    customerId, siteId,
    assetId: assetOk ? device.assetId : null,
    dattoSiteUid,
    siteUnmapped: dattoSiteUid !== null && siteId === null,
    siteImported: site?.known === true,
    siteName: row.site_name ?? site?.name ?? null,
    deviceName: row.device_name ?? device?.hostname ?? null,
  };
}

/**
 * What a ticket gets from its alert's targets, only where it is still empty: customer and site
 * together, and the asset when it belongs to the ticket's customer (or to none).
 */
export function placementPatch(
  ticket: { customer_id: number | null; asset_id: number | null }, targets: Targets,
): { customerId?: number; siteId?: number; assetId?: number } {
  const patch: { customerId?: number; siteId?: number; assetId?: number } = {};
  if (ticket.customer_id === null && targets.customerId !== null && targets.siteId !== null) {
    patch.customerId = targets.customerId;
    patch.siteId = targets.siteId;
  }
  const customerAfter = patch.customerId ?? ticket.customer_id;
  if (ticket.asset_id === null && targets.assetId !== null && (customerAfter === null || customerAfter === targets.customerId)) {
    patch.assetId = targets.assetId;
  }
  return patch;
}
