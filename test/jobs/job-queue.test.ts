import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob, PermanentJobError } from '../../src/jobs/job-definition.ts';
import { backoffDelay, createJobQueue, type JobQueue } from '../../src/jobs/job-queue.ts';
import { startWorker } from '../../src/jobs/job-worker.ts';
import { claimJobs, findJob } from '../../src/jobs/job.repository.ts';
import { runDueSchedules, upsertSchedule } from '../../src/jobs/scheduler.ts';
import { createLogger } from '../../src/logger.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const logger = createLogger('silent');
const eventuallyTrue = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('durable job queue', () => {
  let s: TestServer;
  let queue: JobQueue;
  const runs: Record<string, number> = {};
  const flaky = defineJob({
    kind: 'test.flaky', payload: z.object({ key: z.string(), failTimes: z.number() }), backoff: { baseMs: 5, maxMs: 20 }, maxAttempts: 4,
    async run(p, ctx) {
      runs[p.key] = (runs[p.key] ?? 0) + 1;
      await ctx.progress(runs[p.key]!, 3);
      if (runs[p.key]! <= p.failTimes) throw new Error(`fail ${runs[p.key]}`);
      return { ok: true };
    },
  });
  const fatal = defineJob({ kind: 'test.fatal', payload: z.object({}), async run() { throw new PermanentJobError('no point retrying'); } });

  beforeAll(async () => {
    s = await startTestServer({ env: { RELAYDESK_WORKERS: 'false' } });
    queue = createJobQueue({ db: s.ctx.db, dialect: s.ctx.dialect, logger });
    queue.register(flaky);
    queue.register(fatal);
  });
  afterAll(async () => { await s?.stop(); });

  it('retries with backoff until it succeeds, recording progress and result', async () => {
    const { id } = await queue.enqueue(flaky, { key: 'a', failTimes: 2 });
    const w = startWorker(queue, { concurrency: 2, pollMs: 10, logger });
    await w.drain();
    await w.stop();
    const job = (await findJob(s.ctx.db, id))!;
    expect(job).toMatchObject({ state: 'done', attempts: 3, progress_done: 3, progress_total: 3 });
    expect(JSON.parse(job.result!)).toEqual({ ok: true });
    const api = await s.admin.get(`/api/jobs/${id}`);
    expect(api.body).toMatchObject({ state: 'done', progress: { done: 3, total: 3 } });
  });

  it('a handler that fails its job in its own transaction: once that commits the job is failed, and its unique key is free again', async () => {
    let letGo = () => {};
    const held = new Promise<void>((r) => { letGo = r; });
    const committed: Array<{ state: string; queuedAgain: boolean }> = [];
    const recording = defineJob({
      kind: 'test.fails-in-trx', payload: z.object({}),
      async run(_p, ctx) {
        if (committed.length) return { queuedAgain: true };
        await s.ctx.db.transaction().execute((trx) => ctx.failIn(trx, 'recorded with the outcome'));
        // What another request sees between that commit and the worker's own bookkeeping.
        const again = await queue.enqueue(recording, {}, { uniqueKey: 'fails-in-trx' });
        committed.push({ state: (await findJob(s.ctx.db, ctx.jobId))!.state, queuedAgain: again.created });
        await held;
        throw new PermanentJobError('recorded with the outcome');
      },
    });
    queue.register(recording);
    const first = await queue.enqueue(recording, {}, { uniqueKey: 'fails-in-trx' });
    const w = startWorker(queue, { concurrency: 1, pollMs: 10, logger });
    await eventuallyTrue(() => committed.length === 1);
    expect(committed[0]).toEqual({ state: 'failed', queuedAgain: true });
    letGo();
    await w.drain();
    await w.stop();
    expect(await findJob(s.ctx.db, first.id)).toMatchObject({ state: 'failed', last_error: 'recorded with the outcome' });
    expect(await findJob(s.ctx.db, first.id + 1)).toMatchObject({ state: 'done', unique_key: 'fails-in-trx' });
  });

  it('fails after max attempts or at once on a permanent error, and can be retried', async () => {
    const a = await queue.enqueue(flaky, { key: 'b', failTimes: 99 });
    const b = await queue.enqueue(fatal, {});
    const w = startWorker(queue, { concurrency: 2, pollMs: 10, logger });
    await w.drain();
    await w.stop();
    expect(await findJob(s.ctx.db, a.id)).toMatchObject({ state: 'failed', attempts: 4, last_error: 'fail 4' });
    expect(await findJob(s.ctx.db, b.id)).toMatchObject({ state: 'failed', attempts: 1, last_error: 'no point retrying' });
    expect(runs.b).toBe(4);
    const retried = await s.admin.post(`/api/jobs/${b.id}/retry`);
    expect(retried.body.state).toBe('queued');
    expect((await s.admin.post(`/api/jobs/${a.id + 1000}/retry`)).status).toBe(404);
  });

  it('keeps one live job per unique key', async () => {
    const first = await queue.enqueue(flaky, { key: 'u', failTimes: 0 }, { uniqueKey: 'sync:sites' });
    const second = await queue.enqueue(flaky, { key: 'u', failTimes: 0 }, { uniqueKey: 'sync:sites' });
    expect(second).toEqual({ id: first.id, created: false });
    const w = startWorker(queue, { concurrency: 1, pollMs: 10, logger });
    await w.drain();
    await w.stop();
    const third = await queue.enqueue(flaky, { key: 'u', failTimes: 0 }, { uniqueKey: 'sync:sites' });
    expect(third.created).toBe(true);
    expect(runs.u).toBe(1);
  });

  it('commits or rolls back with the transaction it was enqueued in', async () => {
    await expect(s.ctx.db.transaction().execute(async (trx) => {
      await queue.enqueue(flaky, { key: 'rolled', failTimes: 0 }, { uniqueKey: 'tx-test' }, trx);
      throw new Error('abort');
    })).rejects.toThrow('abort');
    expect(await s.ctx.db.selectFrom('jobs').select('id').where('unique_key', '=', 'tx-test').execute()).toHaveLength(0);
    await s.ctx.db.transaction().execute((trx) => queue.enqueue(flaky, { key: 'kept', failTimes: 0 }, { uniqueKey: 'tx-test' }, trx));
    expect(await s.ctx.db.selectFrom('jobs').select('id').where('unique_key', '=', 'tx-test').execute()).toHaveLength(1);
  });

  it('gives a job whose lease lapsed (a crashed worker) to another worker', async () => {
    const { id } = await queue.enqueue(flaky, { key: 'crash', failTimes: 0 });
    const past = new Date(Date.now() - 1000).toISOString();
    const claimed = await claimJobs(s.ctx.db, s.ctx.dialect, { now: new Date().toISOString(), leaseUntil: past, workerId: 'dead', limit: 10, kinds: ['test.flaky'] });
    expect(claimed.map((j) => j.id)).toContain(id);
    const w = startWorker(queue, { concurrency: 1, pollMs: 10, logger });
    await w.drain();
    await w.stop();
    expect(await findJob(s.ctx.db, id)).toMatchObject({ state: 'done', attempts: 2 });
    expect(runs.crash).toBe(1);
  });

  it('runs recurring schedules once per interval across ticks', async () => {
    await upsertSchedule(queue, { name: 'every-hour', definition: flaky, payload: { key: 'sched', failTimes: 0 }, intervalMs: 3600_000 });
    await s.ctx.db.updateTable('job_schedules').set({ next_run_at: new Date(Date.now() - 1).toISOString() }).where('name', '=', 'every-hour').execute();
    const [a, b] = await Promise.all([runDueSchedules(queue, logger), runDueSchedules(queue, logger)]);
    expect(a + b).toBe(1);
    expect(await runDueSchedules(queue, logger)).toBe(0);
  });

  it('spreads backoff with jitter below the cap', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(5, { baseMs: 100, maxMs: 1000 }));
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(50);
    expect(new Set(delays).size).toBeGreaterThan(50);
    expect(backoffDelay(1, { baseMs: 100, maxMs: 1000 }, () => 1)).toBe(100);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1000 }, () => 1)).toBe(400);
  });
});
