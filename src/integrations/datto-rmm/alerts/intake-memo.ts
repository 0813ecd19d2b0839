import type { Insertable } from 'kysely';
import type { Executor } from '../../../db/database.ts';
import type { DattoAlertsTable } from '../../../db/schema.ts';
import { bumpStorms, insertStormAlerts, type DeviceTarget, type SiteLookup, type StormRow } from './alert.repository.ts';

/**
 * What one transaction that takes in many alerts (a batch of webhook deliveries) may look up once:
 * device and site links, whether any maintenance window is active, the storms it has already locked,
 * and the alerts it rolled into them, written together by `flushIntakeMemo` before it commits.
 * Valid only inside that transaction.
 */
export type IntakeMemo = {
  devices: Map<string, DeviceTarget | null>;
  sites: Map<string, SiteLookup>;
  /** The newest storm per key, or null when the key has none. */
  storms: Map<string, (StormRow & { ticket_status: string | null }) | null>;
  /** Alerts counted into each storm. */
  stormCounts: Map<number, { count: number; last: string }>;
  anyWindow?: boolean;
  /** Uids of the batch that already had a row when it started; only the others may be rolled up unseen. */
  knownUids?: Set<string>;
  /** New alerts rolled into a storm, by uid, not yet inserted. */
  stormAlerts: Map<string, Insertable<DattoAlertsTable>>;
};

export const createIntakeMemo = (knownUids?: Set<string>): IntakeMemo => ({
  devices: new Map(), sites: new Map(), storms: new Map(), stormCounts: new Map(), stormAlerts: new Map(), knownUids,
});

/** Writes one deferred alert now, because another delivery of the same batch is about to read it. */
export async function writeDeferredAlert(trx: Executor, memo: IntakeMemo, uid: string): Promise<void> {
  const row = memo.stormAlerts.get(uid);
  if (!row) return;
  memo.stormAlerts.delete(uid);
  if ((await insertStormAlerts(trx, [row])).length === 0) {
    const counted = memo.stormCounts.get(row.storm_id!);
    if (counted) counted.count--;
  }
}

/**
 * Writes what the batch deferred. Returns the uids that another process inserted meanwhile: their
 * deliveries must be processed again (they are not new after all) and were not counted.
 */
export async function flushIntakeMemo(trx: Executor, memo: IntakeMemo): Promise<Set<string>> {
  const lost = new Set<string>();
  const rows = [...memo.stormAlerts.values()];
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    const inserted = new Set(await insertStormAlerts(trx, part));
    for (const row of part) {
      if (inserted.has(row.alert_uid)) continue;
      lost.add(row.alert_uid);
      const counted = memo.stormCounts.get(row.storm_id!);
      if (counted) counted.count--;
    }
  }
  memo.stormAlerts.clear();
  await bumpStorms(trx, [...memo.stormCounts].filter(([, c]) => c.count > 0).map(([id, c]) => ({ id, ...c })));
  memo.stormCounts.clear();
  return lost;
}
