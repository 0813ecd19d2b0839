import type { Database } from '../../../db/database.ts';
import { NotFoundError } from '../../../errors.ts';
import { decodeCursor, toPage } from '../../../core/paging.ts';
import { alertCounters, alertsOfTicket, deviceTargetOf, findAlert, listAlerts, type DattoState, type ResolveState } from './alert.repository.ts';
import { presentAlert } from './alert-presenter.ts';
import { countReceived, listDeliveries, type DeliveryState } from './webhook-delivery.repository.ts';
import { presentDelivery } from './alert-presenter.ts';

/** Reading alert links for the API: the list with its counters, one alert, the alerts of a ticket. */
export function createAlertQueries(db: Database) {
  return {
    async list(q: { ticketId?: number; resolveState?: ResolveState; dattoState?: DattoState; heldReason?: string; unmappedSite?: boolean; cursor?: string; limit: number }) {
      const c = decodeCursor(q.cursor);
      const rows = await listAlerts(db, { ...q, beforeId: c?.id, limit: q.limit + 1 });
      const page = toPage(rows, q.limit, presentAlert, (r) => ({ id: r.id }));
      const counters = await alertCounters(db);
      return {
        ...page,
        counters: {
          heldForMaintenance: counters.held.maintenance ?? 0,
          rolledUpInStorms: counters.held.storm ?? 0,
          resolvedBeforeRaised: counters.held.resolved ?? 0,
          storms: counters.storms,
          resolvePending: counters.resolve.pending ?? 0,
          resolveFailed: counters.resolve.failed ?? 0,
          fromUnmappedSites: counters.unmappedSite,
        },
      };
    },

    async get(alertUid: string) {
      const row = await findAlert(db, alertUid.toLowerCase());
      if (!row) throw new NotFoundError('Datto RMM alert', alertUid);
      return presentAlert(row);
    },

    async ofTicket(ticketId: number) {
      const ticket = await db.selectFrom('tickets').select('id').where('id', '=', ticketId).executeTakeFirst();
      if (!ticket) throw new NotFoundError('Ticket', ticketId);
      const rows = await alertsOfTicket(db, ticketId);
      const items = [];
      for (const r of rows) {
        const device = r.device_uid ? await deviceTargetOf(db, r.device_uid) : null;
        const data = r.alert_data ? (JSON.parse(r.alert_data) as { alertContext?: Record<string, unknown> | null }) : null;
        items.push({
          ...presentAlert(r),
          device: r.device_uid ? {
            uid: r.device_uid, name: r.device_name ?? device?.hostname ?? null, assetId: device?.assetId ?? null,
            portalUrl: device?.portalUrl ?? null, webRemoteUrl: device?.webRemoteUrl ?? null,
          } : null,
          alertContext: data?.alertContext ?? null,
        });
      }
      return { items, nextCursor: null };
    },

    async deliveries(q: { state?: DeliveryState; alertUid?: string; cursor?: string; limit: number }) {
      const c = decodeCursor(q.cursor);
      const rows = await listDeliveries(db, { ...q, beforeId: c?.id, limit: q.limit + 1 });
      return { ...toPage(rows, q.limit, presentDelivery, (r) => ({ id: r.id })), backlog: await countReceived(db) };
    },
  };
}
