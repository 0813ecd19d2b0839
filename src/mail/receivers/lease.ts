import type { Database } from '../../db/database.ts';

/**
 * A named lease row: on several instances, one holds a mailbox's IMAP connection; another takes
 * over when the holder stops renewing.
 */
export type Lease = { acquire(): Promise<boolean>; renew(): Promise<boolean>; release(): Promise<void> };

export function createLease(db: Database, name: string, holder: string, ttlMs: number): Lease {
  const take = async () => {
    const t = new Date();
    const until = new Date(t.getTime() + ttlMs).toISOString();
    await db.insertInto('leases').values({ name, holder, expires_at: until })
      .onConflict((oc) => oc.column('name').doUpdateSet({ holder, expires_at: until })
        .where((eb) => eb.or([eb('leases.expires_at', '<', t.toISOString()), eb('leases.holder', '=', holder)])))
      .execute();
    const row = await db.selectFrom('leases').select('holder').where('name', '=', name).executeTakeFirst();
    return row?.holder === holder;
  };
  return {
    acquire: take,
    renew: take,
    async release() {
      await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
    },
  };
}

/** On a single-process database, leases left by an earlier run are void. */
export async function clearLeases(db: Database, prefix: string): Promise<void> {
  await db.deleteFrom('leases').where('name', 'like', `${prefix}%`).execute();
}
