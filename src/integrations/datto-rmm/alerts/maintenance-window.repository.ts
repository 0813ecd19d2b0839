import type { Insertable, Selectable, Updateable } from 'kysely';
import { cachedQuery } from '../../../db/cached-query.ts';
import type { Executor } from '../../../db/database.ts';
import type { DattoMaintenanceWindowsTable } from '../../../db/schema.ts';

export type MaintenanceWindowRow = Selectable<DattoMaintenanceWindowsTable>;

/** A window covering this site or its customer at `at`; the one ending last when several do. */
export const activeWindowFor = (exec: Executor, target: { siteId: number; customerId: number }, at: string) =>
  activeWindowQuery.first(exec, at, target.siteId, target.customerId);
const activeWindowQuery = cachedQuery((exec, at: string, siteId: number, customerId: number) =>
  exec.selectFrom('datto_maintenance_windows').selectAll()
    .where('starts_at', '<=', at).where('ends_at', '>', at)
    .where((eb) => eb.or([eb('site_id', '=', siteId), eb('customer_id', '=', customerId)]))
    .orderBy('ends_at', 'desc').limit(1));

/** Whether any window is active at `at` (lets intake skip the site lookup when none is). */
export const anyActiveWindow = async (exec: Executor, at: string) => !!(await anyWindowQuery.first(exec, at));
const anyWindowQuery = cachedQuery((exec, at: string) =>
  exec.selectFrom('datto_maintenance_windows').select('id').where('starts_at', '<=', at).where('ends_at', '>', at).limit(1));

export const findWindow = (exec: Executor, id: number) =>
  exec.selectFrom('datto_maintenance_windows').selectAll().where('id', '=', id).executeTakeFirst();

export const listWindows = (exec: Executor, f: { customerId?: number; siteId?: number; activeAt?: string; endedBefore?: string; beforeId?: number; limit: number }) =>
  exec.selectFrom('datto_maintenance_windows').selectAll()
    .$if(f.customerId !== undefined, (qb) => qb.where('customer_id', '=', f.customerId!))
    .$if(f.siteId !== undefined, (qb) => qb.where('site_id', '=', f.siteId!))
    .$if(f.activeAt !== undefined, (qb) => qb.where('starts_at', '<=', f.activeAt!).where('ends_at', '>', f.activeAt!))
    .$if(f.beforeId !== undefined, (qb) => qb.where('id', '<', f.beforeId!))
    .orderBy('id', 'desc').limit(f.limit).execute();

export const insertWindow = (exec: Executor, row: Insertable<DattoMaintenanceWindowsTable>) =>
  exec.insertInto('datto_maintenance_windows').values(row).returningAll().executeTakeFirstOrThrow();

export const updateWindow = (exec: Executor, id: number, patch: Updateable<DattoMaintenanceWindowsTable>) =>
  exec.updateTable('datto_maintenance_windows').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

export const deleteWindow = (exec: Executor, id: number) =>
  exec.deleteFrom('datto_maintenance_windows').where('id', '=', id).execute();
