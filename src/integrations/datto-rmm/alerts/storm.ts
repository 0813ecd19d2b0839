import type { Dialect, Tx } from '../../../db/database.ts';
import { systemActor } from '../../../core/actor.ts';
import type { TicketService } from '../../../core/tickets/ticket.service.ts';
import type { DattoSettings } from '../settings.ts';
import {
  bumpStorm, countRecentAlerts, insertStorm, latestStorm, latestStorms, lockKey, recentAlertTickets, type AlertRow, type StormRow,
} from './alert.repository.ts';
import type { Targets } from './alert-targets.ts';
import type { IntakeMemo } from './intake-memo.ts';
import { mapPriority } from './alert-types.ts';

const actor = systemActor('Datto RMM');
const EARLIER_TICKETS_LISTED = 50;

export type StormVerdict = { storm: StormRow; started: boolean };

type StormDeps = { dialect: Dialect; tickets: TicketService; memo?: IntakeMemo };

/** The device or site key storms are counted by, if the alert has one. */
export function stormKeyOf(settings: DattoSettings, deviceUid: string | null | undefined, dattoSiteUid: string | null | undefined): string | null {
  const policy = settings.policies.storm;
  if (!policy.enabled) return null;
  const key = policy.scope === 'device' ? deviceUid : dattoSiteUid;
  return key ? `${policy.scope}:${key}` : null;
}

/**
 * Locks (in key order, so two batches never wait on each other crosswise) and reads the storms a
 * batch will need, in one query.
 */
export async function prefetchStorms(trx: Tx, deps: { dialect: Dialect; memo: IntakeMemo }, stormKeys: string[]): Promise<void> {
  const keys = stormKeys.filter((k) => !deps.memo.storms.has(k)).sort();
  for (const key of keys) await lockKey(trx, deps.dialect, `datto-storm:${key}`);
  for (const key of keys) deps.memo.storms.set(key, null);
  for (const storm of await latestStorms(trx, keys)) deps.memo.storms.set(storm.storm_key, storm);
}

/** The storm of this key still going on at `at` (its ticket open, alerts within the window), read once per transaction. */
export async function ongoingStorm(trx: Tx, deps: StormDeps, settings: DattoSettings, stormKey: string, at: Date) {
  const arrived = at.toISOString();
  const since = new Date(at.getTime() - settings.policies.storm.windowMinutes * 60_000).toISOString();
  let latest = deps.memo?.storms.get(stormKey) ?? undefined;
  if (!deps.memo?.storms.has(stormKey)) {
    await lockKey(trx, deps.dialect, `datto-storm:${stormKey}`);
    latest = await latestStorm(trx, stormKey);
    deps.memo?.storms.set(stormKey, latest ?? null);
  }
  const open = !!latest && latest.ticket_id !== null && latest.ticket_status !== 'closed' && latest.started_at <= arrived;
  return { latest, open, going: open && latest!.last_alert_at >= since };
}

/** Counts one more alert in the storm; within a batch the counts are written once, when it ends. */
export async function countStormAlert(trx: Tx, memo: IntakeMemo | undefined, storm: StormRow, at: Date): Promise<void> {
  const arrived = at.toISOString();
  if (arrived > storm.last_alert_at) storm.last_alert_at = arrived;
  if (!memo) {
    await bumpStorm(trx, storm.id, 1, storm.last_alert_at);
    return;
  }
  const pending = memo.stormCounts.get(storm.id);
  memo.stormCounts.set(storm.id, { count: (pending?.count ?? 0) + 1, last: storm.last_alert_at });
}

/**
 * Storm control: above `threshold` alerts from one device (or site) within `windowMinutes`,
 * further alerts roll up into one "Alert storm on …" ticket instead of opening their own. A storm
 * goes on while alerts keep coming within the window and its ticket is open. Everything is counted
 * up to the alert's arrival (`at`), so an alert whose device was learnt later (e-mail) gets the
 * same answer it would have had on arrival.
 */
