import type { Logger } from '../logger.ts';
import { PermanentJobError, RetryJobLater } from './job-definition.ts';
import { backoffDelay, type JobQueue } from './job-queue.ts';
import { claimJobs, markDone, markFailed, renewLease, reschedule, setProgress, type JobRow } from './job.repository.ts';
import { jobMetrics } from './job-metrics.ts';
import { messageOf } from '../errors.ts';

export type WorkerOptions = { concurrency: number; pollMs?: number; logger: Logger };
export type Worker = { stop(): Promise<void>; /** Runs due jobs until none is left (tests, CLI). */ drain(timeoutMs?: number): Promise<void> };

const DEFAULT_BACKOFF = { baseMs: 1000, maxMs: 10 * 60_000 };
const DEFAULT_LEASE_MS = 60_000;

export function startWorker(queue: JobQueue, options: WorkerOptions): Worker {
  const pollMs = options.pollMs ?? 500;
  const running = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;

  const tick = async () => {
    if (stopped || ticking) return;
    ticking = true;
    try {
      while (!stopped && running.size < options.concurrency) {
        const jobs = await claim(options.concurrency - running.size);
        if (jobs.length === 0) break;
        for (const job of jobs) {
          const p = runOne(job).finally(() => {
            running.delete(p);
            schedule(0);
          });
          running.add(p);
        }
      }
    } catch (err) {
      options.logger.error({ err }, 'job claim failed');
    } finally {
      ticking = false;
    }
    schedule(pollMs);
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void tick(), ms);
  };

  const claim = async (limit: number) => {
    const leaseMs = DEFAULT_LEASE_MS;
    const now = queue.clock.now();
    return claimJobs(queue.db, queue.dialect, {
      now: now.toISOString(),
      leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      workerId: queue.workerId,
      limit,
      kinds: queue.kinds(),
    });
  };

  const runOne = async (job: JobRow) => {
    const def = queue.definition(job.kind)!;
    const logger = options.logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    const leaseMs = def.leaseMs ?? DEFAULT_LEASE_MS;
    const renew = setInterval(() => {
      const until = new Date(queue.clock.now().getTime() + leaseMs).toISOString();
      renewLease(queue.db, job.id, queue.workerId, until).catch((err) => logger.warn({ err }, 'lease renewal failed'));
    }, Math.max(50, leaseMs / 3));
    const nowIso = () => queue.clock.now().toISOString();
    const started = Date.now();
    try {
      if (job.attempts > job.max_attempts) throw new PermanentJobError('gave up: the job was interrupted too many times');
      const payload = def.payload.parse(JSON.parse(job.payload));
      await renewLease(queue.db, job.id, queue.workerId, new Date(queue.clock.now().getTime() + leaseMs).toISOString());
      const result = await def.run(payload, {
        jobId: job.id,
        attempt: job.attempts,
        logger,
        progress: (done, total) => setProgress(queue.db, job.id, done, total, nowIso()),
        failIn: (trx, error) => markFailed(trx, job.id, queue.workerId, error, nowIso()),
      });
      await markDone(queue.db, job.id, queue.workerId, result, nowIso());
      jobMetrics.completed.inc({ kind: job.kind, outcome: 'done' });
    } catch (err) {
      const message = messageOf(err);
      if (err instanceof RetryJobLater) {
        const runAt = new Date(queue.clock.now().getTime() + err.delayMs).toISOString();
        await reschedule(queue.db, job.id, queue.workerId, message, runAt, nowIso(), true);
        jobMetrics.completed.inc({ kind: job.kind, outcome: 'deferred' });
      } else if (err instanceof PermanentJobError || job.attempts >= job.max_attempts) {
        logger.warn({ err: message }, 'job failed');
        await markFailed(queue.db, job.id, queue.workerId, message, nowIso());
        jobMetrics.completed.inc({ kind: job.kind, outcome: 'failed' });
      } else {
        const delay = backoffDelay(job.attempts, def.backoff ?? DEFAULT_BACKOFF);
        logger.info({ err: message, retryInMs: delay }, 'job will be retried');
        await reschedule(queue.db, job.id, queue.workerId, message, new Date(queue.clock.now().getTime() + delay).toISOString(), nowIso());
        jobMetrics.completed.inc({ kind: job.kind, outcome: 'retry' });
      }
    } finally {
      clearInterval(renew);
      jobMetrics.duration.observe({ kind: job.kind }, (Date.now() - started) / 1000);
    }
  };

  const unsubscribe = queue.onWake(() => schedule(0));
  schedule(0);

  return {
    async stop() {
      stopped = true;
      unsubscribe();
      clearTimeout(timer);
      await Promise.allSettled([...running]);
    },
    async drain(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await tick();
        await Promise.allSettled([...running]);
        // Jobs that become due before the deadline (a retry after backoff) count as pending too.
        const horizon = new Date(queue.clock.now().getTime() + Math.max(0, deadline - Date.now())).toISOString();
        const due = await queue.db.selectFrom('jobs').select('id')
          .where('kind', 'in', queue.kinds().length ? queue.kinds() : [''])
          .where((eb) => eb.or([eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', horizon)]), eb('state', '=', 'running')]))
          .limit(1).execute();
        if (due.length === 0 && running.size === 0) return;
        if (Date.now() > deadline) throw new Error('jobs did not drain in time');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
