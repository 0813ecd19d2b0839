import type { Selectable } from 'kysely';
import type { Dialect, Executor } from '../../db/database.ts';
import type { AssetsTable } from '../../db/schema.ts';
import { textMatch } from '../text-match.ts';

export type AssetRow = Selectable<AssetsTable>;

export const findAsset = (db: Executor, id: number) => db.selectFrom('assets').selectAll().where('id', '=', id).executeTakeFirst();

export const listAssets = (
  db: Executor, dialect: Dialect, f: { customerId?: number; siteId?: number; q?: string; includeRetired?: boolean; afterId?: number; limit: number },
) =>
  db.selectFrom('assets').selectAll()
    .$if(f.customerId !== undefined, (qb) => qb.where('customer_id', '=', f.customerId!))
    .$if(f.siteId !== undefined, (qb) => qb.where('site_id', '=', f.siteId!))
    .$if(!!f.q, (qb) => qb.where(textMatch(dialect, 'hostname', f.q!)))
    .$if(!f.includeRetired, (qb) => qb.where('retired_at', 'is', null))
    .$if(f.afterId !== undefined, (qb) => qb.where('id', '>', f.afterId!))
    .orderBy('id').limit(f.limit).execute();