export async function stormFor(
  trx: Tx, deps: StormDeps, row: AlertRow, settings: DattoSettings, targets: Targets, at: Date,
): Promise<StormVerdict | null> {
  const { tickets, memo } = deps;
  const policy = settings.policies.storm;
  const stormKey = stormKeyOf(settings, row.device_uid, targets.dattoSiteUid);
  if (!stormKey) return null;
  const key = stormKey.slice(policy.scope.length + 1);
  const arrived = at.toISOString();
  const since = new Date(at.getTime() - policy.windowMinutes * 60_000).toISOString();

  const { latest, open, going } = await ongoingStorm(trx, deps, settings, stormKey, at);
  if (going) {
    await countStormAlert(trx, memo, latest!, at);
    return { storm: latest!, started: false };
  }
  const count = await countRecentAlerts(trx, policy.scope, key, since, arrived);
  if (count <= policy.threshold) return null;
  // Enrichment reads alerts in any order: a storm a later alert started, within this alert's window,
  // is the one this alert would have started on arrival.
  const until = new Date(at.getTime() + policy.windowMinutes * 60_000).toISOString();
  if (latest && latest.ticket_id !== null && latest.ticket_status !== 'closed' && latest.started_at > arrived && latest.started_at <= until) {
    await countStormAlert(trx, memo, latest, at);
    return { storm: latest, started: false };
  }

  const label = policy.scope === 'device' ? (row.device_name ?? targets.deviceName ?? key) : (targets.siteName ?? row.site_name ?? key);
  const earlier = (await recentAlertTickets(trx, policy.scope, key, since, arrived, EARLIER_TICKETS_LISTED))
    .map((r) => r.ticket_id!).filter((id) => id !== latest?.ticket_id);
  const summaryLine = `Alert storm: ${count} alerts from ${policy.scope} ${label} within ${policy.windowMinutes} minutes `
    + `(threshold ${policy.threshold}). Further alerts from this ${policy.scope} are rolled up into this ticket instead of opening their own`
    + ` (Datto RMM alerts list, held: storm).${earlier.length ? ` Tickets the storm's first alerts opened: ${earlier.map((id) => `#${id}`).join(', ')}.` : ''}`;

  if (open) {
    await countStormAlert(trx, memo, latest!, at);
    await tickets.addActionIn(trx, latest!.ticket_id!, 'alert_storm', `The storm resumed. ${summaryLine}`, actor, { stormId: latest!.id, count });
    return { storm: latest!, started: false };
  }

  const ticket = await tickets.createIn(trx, {
    summary: `Alert storm on ${label}`,
    details: `More than ${policy.threshold} Datto RMM alerts from ${policy.scope} ${label} arrived within ${policy.windowMinutes} minutes. `
      + 'Alerts beyond the threshold are attached to this ticket. Closing it resolves them in Datto RMM.',
    source: row.via.split(',')[0] as 'email' | 'webhook' | 'reconcile',
    priority: mapPriority(settings.policies, row.priority),
    ticketTypeId: settings.alerting.defaultTicketTypeId ?? undefined,
    customerId: targets.customerId, siteId: targets.siteId,
    assetId: policy.scope === 'device' ? targets.assetId : null,
  }, actor);
  const storm = await insertStorm(trx, {
    storm_key: stormKey, scope: policy.scope, label, ticket_id: ticket.id, alert_count: 1, started_at: arrived, last_alert_at: arrived,
  });
  memo?.storms.set(stormKey, { ...storm, ticket_status: ticket.status });
  await tickets.addActionIn(trx, ticket.id, 'alert_storm', summaryLine, actor, { stormId: storm.id, count, earlierTickets: earlier });
  for (const id of earlier) {
    await tickets.addActionIn(trx, id, 'alert_storm', `Part of an alert storm on ${label}: later alerts are rolled up into ticket #${ticket.id}.`, actor,
      { stormId: storm.id, stormTicketId: ticket.id });
  }
  return { storm, started: true };
}
