import type { Database, Dialect } from '../../db/database.ts';
import { NotFoundError } from '../../errors.ts';
import { decodeCursor, toPage } from '../paging.ts';
import { findAsset, listAssets, type AssetRow } from './asset.repository.ts';

export type Asset = {
  id: number; customerId: number | null; siteId: number | null; hostname: string; type: string | null; os: string | null;
  intIp: string | null; extIp: string | null; lastSeenAt: string | null; online: boolean | null; lastUser: string | null;
  description: string | null; portalUrl: string | null; webRemoteUrl: string | null; retiredAt: string | null;
  createdAt: string; updatedAt: string;
};

export const presentAsset = (a: AssetRow): Asset => ({
  id: a.id, customerId: a.customer_id, siteId: a.site_id, hostname: a.hostname, type: a.asset_type, os: a.os,
  intIp: a.int_ip, extIp: a.ext_ip, lastSeenAt: a.last_seen_at, online: a.online === null ? null : a.online === 1,
  lastUser: a.last_user, description: a.description, portalUrl: a.portal_url, webRemoteUrl: a.web_remote_url,
  retiredAt: a.retired_at, createdAt: a.created_at, updatedAt: a.updated_at,
});

export type AssetService = ReturnType<typeof createAssetService>;

export function createAssetService(db: Database, dialect: Dialect) {
  return {
    async list(q: { customerId?: number; siteId?: number; q?: string; includeRetired?: boolean; cursor?: string; limit: number }) {
      const c = decodeCursor(q.cursor);
      const rows = await listAssets(db, dialect, { ...q, afterId: c?.id, limit: q.limit + 1 });
      return toPage(rows, q.limit, presentAsset, (r) => ({ id: r.id }));
    },
    async get(id: number) {
      const a = await findAsset(db, id);
      if (!a) throw new NotFoundError('Asset', id);
      return presentAsset(a);
    },
  };
}
