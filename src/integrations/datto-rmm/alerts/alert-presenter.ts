import { z } from 'zod';
import { monitorKindName } from './alert-details.ts';
import type { AlertRow } from './alert.repository.ts';
import type { DeliveryRow } from './webhook-delivery.repository.ts';
import type { MaintenanceWindowRow } from './maintenance-window.repository.ts';

export const resolveStates = ['none', 'pending', 'done', 'failed'] as const;
export const dattoStates = ['open', 'resolved', 'unknown'] as const;
export const heldReasons = ['maintenance', 'storm', 'resolved'] as const;

/** An alert link: one Datto alert, the ticket it is on, and where its resolve stands. */
export const alertLinkShape = z.object({
  alertUid: z.string(),
  ticketId: z.number().nullable(),
  occurrences: z.number(),
  dattoState: z.enum(dattoStates),
  resolveState: z.enum(resolveStates),
  resolveAttempts: z.number(),
  lastError: z.string().nullable(),
  priority: z.string().nullable(),
  diagnostics: z.string().nullable(),
  message: z.string().nullable(),
  monitorKind: z.string().nullable(),
  /** The monitor kind as people read it ("Resource usage" for perf_resource_usage_ctx). */
  monitorName: z.string().nullable(),
  deviceUid: z.string().nullable(),
  deviceName: z.string().nullable(),
  siteUid: z.string().nullable(),
  siteName: z.string().nullable(),
  /** How it arrived: any of email, webhook, reconcile, first one first. */
  via: z.array(z.string()),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  /** Why it has no ticket of its own: maintenance, storm (rolled up into a storm ticket) or resolved (before it was raised). */
  heldReason: z.string().nullable(),
  stormId: z.number().nullable(),
  maintenanceWindowId: z.number().nullable(),
  enrichedAt: z.string().nullable(),
  enrichError: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
});
export type AlertLink = z.infer<typeof alertLinkShape>;

export const presentAlert = (r: AlertRow): AlertLink => ({
  alertUid: r.alert_uid, ticketId: r.ticket_id, occurrences: r.occurrences, dattoState: r.datto_state, resolveState: r.resolve_state,
  resolveAttempts: r.resolve_attempts, lastError: r.last_error, priority: r.priority, diagnostics: r.diagnostics, message: r.message,
  monitorKind: r.monitor_kind, monitorName: r.monitor_kind ? monitorKindName(r.monitor_kind) : null, deviceUid: r.device_uid, deviceName: r.device_name, siteUid: r.site_uid, siteName: r.site_name,
  via: r.via.split(','), firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at, heldReason: r.held_reason, stormId: r.storm_id,
  maintenanceWindowId: r.maintenance_window_id, enrichedAt: r.enriched_at, enrichError: r.enrich_error,
  resolvedAt: r.resolved_at, resolvedBy: r.resolved_by,
});

export const deviceShape = z.object({
  uid: z.string(),
  name: z.string().nullable(),
  assetId: z.number().nullable(),
  portalUrl: z.string().nullable(),
  webRemoteUrl: z.string().nullable(),
});

export const ticketAlertShape = alertLinkShape.extend({
  device: deviceShape.nullable(),
  alertContext: z.record(z.string(), z.unknown()).nullable(),
});

export const deliveryShape = z.object({
  id: z.number(), receivedAt: z.string(), state: z.enum(['received', 'processed', 'ignored', 'failed']),
  alertUid: z.string().nullable(), ticketId: z.number().nullable(), reason: z.string().nullable(), processedAt: z.string().nullable(),
  body: z.string(),
});

export const presentDelivery = (d: DeliveryRow) => ({
  id: d.id, receivedAt: d.received_at, state: d.state, alertUid: d.alert_uid, ticketId: d.ticket_id, reason: d.reason,
  processedAt: d.processed_at, body: d.body,
});

export const windowShape = z.object({
  id: z.number(), name: z.string(), customerId: z.number().nullable(), siteId: z.number().nullable(),
  startsAt: z.string(), endsAt: z.string(), active: z.boolean(), createdAt: z.string(), updatedAt: z.string(),
});

export const presentWindow = (w: MaintenanceWindowRow, now = new Date().toISOString()) => ({
  id: w.id, name: w.name, customerId: w.customer_id, siteId: w.site_id, startsAt: w.starts_at, endsAt: w.ends_at,
  active: w.starts_at <= now && w.ends_at > now, createdAt: w.created_at, updatedAt: w.updated_at,
});
