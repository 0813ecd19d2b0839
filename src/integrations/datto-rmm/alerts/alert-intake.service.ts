import type { Insertable } from 'kysely';
import type { Dialect, Tx } from '../../../db/database.ts';
import type { DattoAlertsTable } from '../../../db/schema.ts';
import { systemActor } from '../../../core/actor.ts';
import type { TicketRow } from '../../../core/tickets/ticket.repository.ts';
import type { TicketService } from '../../../core/tickets/ticket.service.ts';
import type { Alert } from '../client/index.ts';
import type { DattoSettings } from '../settings.ts';
import {
  findAlert, insertAlertIfNew, isStormTicket, lockAlertAndTicket, ticketAlertCounts, updateAlert, updateAlertFrom, type AlertPatch, type AlertRow,
} from './alert.repository.ts';
import { alertSnapshot, describeAlert } from './alert-details.ts';
import { decidePlacement, type PreviousTicket } from './alert-placement.ts';
import { placementPatch, targetsOf, type Targets } from './alert-targets.ts';
import { writeDeferredAlert, type IntakeMemo } from './intake-memo.ts';
import { anyActiveWindow } from './maintenance-window.repository.ts';
import { countStormAlert, ongoingStorm, stormKeyOf } from './storm.ts';
import {
  conditionKeyOf, mapPriority, type AlertDelivery, type AlertFacts, type IntakeOutcome, type Via,
} from './alert-types.ts';

const actor = systemActor('Datto RMM');
export const ORIGIN = 'datto-rmm';
const MAX_DETAILS = 100_000;
const MAX_OCCURRENCE_TEXT = 10_000;
const MAX_SEEN_ALERTS = 50_000;

const viaLabel: Record<Via, string> = { email: 'by e-mail', webhook: 'by webhook', reconcile: 'by reconciliation' };

export type IntakeDeps = {
  dialect: Dialect;
  tickets: TicketService;
  /** Queues reading the alert from Datto (a durable job, one per alert), in the caller's transaction. */
  enqueueEnrichment(trx: Tx, alertUid: string): Promise<void>;
};

export type AlertIntake = ReturnType<typeof createAlertIntake>;

/** Facts of a delivery, completed by the alert Datto returned when there is one. */
function factsOf(d: { facts: AlertFacts; alert?: Alert }): AlertFacts {
  const a = d.alert;
  if (!a) return d.facts;
  return {
    deviceUid: a.alertSourceInfo?.deviceUid ?? d.facts.deviceUid,
    deviceName: a.alertSourceInfo?.deviceName ?? d.facts.deviceName,
    siteUid: a.alertSourceInfo?.siteUid ?? d.facts.siteUid,
    siteName: a.alertSourceInfo?.siteName ?? d.facts.siteName,
    priority: a.priority ?? d.facts.priority,
    monitorKind: a.alertContext?.['@class'] ?? d.facts.monitorKind,
    diagnostics: a.diagnostics ?? d.facts.diagnostics,
  };
}

/** Columns the facts fill; what the row already knows is kept. */
function factColumns(row: AlertRow | null, f: AlertFacts): AlertPatch {
  const pick = <T>(current: T | null | undefined, next: T | null | undefined) => (current ?? next ?? null);
  const patch: AlertPatch = {
    device_uid: pick(row?.device_uid, f.deviceUid), device_name: pick(row?.device_name, f.deviceName),
    site_uid: pick(row?.site_uid, f.siteUid), site_name: pick(row?.site_name, f.siteName),
    priority: pick(row?.priority, f.priority), monitor_kind: pick(row?.monitor_kind, f.monitorKind),
    diagnostics: pick(row?.diagnostics, f.diagnostics),
  };
  patch.condition_key = conditionKeyOf(patch.device_uid, patch.monitor_kind);
  return patch;
}

const mergeVia = (current: string, via: Via) => (current.split(',').includes(via) ? current : `${current},${via}`);
const firstVia = (row: AlertRow) => row.via.split(',')[0] as Via;

