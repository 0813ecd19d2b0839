import type { Selectable } from 'kysely';
import type { Dialect, Executor } from '../../db/database.ts';
import type { CustomersTable, SitesTable } from '../../db/schema.ts';
import { textMatch } from '../text-match.ts';

export type CustomerRow = Selectable<CustomersTable>;
export type SiteRow = Selectable<SitesTable>;

export const findCustomer = (db: Executor, id: number) =>
  db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();

export const listCustomers = (db: Executor, dialect: Dialect, f: { q?: string; afterId?: number; withoutMainSite?: boolean; limit: number }) =>
  db.selectFrom('customers').selectAll()
    .$if(!!f.q, (qb) => qb.where(textMatch(dialect, 'name', f.q!)))
    .$if(!!f.withoutMainSite, (qb) => qb.where('main_site_id', 'is', null))
    .$if(f.afterId !== undefined, (qb) => qb.where('id', '>', f.afterId!))
    .orderBy('id').limit(f.limit).execute();

export const insertCustomer = (db: Executor, row: { name: string; is_top_level: number; created_at: string; updated_at: string }) =>
  db.insertInto('customers').values({ ...row, main_site_id: null }).returningAll().executeTakeFirstOrThrow();

export const updateCustomer = (db: Executor, id: number, patch: Partial<Omit<CustomerRow, 'id'>>) =>
  db.updateTable('customers').set(patch).where('id', '=', id).returningAll().executeTakeFirst();

export const findSite = (db: Executor, id: number) =>
  db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();

export const listSites = (db: Executor, dialect: Dialect, f: { customerId?: number; q?: string; afterId?: number; limit: number }) =>
  db.selectFrom('sites').innerJoin('customers', 'customers.id', 'sites.customer_id')
    .select(['sites.id', 'sites.customer_id', 'sites.name', 'sites.created_at', 'sites.updated_at',
      'customers.name as customer_name', 'customers.main_site_id'])
    .$if(f.customerId !== undefined, (qb) => qb.where('sites.customer_id', '=', f.customerId!))
    .$if(!!f.q, (qb) => qb.where((eb) => eb.or([textMatch(dialect, 'sites.name', f.q!)(eb), textMatch(dialect, 'customers.name', f.q!)(eb)])))
    .$if(f.afterId !== undefined, (qb) => qb.where('sites.id', '>', f.afterId!))
    .orderBy('sites.id').limit(f.limit).execute();

export const insertSite = (db: Executor, row: { customer_id: number; name: string; created_at: string; updated_at: string }) =>
  db.insertInto('sites').values(row).returningAll().executeTakeFirstOrThrow();

export const updateSite = (db: Executor, id: number, patch: Partial<Omit<SiteRow, 'id'>>) =>
  db.updateTable('sites').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
