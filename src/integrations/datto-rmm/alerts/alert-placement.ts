import type { Dialect, Tx } from '../../../db/database.ts';
import type { TicketService } from '../../../core/tickets/ticket.service.ts';
import type { DattoSettings } from '../settings.ts';
import { latestConditionTicket, lockKey, type AlertRow, type StormRow } from './alert.repository.ts';
import type { Targets } from './alert-targets.ts';
import { activeWindowFor, anyActiveWindow, type MaintenanceWindowRow } from './maintenance-window.repository.ts';
import type { IntakeMemo } from './intake-memo.ts';
import { stormFor } from './storm.ts';

/** Where an alert without a live ticket of its own goes. */
export type Decision =
  | { kind: 'hold'; window: MaintenanceWindowRow }
  | { kind: 'storm'; storm: StormRow; started: boolean }
  /** An open ticket of the same condition (dedup per condition). */
  | { kind: 'attach'; ticketId: number }
  /** A ticket of the same alert or condition closed within the reopen window. */
  | { kind: 'reopen'; ticketId: number }
  /** Its own ticket; `follows` names the closed ticket of the same alert or condition, beyond the reopen window. */
  | { kind: 'new'; follows: number | null };

export type PreviousTicket = { id: number; status: string; closed_at: string | null };

/**
 * The policies in order: a maintenance window holds the alert; with dedup per condition an open
 * ticket of the same device and monitor kind takes it; a storm rolls it up; a ticket of the same
 * alert or condition closed within the reopen window is reopened; otherwise it opens a ticket.
 */
export async function decidePlacement(
  trx: Tx,
  deps: { dialect: Dialect; tickets: TicketService; memo?: IntakeMemo },
  row: AlertRow,
  settings: DattoSettings,
  targets: Targets,
  opts: { now: Date; previous?: PreviousTicket | null; excludeTicketId?: number; arrivedAt?: Date },
): Promise<Decision> {
  const at = opts.now.toISOString();
  const { policies } = settings;

  const windows = deps.memo?.anyWindow ?? (await anyActiveWindow(trx, at));
  if (deps.memo) deps.memo.anyWindow = windows;
  if (targets.siteId !== null && targets.customerId !== null && windows) {
    const window = await activeWindowFor(trx, { siteId: targets.siteId, customerId: targets.customerId }, at);
    if (window) return { kind: 'hold', window };
  }

  let previous = opts.previous ?? null;
  if (row.condition_key) {
    await lockKey(trx, deps.dialect, `datto-condition:${row.condition_key}`);
    const same = await latestConditionTicket(trx, row.condition_key, row.id);
    if (same && same.id !== opts.excludeTicketId) {
      if (same.status !== 'closed' && policies.dedupScope === 'condition') return { kind: 'attach', ticketId: same.id };
      if (same.status === 'closed' && (!previous || same.id > previous.id)) previous = same;
    }
  }

  const storm = await stormFor(trx, deps, row, settings, targets, opts.arrivedAt ?? opts.now);
  if (storm) return { kind: 'storm', ...storm };

  if (previous && previous.status === 'closed' && previous.id !== opts.excludeTicketId) {
    const closedAt = previous.closed_at ? Date.parse(previous.closed_at) : 0;
    if (opts.now.getTime() - closedAt <= policies.reopenWindowHours * 3600_000) return { kind: 'reopen', ticketId: previous.id };
    return { kind: 'new', follows: previous.id };
  }
  return { kind: 'new', follows: null };
}
