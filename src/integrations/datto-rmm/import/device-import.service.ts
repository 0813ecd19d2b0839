import type { Database, Tx } from '../../../db/database.ts';
import { now } from '../../../db/database.ts';
import { isDattoApiError, type DattoClient, type Device } from '../client/index.ts';
import {
  findDeviceLinks, insertDeviceAssets, liveDeviceLinks, retireDeviceLinks, updateDeviceAsset,
  type AssetFields, type DeviceLinkState, type NewDeviceAsset,
} from './device-link.repository.ts';
import { emptyCounts, fingerprint, prefetched, writeBatch, type ImportCounts, type Tally } from './import-run.ts';
import type { Progress } from './site-import.service.ts';
import { linkedSiteTargets, liveSiteLinkCounts } from './site-link.repository.ts';

export type DeviceImportResult = ImportCounts & {
  /** Sites read on their own because the account listing disagreed with their device count. */
  sitesWalked: number;
};

export type DeviceImportOptions = {
  /**
   * Take each site's device count from the sites import that has just run instead of
   * listing the sites again (saves a page per 250 sites). A stale count costs at worst
   * a device found one run later, never a wrong deletion: only disagreeing counts lead
   * to a walk, and a deletion needs the site's listing to be complete.
   */
  storedSiteCounts: boolean;
};

type Target = { siteId: number; customerId: number };

export function assetFieldsOf(d: Device): AssetFields {
  return {
    hostname: d.hostname?.trim() || d.uid,
    asset_type: d.deviceType?.category ?? d.deviceType?.type ?? d.deviceClass,
    os: d.operatingSystem,
    int_ip: d.intIpAddress,
    ext_ip: d.extIpAddress,
    last_seen_at: d.lastSeen ? d.lastSeen.toISOString() : null,
    online: d.online === null ? null : d.online ? 1 : 0,
    last_user: d.lastLoggedInUser,
    description: d.description,
    portal_url: d.portalUrl,
    web_remote_url: d.webRemoteUrl,
  };
}

/**
 * Devices of linked sites become assets of that site and customer. The account
 * listing is read first; a site is walked on its own only where the number of
 * devices the listing gave for it differs from Datto's count for the site
 * (account listings are known to miss devices). A device missing from a complete
 * listing has its asset retired.
 */
export async function importDevices(
  deps: { db: Database }, client: DattoClient, options: DeviceImportOptions, progress: Progress,
): Promise<DeviceImportResult> {
  const { db } = deps;
  const counts: DeviceImportResult = { ...emptyCounts(), sitesWalked: 0 };

  // Datto's device count of every site that exists in Datto now.
  const expected = new Map<string, number | null>();
  if (options.storedSiteCounts) {
    for (const r of await liveSiteLinkCounts(db)) expected.set(r.datto_site_uid, r.device_count);
  } else {
    for await (const page of client.sites().pages()) {
      for (const s of page.items) expected.set(s.uid, s.devicesStatus?.numberOfDevices ?? null);
    }
  }
  const targets = new Map<string, Target>(
    (await linkedSiteTargets(db)).map((r) => [r.datto_site_uid, { siteId: r.site_id, customerId: r.customer_id }]),
  );
  const expectedTotal = [...expected.values()].reduce<number>((sum, n) => sum + (n ?? 0), 0);

  const write = async (trx: Tx, devices: Device[]): Promise<Tally> => {
    const at = now();
    const links = await findDeviceLinks(trx, devices.map((d) => d.uid));
    const tally = { created: 0, updated: 0, unchanged: 0, skipped: 0, deleted: 0 };
    const inserts: NewDeviceAsset[] = [];
    const retire: DeviceLinkState[] = [];
    for (const d of devices) {
      const link = links.get(d.uid);
      if (d.deleted === true) {
        if (link && link.deleted_in_datto_at === null) {
          retire.push(link);
          tally.deleted++;
        } else tally.skipped++;
        continue;
      }
      const target = d.siteUid ? targets.get(d.siteUid) : undefined;
      if (!target) {
        tally.skipped++;
        continue;
      }
      const fields = assetFieldsOf(d);
      const hash = fingerprint({ siteUid: d.siteUid, ...fields });
      const next = { uid: d.uid, dattoSiteUid: d.siteUid, hash, siteId: target.siteId, customerId: target.customerId, fields };
      if (!link) {
        inserts.push(next);
        continue;
      }
      const same = link.data_hash === hash && link.deleted_in_datto_at === null && link.retired_at === null
        && link.site_id === target.siteId && link.customer_id === target.customerId;
      if (same) {
        tally.unchanged++;
        continue;
      }
      await updateDeviceAsset(trx, link, next, at);
      tally.updated++;
    }
    await insertDeviceAssets(trx, inserts, at);
    tally.created += inserts.length;
    if (retire.length > 0) await retireDeviceLinks(trx, retire.map((l) => ({ id: l.link_id, asset_id: l.asset_id })), at);
    return tally;
  };

  const seen = new Set<string>();
  const listedPerSite = new Map<string, number>();
  let done = 0;
  const take = async (devices: Device[], countFor?: Map<string, number>) => {
    const fresh = devices.filter((d) => !seen.has(d.uid));
    for (const d of fresh) {
      seen.add(d.uid);
      if (countFor && d.siteUid && d.deleted !== true) countFor.set(d.siteUid, (countFor.get(d.siteUid) ?? 0) + 1);
    }
    await writeBatch(db, fresh, write, counts, (d) => `Datto device "${d.hostname ?? d.uid}" (${d.uid})`);
    done += fresh.length;
    await progress(done, Math.max(expectedTotal, done));
  };

  for await (const page of prefetched(client.accountDevices().pages())) await take(page.items, listedPerSite);

  const complete = new Set<string>();
  const walk: string[] = [];
  for (const [uid, count] of expected) {
    if (count !== null && count === (listedPerSite.get(uid) ?? 0)) complete.add(uid);
    // Devices of unlinked sites are not imported, so those sites are not worth a walk.
    else if (targets.has(uid)) walk.push(uid);
  }
  for (const uid of walk) {
    try {
      for await (const page of prefetched(client.siteDevices(uid).pages())) await take(page.items);
    } catch (err) {
      // Deleted since it was listed: its devices are gone with it, the next run sees that.
      if (isDattoApiError(err, 'not-found')) continue;
      throw err;
    }
    counts.sitesWalked++;
    complete.add(uid);
  }
  counts.total = seen.size;

  // A device is gone when the listing of its site was complete and did not have it, or its site is gone.
  const gone = (await liveDeviceLinks(db)).filter((l) => !seen.has(l.datto_device_uid)
    && (l.datto_site_uid === null || !expected.has(l.datto_site_uid) || complete.has(l.datto_site_uid)));
  if (gone.length > 0) {
    await db.transaction().execute((trx) => retireDeviceLinks(trx, gone, now()));
    counts.deleted += gone.length;
  }
  return counts;
}
