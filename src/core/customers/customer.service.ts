import type { Database, Dialect, Executor } from '../../db/database.ts';
import { now } from '../../db/database.ts';
import { NotFoundError, UnprocessableError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { audit } from '../audit/audit.repository.ts';
import { decodeCursor, toPage } from '../paging.ts';
import * as repo from './customer.repository.ts';

export type Customer = {
  id: number; name: string; mainSiteId: number | null; hasMainSite: boolean; isTopLevel: boolean; createdAt: string; updatedAt: string;
};
export type Site = { id: number; customerId: number; name: string; isMainSite: boolean; customerName?: string; createdAt: string; updatedAt: string };

export const presentCustomer = (c: repo.CustomerRow): Customer => ({
  id: c.id, name: c.name, mainSiteId: c.main_site_id, hasMainSite: c.main_site_id !== null, isTopLevel: c.is_top_level === 1,
  createdAt: c.created_at, updatedAt: c.updated_at,
});

export type CustomerService = ReturnType<typeof createCustomerService>;

export function createCustomerService(db: Database, dialect: Dialect) {
  const getCustomer = async (id: number, exec: Executor = db) => {
    const c = await repo.findCustomer(exec, id);
    if (!c) throw new NotFoundError('Customer', id);
    return c;
  };

  /** Creates a customer and, when a name is given, its main site, in the caller's transaction. */
  const createIn = async (trx: Executor, input: { name: string; isTopLevel?: boolean; mainSiteName?: string | null }, actor: Actor) => {
    const t = now();
    let customer = await repo.insertCustomer(trx, { name: input.name, is_top_level: input.isTopLevel ? 1 : 0, created_at: t, updated_at: t });
    if (input.mainSiteName) {
      const site = await repo.insertSite(trx, { customer_id: customer.id, name: input.mainSiteName, created_at: t, updated_at: t });
      customer = (await repo.updateCustomer(trx, customer.id, { main_site_id: site.id }))!;
    }
    await audit(trx, actor, { action: 'customer.create', entity: 'customer', entityId: customer.id, changes: input });
    return customer;
  };

  return {
    getCustomer,
    createIn,

    async list(q: { q?: string; cursor?: string; limit: number; withoutMainSite?: boolean }) {
      const c = decodeCursor(q.cursor);
      const rows = await repo.listCustomers(db, dialect, { q: q.q, afterId: c?.id, limit: q.limit + 1, withoutMainSite: q.withoutMainSite });
      return toPage(rows, q.limit, presentCustomer, (r) => ({ id: r.id }));
    },

    get: async (id: number) => presentCustomer(await getCustomer(id)),

    async create(input: { name: string; isTopLevel?: boolean; mainSiteName?: string | null }, actor: Actor) {
      return presentCustomer(await db.transaction().execute((trx) => createIn(trx, input, actor)));
    },

    async update(id: number, patch: { name?: string; mainSiteId?: number | null; isTopLevel?: boolean }, actor: Actor) {
      return presentCustomer(await db.transaction().execute(async (trx) => {
        await getCustomer(id, trx);
        if (patch.mainSiteId !== undefined && patch.mainSiteId !== null) {
          const site = await repo.findSite(trx, patch.mainSiteId);
          if (!site || site.customer_id !== id) {
            throw new UnprocessableError('site_not_of_customer', `mainSiteId: site ${patch.mainSiteId} does not belong to customer ${id}`);
          }
        }
        const updated = await repo.updateCustomer(trx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.mainSiteId !== undefined ? { main_site_id: patch.mainSiteId } : {}),
          ...(patch.isTopLevel !== undefined ? { is_top_level: patch.isTopLevel ? 1 : 0 } : {}),
          updated_at: now(),
        });
        await audit(trx, actor, { action: 'customer.update', entity: 'customer', entityId: id, changes: patch });
        return updated!;
      }));
    },

    async listSites(q: { customerId?: number; q?: string; cursor?: string; limit: number }) {
      if (q.customerId !== undefined) await getCustomer(q.customerId);
      const c = decodeCursor(q.cursor);
      const rows = await repo.listSites(db, dialect, { customerId: q.customerId, q: q.q, afterId: c?.id, limit: q.limit + 1 });
      return toPage(rows, q.limit, (r): Site => ({
        id: r.id, customerId: r.customer_id, name: r.name, isMainSite: r.main_site_id === r.id, customerName: r.customer_name,
        createdAt: r.created_at, updatedAt: r.updated_at,
      }), (r) => ({ id: r.id }));
    },

    async getSite(id: number): Promise<Site> {
      const s = await repo.findSite(db, id);
      if (!s) throw new NotFoundError('Site', id);
      const c = await getCustomer(s.customer_id);
      return { id: s.id, customerId: s.customer_id, name: s.name, isMainSite: c.main_site_id === s.id, customerName: c.name, createdAt: s.created_at, updatedAt: s.updated_at };
    },

    async createSite(customerId: number, input: { name: string; makeMain?: boolean }, actor: Actor): Promise<Site> {
      return db.transaction().execute(async (trx) => {
        const customer = await getCustomer(customerId, trx);
        const t = now();
        const site = await repo.insertSite(trx, { customer_id: customerId, name: input.name, created_at: t, updated_at: t });
        const makeMain = input.makeMain || customer.main_site_id === null;
        if (makeMain) await repo.updateCustomer(trx, customerId, { main_site_id: site.id, updated_at: t });
        await audit(trx, actor, { action: 'site.create', entity: 'site', entityId: site.id, changes: { customerId, ...input } });
        return { id: site.id, customerId, name: site.name, isMainSite: makeMain, customerName: customer.name, createdAt: t, updatedAt: t };
      });
    },

    async updateSite(id: number, patch: { name?: string }, actor: Actor): Promise<Site> {
      await db.transaction().execute(async (trx) => {
        const s = await repo.updateSite(trx, id, { ...patch, updated_at: now() });
        if (!s) throw new NotFoundError('Site', id);
        await audit(trx, actor, { action: 'site.update', entity: 'site', entityId: id, changes: patch });
      });
      return this.getSite(id);
    },
  };
}