/**
 * Alerts in, tickets out: every delivery of an alert (e-mail, webhook, reconciliation) goes
 * through `raiseIn`, inside the caller's transaction, so one alert is one ticket however and
 * however often it arrives. What Datto later tells about the alert (enrichment, resolution)
 * is applied here too.
 */
export function createAlertIntake(deps: IntakeDeps) {
  const { dialect, tickets } = deps;
  /** Alert uids this process has written or read (a hint only: a uid not found is inserted after all). */
  const seenAlerts = new Set<string>();

  const addOccurrence = async (trx: Tx, ticketId: number, row: AlertRow, d: AlertDelivery | null, lead: string) => {
    const text = d?.details ? `\n\n${d.details.slice(0, MAX_OCCURRENCE_TEXT)}` : '';
    await tickets.addActionTouchingIn(trx, ticketId, 'alert_occurrence', `${lead}${d ? ` (${viaLabel[d.via]})` : ''}${text}`, actor,
      { alertUid: row.alert_uid, occurrence: row.occurrences, via: d?.via ?? null, ...d?.ref });
  };

  /** Opens a ticket for the alert, or sends it where the policies say. */
  const placeIn = async (
    trx: Tx, row: AlertRow, settings: DattoSettings, d: AlertDelivery | null,
    opts: { previous?: PreviousTicket | null; now: Date; releasedFrom?: string; memo?: IntakeMemo },
  ): Promise<IntakeOutcome> => {
    const uid = row.alert_uid;
    const targets = await targetsOf(trx, row, opts.memo);
    const decision = await decidePlacement(trx, { dialect, tickets, memo: opts.memo }, row, settings, targets, { now: opts.now, previous: opts.previous });
    const at = opts.now.toISOString();
    switch (decision.kind) {
      case 'hold': {
        await updateAlert(trx, row.id, { held_reason: 'maintenance', maintenance_window_id: decision.window.id, ticket_id: null, updated_at: at });
        return {
          outcome: 'held', alertUid: uid, ticketId: null,
          reason: `held: maintenance window "${decision.window.name}" until ${decision.window.ends_at}; a ticket opens if the alert is still open when it ends`,
        };
      }
      case 'storm': {
        await updateAlert(trx, row.id, { ticket_id: decision.storm.ticket_id, held_reason: 'storm', storm_id: decision.storm.id, maintenance_window_id: null, updated_at: at });
        return { outcome: 'ticket_updated', alertUid: uid, ticketId: decision.storm.ticket_id!, storm: true, note: `rolled up into the alert storm ticket #${decision.storm.ticket_id}` };
      }
      case 'attach': {
        const moved = await updateAlert(trx, row.id, { ticket_id: decision.ticketId, held_reason: null, maintenance_window_id: null, updated_at: at });
        await addOccurrence(trx, decision.ticketId, moved, d, `Alert ${uid} on the same device and monitor kind (dedup per condition)`);
        return { outcome: 'ticket_updated', alertUid: uid, ticketId: decision.ticketId, note: 'same condition as an open ticket' };
      }
      case 'reopen': {
        await reopenFor(trx, decision.ticketId, row, settings, d);
        await updateAlert(trx, row.id, { ticket_id: decision.ticketId, held_reason: null, maintenance_window_id: null, updated_at: at });
        return { outcome: 'ticket_updated', alertUid: uid, ticketId: decision.ticketId, note: 'raised again within the reopen window: reopened' };
      }
      case 'new': {
        const ticket = await openTicket(trx, row, settings, targets, d, decision.follows, opts.releasedFrom);
        await updateAlert(trx, row.id, { ticket_id: ticket.id, held_reason: null, maintenance_window_id: null, storm_id: null, updated_at: at });
        return { outcome: 'ticket_created', alertUid: uid, ticketId: ticket.id, ...(decision.follows ? { note: `follows ticket #${decision.follows}` } : {}) };
      }
    }
  };

  const openTicket = async (
    trx: Tx, row: AlertRow, settings: DattoSettings, targets: Targets, d: AlertDelivery | null, follows: number | null, releasedFrom?: string,
  ): Promise<TicketRow> => {
    const via = d?.via ?? firstVia(row);
    const ticket = await tickets.createIn(trx, {
      summary: d?.summary ?? row.message ?? `Datto RMM alert ${row.alert_uid}`,
      details: (d?.details ?? row.details ?? '').slice(0, MAX_DETAILS),
      source: via,
      priority: mapPriority(settings.policies, row.priority),
      ticketTypeId: settings.alerting.defaultTicketTypeId ?? undefined,
      customerId: targets.customerId, siteId: targets.siteId, assetId: targets.assetId,
      parentTicketId: follows,
    }, actor);
    await tickets.addActionIn(trx, ticket.id, 'alert_event', `Datto RMM alert ${row.alert_uid} received ${viaLabel[via]}`, actor,
      { alertUid: row.alert_uid, via, ...d?.ref });
    if (follows) {
      await tickets.addActionIn(trx, ticket.id, 'alert_event',
        `The same alert was on ticket #${follows}, closed longer ago than the reopen window (${settings.policies.reopenWindowHours} h): this ticket follows it.`,
        actor, { followsTicketId: follows });
    }
    if (releasedFrom) await tickets.addActionIn(trx, ticket.id, 'alert_event', releasedFrom, actor, { alertUid: row.alert_uid });
    if (targets.siteUnmapped) await noteUnmapped(trx, ticket.id, targets);
    return ticket;
  };

  const noteUnmapped = (trx: Tx, ticketId: number, targets: Targets) =>
    tickets.addActionIn(trx, ticketId, 'alert_event', targets.siteImported
      ? `The Datto site ${targets.siteName ?? ''} (${targets.dattoSiteUid}) is not mapped to a Relaydesk site, so this ticket has no customer or site. `
        + 'Map it under Datto RMM > Site mappings: the ticket then gets them.'
      : `The Datto site ${targets.siteName ?? ''} (${targets.dattoSiteUid}) has not been imported yet, so this ticket has no customer or site. `
        + 'Run a sites import (Datto RMM > Import): the ticket gets them once the site is mapped.',
    actor, { dattoSiteUid: targets.dattoSiteUid, unmapped: true });

  const reopenFor = async (trx: Tx, ticketId: number, row: AlertRow, settings: DattoSettings, d: AlertDelivery | null) => {
    await tickets.updateIn(trx, ticketId, { status: 'in_progress' }, actor, ORIGIN);
    await tickets.addActionIn(trx, ticketId, 'alert_event',
      `Reopened: alert ${row.alert_uid} was raised again less than ${settings.policies.reopenWindowHours} h (the reopen window) after the ticket closed`
      + `${d ? ` ${viaLabel[d.via]}` : ''}.${d?.details ? `\n\n${d.details.slice(0, MAX_OCCURRENCE_TEXT)}` : ''}`,
      actor, { alertUid: row.alert_uid, via: d?.via ?? null, ...d?.ref });
  };

  /** The alert is resolved in Datto: mark it and apply `policies.resolvedInDatto` to its ticket. */
  const resolvedInDattoIn = async (trx: Tx, current: AlertRow, settings: DattoSettings, how: string, at = new Date()): Promise<IntakeOutcome> => {
    const uid = current.alert_uid;
    if (current.datto_state === 'resolved') return { outcome: 'ignored', alertUid: uid, reason: 'already known as resolved' };
    const row = await updateAlert(trx, current.id, {
      datto_state: 'resolved', resolved_at: at.toISOString(), resolved_by: current.resolve_state === 'done' ? 'relaydesk' : 'datto',
      // A resolve we had queued is no longer needed.
      ...(current.resolve_state === 'pending' ? { resolve_state: 'none' as const } : {}),
      updated_at: at.toISOString(),
    });
    if (!row.ticket_id) return { outcome: 'held', alertUid: uid, ticketId: null, reason: `resolved in Datto RMM (${how}); it has no ticket` };
    const ticket = await tickets.load(row.ticket_id, trx);
    if (ticket.status === 'closed') return { outcome: 'ticket_updated', alertUid: uid, ticketId: ticket.id, note: 'resolved in Datto RMM; the ticket was already closed' };
    const counts = await ticketAlertCounts(trx, ticket.id);
    if (counts.open > 0) {
      if (row.held_reason !== 'storm') {
        await tickets.addActionIn(trx, ticket.id, 'alert_resolved',
          `Alert ${uid} was resolved in Datto RMM (${how}); ${counts.open} other alert(s) on this ticket are still open.`, actor, { alertUid: uid });
      }
      return { outcome: 'ticket_updated', alertUid: uid, ticketId: ticket.id, note: 'resolved in Datto RMM; other alerts of the ticket are open' };
    }
    const what = counts.total > 1 ? `All ${counts.total} alerts of this ticket were resolved in Datto RMM` : `The alert was resolved in Datto RMM (${how})`;
    const policy = settings.policies.resolvedInDatto;
    const close = policy === 'close' || (policy === 'closeIfUntouched' && ticket.agent_touched === 0);
    const text = close ? `${what}: closing the ticket.`
      : policy === 'closeIfUntouched' ? `${what}. The ticket stays open because someone has worked on it.` : `${what}.`;
    await tickets.addActionIn(trx, ticket.id, 'alert_resolved', text, actor, { alertUid: uid, policy });
    if (close) await tickets.closeIn(trx, ticket.id, actor, { origin: ORIGIN });
    return { outcome: 'ticket_updated', alertUid: uid, ticketId: ticket.id, note: close ? 'resolved in Datto RMM: ticket closed' : 'resolved in Datto RMM: noted' };
  };

  /** A ticket made for this one alert that nobody has looked at: policies may still send the alert elsewhere. */
  const isFresh = async (trx: Tx, ticket: TicketRow, row: AlertRow) =>
    ticket.status === 'new' && ticket.agent_touched === 0 && row.held_reason === null
    && row.via.split(',').includes(ticket.source)
    && (await ticketAlertCounts(trx, ticket.id)).total === 1 && !(await isStormTicket(trx, ticket.id));

  /**
   * Policies that need the device or monitor kind (storms, dedup per condition, the reopen window,
   * maintenance windows) can only act on an e-mail alert once Datto has told those: its fresh
   * ticket is then closed into the ticket the policies pick.
   */
  const refoldIn = async (trx: Tx, row: AlertRow, ticket: TicketRow, settings: DattoSettings): Promise<number> => {
    const now = new Date();
    const targets = await targetsOf(trx, row);
    const decision = await decidePlacement(trx, { dialect, tickets }, row, settings, targets, {
      now, excludeTicketId: ticket.id, arrivedAt: new Date(row.first_seen_at),
    });
    const at = now.toISOString();
    const closeFresh = async (why: string) => {
      await tickets.addActionIn(trx, ticket.id, 'alert_event', why, actor, { alertUid: row.alert_uid });
      await tickets.closeIn(trx, ticket.id, actor, { origin: ORIGIN });
    };
    switch (decision.kind) {
      case 'new':
        if (decision.follows) {
          await tickets.addActionIn(trx, ticket.id, 'alert_event',
            `The same monitor on this device had ticket #${decision.follows}, closed longer ago than the reopen window (${settings.policies.reopenWindowHours} h): this ticket follows it.`,
            actor, { followsTicketId: decision.follows });
        }
        return ticket.id;
      case 'hold':
        await updateAlert(trx, row.id, { held_reason: 'maintenance', maintenance_window_id: decision.window.id, ticket_id: null, updated_at: at });
        await closeFresh(`Closed: the alert's site is in maintenance window "${decision.window.name}" until ${decision.window.ends_at}. `
          + 'A ticket opens if the alert is still open when the window ends.');
        return ticket.id;
      case 'storm':
        await updateAlert(trx, row.id, { ticket_id: decision.storm.ticket_id, held_reason: 'storm', storm_id: decision.storm.id, updated_at: at });
        await closeFresh(`Closed: the alert is part of an alert storm and was rolled up into ticket #${decision.storm.ticket_id}.`);
        return decision.storm.ticket_id!;
      case 'attach': {
        const moved = await updateAlert(trx, row.id, { ticket_id: decision.ticketId, updated_at: at });
        await addOccurrence(trx, decision.ticketId, moved, null, `Alert ${row.alert_uid} on the same device and monitor kind (dedup per condition); it had opened ticket #${ticket.id}`);
        await closeFresh(`Closed: the same device and monitor kind already has open ticket #${decision.ticketId}; the alert was moved there.`);
        return decision.ticketId;
      }
      case 'reopen':
        await reopenFor(trx, decision.ticketId, row, settings, null);
        await updateAlert(trx, row.id, { ticket_id: decision.ticketId, updated_at: at });
        await closeFresh(`Closed: the same monitor on this device was on ticket #${decision.ticketId}, closed within the reopen window; that ticket was reopened and the alert moved there.`);
        return decision.ticketId;
    }
  };

  /**
   * The common case in a storm: a new alert from a device (or site) whose storm is going on goes
   * straight onto the storm ticket, its row written with the batch's others when the batch ends.
   * Anything else (an alert already known, one twice in the batch, an active maintenance window, a
   * monitor kind that dedup per condition may claim) takes the full path.
   */
  const rollUpIfStorming = async (
    trx: Tx, d: AlertDelivery, facts: AlertFacts, settings: DattoSettings, memo: IntakeMemo | undefined,
  ): Promise<IntakeOutcome | null> => {
    if (!memo?.knownUids || d.alert || facts.monitorKind) return null;
    if (memo.knownUids.has(d.alertUid) || memo.stormAlerts.has(d.alertUid)) return null;
    const stormKey = stormKeyOf(settings, facts.deviceUid, facts.siteUid);
    if (!stormKey) return null;
    memo.anyWindow ??= await anyActiveWindow(trx, d.at.toISOString());
    if (memo.anyWindow) return null;
    const { latest, going } = await ongoingStorm(trx, { dialect, tickets, memo }, settings, stormKey, d.at);
    if (!going) return null;
    const storm = latest!;
    const at = d.at.toISOString();
    memo.stormAlerts.set(d.alertUid, {
      alert_uid: d.alertUid, ticket_id: storm.ticket_id, occurrences: 1, first_seen_at: at, last_seen_at: at,
      datto_state: 'open', resolve_state: 'none', resolve_attempts: 0, ...factColumns(null, facts),
      message: d.summary, details: d.details.slice(0, MAX_DETAILS), via: d.via, held_reason: 'storm', storm_id: storm.id,
      created_at: at, updated_at: at,
    });
    await countStormAlert(trx, memo, storm, d.at);
    return { outcome: 'ticket_updated', alertUid: d.alertUid, ticketId: storm.ticket_id!, storm: true, note: `rolled up into the alert storm ticket #${storm.ticket_id}` };
  };

  return {
    placeIn,
    resolvedInDattoIn,

    /** One delivery of an alert, inside the caller's transaction; `enabled`: the module is on (Datto may be asked about it). */
    async raiseIn(trx: Tx, d: AlertDelivery, settings: DattoSettings, enabled: boolean, memo?: IntakeMemo): Promise<IntakeOutcome> {
      const uid = d.alertUid;
      const at = d.at.toISOString();
      const facts = factsOf(d);
      const resolved = d.event === 'resolved' || d.alert?.resolved === true;
      const rolledUp = resolved ? null : await rollUpIfStorming(trx, d, facts, settings, memo);
      if (rolledUp) return rolledUp;
      if (memo) await writeDeferredAlert(trx, memo, uid);
      const firstRow: Insertable<DattoAlertsTable> = {
        alert_uid: uid, ticket_id: null, occurrences: d.event === 'raised' ? 1 : 0, first_seen_at: at, last_seen_at: at,
        datto_state: resolved ? 'resolved' : 'open', resolve_state: 'none', resolve_attempts: 0,
        ...factColumns(null, facts),
        message: d.summary, details: d.details.slice(0, MAX_DETAILS),
        alert_data: d.alert ? JSON.stringify(alertSnapshot(d.alert)) : null, enriched_at: d.alert ? at : null,
        via: d.via, held_reason: resolved ? 'resolved' : null,
        resolved_at: resolved ? at : null, resolved_by: resolved ? 'datto' : null,
        created_at: at, updated_at: at,
      };
      // An alert this process has met before is most likely there: look it up (and lock it) first,
      // which spares a repeat the insert attempt; the insert follows if it is not there after all.
      let inserted = seenAlerts.has(uid) ? undefined : await insertAlertIfNew(trx, firstRow);
      let locked = inserted ? undefined : await lockAlertAndTicket(trx, dialect, uid);
      if (locked && !locked.alert) {
        inserted = await insertAlertIfNew(trx, firstRow);
        locked = inserted ? undefined : await lockAlertAndTicket(trx, dialect, uid);
      }
      if (seenAlerts.size >= MAX_SEEN_ALERTS) seenAlerts.clear();
      seenAlerts.add(uid);

      if (inserted) {
        if (resolved) {
          return {
            outcome: 'held', alertUid: uid, ticketId: null,
            reason: 'resolved in Datto RMM before it was raised here: remembered, and a later raise opens no ticket',
          };
        }
        const outcome = await placeIn(trx, inserted, settings, d, { now: d.at, memo });
        const intoStorm = outcome.outcome === 'ticket_updated' && outcome.storm === true;
        if (enabled && !d.alert && !intoStorm) await deps.enqueueEnrichment(trx, uid);
        return outcome;
      }

      const existing = locked!.alert!;
      if (d.event === 'resolved') return resolvedInDattoIn(trx, existing, settings, viaLabel[d.via], d.at);

      const rereadUnknown = existing.datto_state === 'unknown';
      const row = await updateAlertFrom(trx, existing, {
        ...factColumns(existing, facts),
        occurrences: existing.occurrences + 1,
        last_seen_at: at > existing.last_seen_at ? at : existing.last_seen_at,
        via: mergeVia(existing.via, d.via), updated_at: at,
        // Raised again: Datto has it open, whatever an earlier read or reconciliation could not find.
        ...(rereadUnknown ? { datto_state: 'open' as const } : {}),
      });
      const unread = !row.enriched_at && !row.enrich_error;
      if (enabled && (unread || rereadUnknown) && !d.alert && row.held_reason !== 'storm') await deps.enqueueEnrichment(trx, uid);

      if (row.datto_state === 'resolved' || row.resolve_state === 'done') {
        const why = row.resolve_state === 'done' ? 'the alert was already resolved in Datto RMM when its ticket closed' : 'the alert is already resolved in Datto RMM';
        // A late delivery opens nothing; but a ticket someone reopened is where its alert's mail belongs.
        const ticket = row.ticket_id && row.held_reason !== 'storm'
          ? (locked!.ticket?.id === row.ticket_id ? locked!.ticket : await tickets.load(row.ticket_id, trx))
          : null;
        if (ticket && ticket.status !== 'closed') {
          await addOccurrence(trx, ticket.id, row, d, `Alert raised again: occurrence ${row.occurrences}, though ${why}`);
          return { outcome: 'ticket_updated', alertUid: uid, ticketId: ticket.id, note: `occurrence ${row.occurrences}; ${why}` };
        }
        return { outcome: 'ignored', alertUid: uid, reason: why };
      }
      if (row.ticket_id) {
        const ticket = locked!.ticket?.id === row.ticket_id ? locked!.ticket : await tickets.load(row.ticket_id, trx);
        if (ticket.status !== 'closed') {
          if (row.held_reason !== 'storm') await addOccurrence(trx, ticket.id, row, d, `Alert raised again: occurrence ${row.occurrences}`);
          return { outcome: 'ticket_updated', alertUid: uid, ticketId: ticket.id, note: `occurrence ${row.occurrences}` };
        }
        return placeIn(trx, row, settings, d, { now: d.at, previous: ticket, memo });
      }
      if (row.held_reason === 'maintenance') {
        return { outcome: 'held', alertUid: uid, ticketId: null, reason: 'held: maintenance window (occurrence counted)' };
      }
      return placeIn(trx, row, settings, d, { now: d.at, memo });
    },

    /** What Datto returned for the alert: fills the alert link and its ticket, and lets the policies act on it. */
    async applyDattoAlertIn(trx: Tx, current: AlertRow, alert: Alert, settings: DattoSettings): Promise<void> {
      const now = new Date();
      const facts = factsOf({ facts: {}, alert });
      const row = await updateAlertFrom(trx, current, {
        device_uid: facts.deviceUid ?? current.device_uid, device_name: facts.deviceName ?? current.device_name,
        site_uid: facts.siteUid ?? current.site_uid, site_name: facts.siteName ?? current.site_name,
        priority: facts.priority ?? current.priority, monitor_kind: facts.monitorKind ?? current.monitor_kind,
        diagnostics: facts.diagnostics ?? current.diagnostics,
        condition_key: conditionKeyOf(facts.deviceUid ?? current.device_uid, facts.monitorKind ?? current.monitor_kind),
        alert_data: JSON.stringify(alertSnapshot(alert)), enriched_at: now.toISOString(), enrich_error: null, updated_at: now.toISOString(),
      });

      if (row.ticket_id && row.held_reason !== 'storm') {
        let ticket = await tickets.load(row.ticket_id, trx);
        let ticketId = ticket.id;
        if (await isFresh(trx, ticket, row)) ticketId = await refoldIn(trx, row, ticket, settings);
        const moved = ticketId !== ticket.id;
        const after = moved ? (await findAlert(trx, row.alert_uid))! : row;
        if (after.held_reason !== 'storm' && after.ticket_id) {
          ticket = await tickets.load(after.ticket_id, trx);
          const own = !moved && (await ticketAlertCounts(trx, ticket.id)).total === 1;
          const targets = await targetsOf(trx, after);
          await tickets.addActionIn(trx, ticket.id, 'alert_details', `Alert ${after.alert_uid} in Datto RMM\n\n${describeAlert(alert)}`, actor,
            { alertUid: after.alert_uid, alertContext: alert.alertContext ?? null, priority: alert.priority });
          if (own) {
            const patch: ReturnType<typeof placementPatch> & { priority?: number } = placementPatch(ticket, targets);
            const priority = mapPriority(settings.policies, after.priority);
            if (ticket.agent_touched === 0 && priority !== ticket.priority) patch.priority = priority;
            if (Object.keys(patch).length) await tickets.updateIn(trx, ticket.id, patch, actor, ORIGIN);
            // Said once: when the ticket was opened the delivery may already have named the unmapped site.
            if (targets.siteUnmapped && !current.enriched_at && !(await targetsOf(trx, current)).siteUnmapped) await noteUnmapped(trx, ticket.id, targets);
          }
        }
      }
      if (alert.resolved) {
        const latest = (await findAlert(trx, row.alert_uid))!;
        await resolvedInDattoIn(trx, latest, settings, 'reported when the alert was read from Datto RMM', now);
      }
    },

    /** A held alert whose maintenance window is over: ticketed now, unless another window still covers it. */
    async releaseIn(trx: Tx, row: AlertRow, settings: DattoSettings, windowName: string | null): Promise<IntakeOutcome> {
      const now = new Date();
      return placeIn(trx, row, settings, null, {
        now,
        releasedFrom: `This alert arrived during maintenance window${windowName ? ` "${windowName}"` : ''} and was held; it was still open when the window ended.`,
      });
    },
  };
}
