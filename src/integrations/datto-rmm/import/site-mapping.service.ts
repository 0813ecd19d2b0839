import type { Database, Dialect } from '../../../db/database.ts';
import { now } from '../../../db/database.ts';
import type { Actor } from '../../../core/actor.ts';
import { audit } from '../../../core/audit/audit.repository.ts';
import { findCustomer, findSite } from '../../../core/customers/customer.repository.ts';
import { decodeCursor, toPage } from '../../../core/paging.ts';
import { AppError, NotFoundError, UnprocessableError, ValidationError } from '../../../errors.ts';
import type { SiteLinkEvents } from '../module-part.ts';
import { findMapping, findSiteLink, listMappings, moveAssetsOfDattoSite, updateSiteLink, type MappingRow } from './site-link.repository.ts';

export type SiteMapping = {
  dattoSiteUid: string;
  dattoSiteId: number | null;
  dattoSiteName: string;
  siteId: number | null;
  siteName: string | null;
  customerId: number | null;
  customerName: string | null;
  /** False marks a linked customer that alert matching cannot use until it has a main site; null when unlinked. */
  customerHasMainSite: boolean | null;
  /** How the link was made; "manual" with no site is an unlink made by hand, which imports respect. */
  linkSource: 'import' | 'manual' | null;
  deletedInDatto: boolean;
  deletedInDattoAt: string | null;
  /** Devices in the site as Datto counted them at the last sites import. */
  deviceCount: number | null;
  updatedAt: string;
};

export const presentMapping = (r: MappingRow): SiteMapping => ({
  dattoSiteUid: r.datto_site_uid,
  dattoSiteId: r.datto_site_id,
  dattoSiteName: r.datto_site_name,
  siteId: r.site_id,
  siteName: r.site_name,
  customerId: r.customer_id,
  customerName: r.customer_name,
  customerHasMainSite: r.customer_id === null ? null : r.main_site_id !== null,
  linkSource: r.link_source,
  deletedInDatto: r.deleted_in_datto_at !== null,
  deletedInDattoAt: r.deleted_in_datto_at,
  deviceCount: r.device_count,
  updatedAt: r.updated_at,
});

export type SiteMappingService = ReturnType<typeof createSiteMappingService>;

export function createSiteMappingService(db: Database, dialect: Dialect, siteLinks: SiteLinkEvents) {
  const get = async (uid: string): Promise<SiteMapping> => {
    const row = await findMapping(db, uid);
    if (!row) throw new NotFoundError('Datto site', uid);
    return presentMapping(row);
  };

  return {
    get,

    async list(q: { q?: string; unmapped?: boolean; cursor?: string; limit: number }) {
      const c = decodeCursor(q.cursor);
      if (c && typeof c.k !== 'string') throw new ValidationError('cursor: not a cursor of this list');
      const rows = await listMappings(db, dialect, {
        q: q.q || undefined, unmapped: q.unmapped, after: c ? { name: c.k as string, id: c.id } : undefined, limit: q.limit + 1,
      });
      return toPage(rows, q.limit, presentMapping, (r) => ({ k: r.datto_site_name, id: r.id }));
    },

    /**
     * Points a Datto site at any existing site (several Datto sites may share a customer), or
     * unlinks it with null. Either way the link is "manual": later imports keep it as it is.
     */
    async setLink(uid: string, siteId: number | null, actor: Actor): Promise<SiteMapping> {
      await db.transaction().execute(async (trx) => {
        const link = await findSiteLink(trx, uid);
        if (!link) {
          throw new AppError('not_found', `Datto site ${uid} is not known: only sites a sites import has read can be mapped (run one first)`, 404);
        }
        if (siteId === link.site_id && (siteId === null ? link.link_source === 'manual' : true)) return;
        const at = now();
        let assetsMoved = 0;
        if (siteId !== null) {
          const site = await findSite(trx, siteId);
          if (!site) throw UnprocessableError.forFields('unknown_reference', [{ field: 'siteId', message: `no site ${siteId}` }]);
          const customer = (await findCustomer(trx, site.customer_id))!;
          if (customer.main_site_id === null) {
            throw new UnprocessableError('customer_without_main_site',
              `Customer "${customer.name}" has no main site, and alerts can only be matched to customers with one. `
              + `Pick its main site first (Customers > ${customer.name} > Main site, or PATCH /api/customers/${customer.id} with {"mainSiteId": …}), then link again.`,
              { customerId: customer.id, customerName: customer.name });
          }
          assetsMoved = await moveAssetsOfDattoSite(trx, uid, { siteId: site.id, customerId: customer.id }, at);
        }
        await updateSiteLink(trx, link.id, {
          site_id: siteId, link_source: 'manual', import_site_name: null, import_customer_name: null, updated_at: at,
        });
        await audit(trx, actor, {
          action: siteId === null ? 'datto_site_link.unlink' : 'datto_site_link.link',
          entity: 'datto_site_link',
          entityId: uid,
          changes: { dattoSiteName: link.datto_site_name, from: { siteId: link.site_id, linkSource: link.link_source }, to: { siteId }, assetsMoved },
        });
        if (siteId !== null) await siteLinks.mapped(trx, [uid]);
      });
      return get(uid);
    },
  };
}
