import crypto from 'node:crypto';
import type { Database, Tx } from '../../../db/database.ts';
import { messageOf } from '../../../errors.ts';

/** What one import run did, stored as the job's result. */
export type ImportCounts = {
  /** Items Datto listed (sites, or devices of the account). */
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Items whose write failed; the rest of the run went on. */
  failed: number;
  /** Items left alone on purpose (devices of unlinked sites, deleted devices never imported). */
  skipped: number;
  /** Items marked deleted in Datto (sites) or retired (assets of deleted devices). */
  deleted: number;
  lastError: string | null;
};

export type Tally = Partial<Omit<ImportCounts, 'total' | 'lastError'>>;

export const emptyCounts = (): ImportCounts => ({
  total: 0, created: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0, deleted: 0, lastError: null,
});

export function addTally(counts: ImportCounts, tally: Tally): void {
  for (const [key, value] of Object.entries(tally) as Array<[keyof Tally, number]>) counts[key] += value;
}

/** A short stable hash of the fields the import keeps: equal hashes mean nothing to write. */
export function fingerprint(value: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 24);
}

/**
 * Writes a batch (a page) in one transaction. If that fails, each item is written
 * again in its own transaction, so one bad item costs only itself and is counted.
 */
export async function writeBatch<T>(
  db: Database,
  items: T[],
  write: (trx: Tx, items: T[]) => Promise<Tally>,
  counts: ImportCounts,
  describe: (item: T) => string,
): Promise<void> {
  if (items.length === 0) return;
  try {
    addTally(counts, await db.transaction().execute((trx) => write(trx, items)));
    return;
  } catch (err) {
    if (items.length === 1) {
      counts.failed++;
      counts.lastError = `${describe(items[0]!)}: ${messageOf(err)}`;
      return;
    }
  }
  for (const item of items) {
    try {
      addTally(counts, await db.transaction().execute((trx) => write(trx, [item])));
    } catch (err) {
      counts.failed++;
      counts.lastError = `${describe(item)}: ${messageOf(err)}`;
    }
  }
}

/**
 * Keeps up to `ahead` pages on their way while the caller writes the current one,
 * so Datto's answer time, parsing and the database overlap.
 */
export async function* prefetched<T>(source: AsyncIterable<T>, ahead = 2): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const pending: Array<Promise<IteratorResult<T>>> = [];
  const request = () => {
    const next = iterator.next();
    // A failure of a look-ahead surfaces when it is awaited below, not as an unhandled rejection.
    next.catch(() => {});
    pending.push(next);
  };
  try {
    for (let i = 0; i < ahead; i++) request();
    for (;;) {
      const result = await pending.shift()!;
      if (result.done) return;
      request();
      yield result.value;
    }
  } finally {
    void Promise.resolve(iterator.return?.()).catch(() => {});
  }
}
