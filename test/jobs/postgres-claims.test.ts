import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openDatabase, type DbHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { defineJob } from '../../src/jobs/job-definition.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { startWorker } from '../../src/jobs/job-worker.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, postgresSkipReason, postgresUrl, type TestDatabase } from '../support/test-database.ts';

const skip = await postgresSkipReason();
if (skip) console.warn(`[skipped] PostgreSQL job claims: ${skip}`);

describe.skipIf(!!skip)('job claims on PostgreSQL with several processes', () => {
  let tdb: TestDatabase;
  const handles: DbHandle[] = [];
  beforeAll(async () => {
    tdb = await createTestDatabase('postgres');
    expect(tdb.pgSchema).toBeTruthy();
    for (let i = 0; i < 3; i++) handles.push(openDatabase({ databaseUrl: postgresUrl, dataDir: '.', pgSchema: tdb.pgSchema, poolSize: 4 }));
    await migrateToLatest(handles[0]!.db, tdb.pgSchema);
  });
  afterAll(async () => {
    for (const h of handles) await h.close();
    await tdb?.drop();
  });

  it('never runs a job twice when three instances claim at the same time', async () => {
    const ran: number[] = [];
    const def = defineJob({
      kind: 'test.count', payload: z.object({ n: z.number() }),
      async run(p) {
        ran.push(p.n);
        await new Promise((r) => setTimeout(r, 2));
      },
    });
    const logger = createLogger('silent');
    const queues = handles.map((h) => {
      const q = createJobQueue({ db: h.db, dialect: 'postgres', logger });
      q.register(def);
      return q;
    });
    for (let n = 0; n < 300; n++) await queues[0]!.enqueue(def, { n });
    const workers = queues.map((q) => startWorker(q, { concurrency: 4, pollMs: 5, logger }));
    await Promise.all(workers.map((w) => w.drain(30_000)));
    await Promise.all(workers.map((w) => w.stop()));
    expect(ran).toHaveLength(300);
    expect(new Set(ran).size).toBe(300);
    const done = await handles[0]!.db.selectFrom('jobs').select('locked_by').where('state', '=', 'done').execute();
    expect(done).toHaveLength(300);
    // The work was really shared between the instances.
    expect(new Set(done.map((d) => d.locked_by)).size).toBeGreaterThan(1);
  });
});
