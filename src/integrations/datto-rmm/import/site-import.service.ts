import type { Database, Dialect, Tx } from '../../../db/database.ts';
import { now } from '../../../db/database.ts';
import { systemActor } from '../../../core/actor.ts';
import { audit } from '../../../core/audit/audit.repository.ts';
import type { CustomerService } from '../../../core/customers/customer.service.ts';
import { findCustomer, findSite, insertSite, updateCustomer, updateSite, type CustomerRow } from '../../../core/customers/customer.repository.ts';
import { UnprocessableError } from '../../../errors.ts';
import type { DattoClient, Site } from '../client/index.ts';
import type { SiteLinkEvents } from '../module-part.ts';
import type { DattoSettings } from '../settings.ts';
import { emptyCounts, fingerprint, prefetched, writeBatch, type ImportCounts, type Tally } from './import-run.ts';
import { findSiteLinks, insertSiteLink, liveSiteLinkUids, markSiteLinksDeleted, updateSiteLink, type SiteLinkRow } from './site-link.repository.ts';

export const importActor = systemActor('datto-rmm import');

export type SiteImportResult = ImportCounts & { mode: DattoSettings['siteImport']['mode'] };

export type Progress = (done: number, total: number | null) => Promise<void>;

type Deps = { db: Database; dialect: Dialect; customers: CustomerService; siteLinks: SiteLinkEvents };

/** The name a Datto site gets in Relaydesk: Datto sends null names now and then. */
export const siteNameOf = (site: Pick<Site, 'id' | 'name'>) => site.name?.trim() || `Datto site ${site.id}`;

/**
 * Pages through the account's sites and links each one not yet linked to a new
 * customer and main site (or a site of the top-level customer), one transaction
 * per page. Only what changed in Datto is written; a site missing from a
 * complete listing is marked deleted, never removed.
 */
export async function importSites(
  deps: Deps, client: DattoClient, options: DattoSettings['siteImport'], progress: Progress,
): Promise<SiteImportResult> {
  const { db, dialect, customers } = deps;
  const topLevelId = options.mode === 'topLevelCustomer' ? options.topLevelCustomerId : null;
  if (options.mode === 'topLevelCustomer') {
    if (topLevelId === null || !(await findCustomer(db, topLevelId))) {
      throw new UnprocessableError('top_level_customer_missing',
        `Top-level customer mode needs an existing customer${topLevelId === null ? '' : ` (customer ${topLevelId} does not exist)`}: pick one under Datto RMM > Customer/Site import.`);
    }
  }
  const counts: SiteImportResult = { ...emptyCounts(), mode: options.mode };
  const seen = new Set<string>();

  /** Makes the Relaydesk site for a Datto site and says what the import wrote. */
  const createTarget = async (trx: Tx, name: string, at: string) => {
    if (topLevelId === null) {
      const customer = await customers.createIn(trx, { name, mainSiteName: name }, importActor);
      return { siteId: customer.main_site_id!, importSiteName: name, importCustomerName: name };
    }
    const customer = (await findCustomer(trx, topLevelId)) as CustomerRow;
    const site = await insertSite(trx, { customer_id: customer.id, name, created_at: at, updated_at: at });
    // Customers need a main site for alert matching: the first site the import gives one becomes it.
    if (customer.main_site_id === null) await updateCustomer(trx, customer.id, { main_site_id: site.id, updated_at: at });
    await audit(trx, importActor, { action: 'site.create', entity: 'site', entityId: site.id, changes: { customerId: customer.id, name } });
    return { siteId: site.id, importSiteName: name, importCustomerName: null };
  };

  /** Follows a Datto rename on the names the import made, unless a user has renamed them since. */
  const followRename = async (trx: Tx, link: SiteLinkRow, name: string, at: string): Promise<Partial<SiteLinkRow>> => {
    if (link.link_source !== 'import' || link.site_id === null) return {};
    const patch: Partial<SiteLinkRow> = {};
    const site = await findSite(trx, link.site_id);
    if (!site) return {};
    if (link.import_site_name !== null && site.name === link.import_site_name && site.name !== name) {
      await updateSite(trx, site.id, { name, updated_at: at });
      await audit(trx, importActor, { action: 'site.update', entity: 'site', entityId: site.id, changes: { name, reason: 'renamed in Datto RMM' } });
      patch.import_site_name = name;
    }
    if (link.import_customer_name !== null) {
      const customer = await findCustomer(trx, site.customer_id);
      if (customer && customer.name === link.import_customer_name && customer.name !== name) {
        await updateCustomer(trx, customer.id, { name, updated_at: at });
        await audit(trx, importActor, { action: 'customer.update', entity: 'customer', entityId: customer.id, changes: { name, reason: 'renamed in Datto RMM' } });
        patch.import_customer_name = name;
      }
    }
    return patch;
  };

  const write = async (trx: Tx, sites: Site[]): Promise<Tally> => {
    const at = now();
    const links = await findSiteLinks(trx, dialect, sites.map((s) => s.uid));
    const tally = { created: 0, updated: 0, unchanged: 0 };
    const linked: string[] = [];
    for (const site of sites) {
      const name = siteNameOf(site);
      const deviceCount = site.devicesStatus?.numberOfDevices ?? null;
      const hash = fingerprint({ id: site.id, name, deviceCount });
      const link = links.get(site.uid);
      const datto = { datto_site_id: site.id, datto_site_name: name, device_count: deviceCount, data_hash: hash, deleted_in_datto_at: null };

      if (!link) {
        const target = await createTarget(trx, name, at);
        await insertSiteLink(trx, {
          datto_site_uid: site.uid, ...datto, site_id: target.siteId, link_source: 'import',
          import_site_name: target.importSiteName, import_customer_name: target.importCustomerName, created_at: at, updated_at: at,
        });
        linked.push(site.uid);
        tally.created++;
        continue;
      }
      // A row seen but never linked (an earlier attempt failed) is linked now; unlinks made by hand stay.
      if (link.site_id === null && link.link_source === null) {
        const target = await createTarget(trx, name, at);
        await updateSiteLink(trx, link.id, {
          ...datto, site_id: target.siteId, link_source: 'import',
          import_site_name: target.importSiteName, import_customer_name: target.importCustomerName, updated_at: at,
        });
        linked.push(site.uid);
        tally.created++;
        continue;
      }
      if (link.data_hash === hash && link.deleted_in_datto_at === null) {
        tally.unchanged++;
        continue;
      }
      const renamed = name !== link.datto_site_name ? await followRename(trx, link, name, at) : {};
      await updateSiteLink(trx, link.id, { ...datto, ...renamed, updated_at: at });
      tally.updated++;
    }
    await deps.siteLinks.mapped(trx, linked);
    return tally;
  };

  let done = 0;
  let total: number | null = null;
  for await (const page of prefetched(client.sites().pages())) {
    total = page.totalCount ?? total;
    const fresh = page.items.filter((s) => !seen.has(s.uid));
    for (const s of fresh) seen.add(s.uid);
    await writeBatch(db, fresh, write, counts, (s) => `Datto site "${siteNameOf(s)}" (${s.uid})`);
    done += fresh.length;
    await progress(done, Math.max(total ?? done, done));
  }
  counts.total = seen.size;

  // Only a listing read to its end says which sites are gone.
  const gone = (await liveSiteLinkUids(db)).filter((uid) => !seen.has(uid));
  if (gone.length > 0) {
    await db.transaction().execute((trx) => markSiteLinksDeleted(trx, gone, now()));
    counts.deleted = gone.length;
  }
  return counts;
}
