import type { Alert } from '../client/index.ts';
import type { DattoSettings } from '../settings.ts';

export type Via = 'email' | 'webhook' | 'reconcile';
export type Policies = DattoSettings['policies'];

/** Why an alert has no ticket of its own. */
export type HeldReason = 'maintenance' | 'storm' | 'resolved';

/** What a delivery tells about an alert before Datto is asked (all optional: an e-mail carries only the uid). */
export type AlertFacts = {
  deviceUid?: string | null;
  deviceName?: string | null;
  siteUid?: string | null;
  siteName?: string | null;
  priority?: string | null;
  monitorKind?: string | null;
  diagnostics?: string | null;
};

/** One arrival of an alert: an e-mail, a webhook body, or an open alert found by reconciliation. */
export type AlertDelivery = {
  alertUid: string;
  via: Via;
  event: 'raised' | 'resolved';
  at: Date;
  /** Ticket summary and details if this delivery opens a ticket. */
  summary: string;
  details: string;
  facts: AlertFacts;
  /** The alert as Datto returned it, when the delivery came from the API (no enrichment needed). */
  alert?: Alert;
  /** Where it came from, kept in the ticket history (inbound message, webhook delivery). */
  ref?: Record<string, unknown>;
};

export type IntakeOutcome =
  | { outcome: 'ticket_created' | 'ticket_updated'; alertUid: string; ticketId: number; note?: string; storm?: true }
  | { outcome: 'held'; alertUid: string; ticketId: number | null; reason: string }
  | { outcome: 'ignored'; alertUid: string; reason: string };

export const ticketSourceOf = (via: Via) => via;

/** Ticket priority for a Datto priority name through the editable map (an unknown name counts as Unknown). */
export function mapPriority(policies: Policies, priority: string | null | undefined): number {
  const map = policies.priorityMap as Record<string, number>;
  return map[priority ?? 'Unknown'] ?? map.Unknown ?? 3;
}

export const conditionKeyOf = (deviceUid: string | null | undefined, monitorKind: string | null | undefined) =>
  deviceUid && monitorKind ? `${deviceUid}|${monitorKind}` : null;
