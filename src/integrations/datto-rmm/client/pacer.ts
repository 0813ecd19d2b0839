import type { Clock } from './options.ts';
import type { RequestRate } from './models.ts';

/** Datto RMM's published limits, per account and per rolling window. */
export type RateLimits = {
  /** The rolling window, in ms of real time (60 s divided by the window factor). */
  windowMs: number;
  /** Reads allowed per window before Datto answers 429. */
  readLimit: number;
  /** Above this share of `readLimit` Datto delays every response by a second. */
  cutOffRatio: number;
  /** Writes allowed per window, all write operations together. */
  writeLimit: number;
  /** Writes allowed per window for each write operation (`alert-resolve`, ...). */
  operationLimit: number;
  /** Per-operation limits that differ from `operationLimit`, as reported by the API. */
  operationLimits?: Record<string, number>;
};

/**
 * How many reads per window the pacer allows itself:
 * - `below-slowdown` stays at the cut-off (540 of 600), where no response is delayed;
 * - `near-limit` goes up to 1/60 below the limit (590 of 600) and accepts the one-second delays.
 * Measured in bench/README.md: one caller at a time (paging) is faster below the
 * slow-down; near-limit pays only with many calls in flight (16: 0.96 of the limit vs 0.90).
 */
export type ReadBudget = 'below-slowdown' | 'near-limit';

export type RequestKind = { type: 'read' } | { type: 'write'; operation: string };

export type Slot = { release(): void };

export type Pacer = {
  /** Waits until one more request of this kind fits in every budget it counts against, then reserves it. */
  acquire(kind: RequestKind): Promise<Slot>;
  /** Holds every request until `until` (a Retry-After, an IP block). */
  pauseUntil(until: number): void;
  /** Adopts the limits and the current counts reported by `GET /v2/system/request_rate`. */
  learn(rate: RequestRate, windowFactor: number): void;
  readonly limits: RateLimits;
};

/**
 * A sliding-window log per budget. Each request is logged when its response has
 * arrived, and counted while in flight: Datto logs it on arrival, which lies in
 * between, so the pacer's count in any window is never below Datto's.
 */
export function createPacer(initial: RateLimits, readBudget: ReadBudget, clock: Clock): Pacer {
  const limits: RateLimits = { ...initial, operationLimits: { ...initial.operationLimits } };
  const reads = createLog();
  const writes = createLog();
  const operations = new Map<string, Log>();
  let paused = 0;
  let released: () => void = () => {};
  let nextRelease = new Promise<void>((resolve) => (released = resolve));

  function readCapacity(): number {
    return readBudget === 'below-slowdown'
      ? Math.max(1, Math.floor(limits.readLimit * limits.cutOffRatio))
      : Math.max(1, limits.readLimit - Math.max(1, Math.ceil(limits.readLimit / 60)));
  }

  function operationLog(operation: string): Log {
    let log = operations.get(operation);
    if (!log) operations.set(operation, (log = createLog()));
    return log;
  }

  function budgets(kind: RequestKind): Array<[Log, number]> {
    if (kind.type === 'read') return [[reads, readCapacity()]];
    const perOperation = limits.operationLimits?.[kind.operation] ?? limits.operationLimit;
    return [
      [writes, limits.writeLimit],
      [operationLog(kind.operation), perOperation],
    ];
  }

  function notifyRelease(): void {
    const resolve = released;
    nextRelease = new Promise<void>((r) => (released = r));
    resolve();
  }

  return {
    limits,
    async acquire(kind) {
      for (;;) {
        const now = clock.now();
        const needed = budgets(kind);
        let wait = paused - now;
        let blockedByInFlight = false;
        for (const [log, capacity] of needed) {
          const until = log.freeAt(now, capacity, limits.windowMs);
          if (until === Infinity) blockedByInFlight = true;
          else wait = Math.max(wait, until - now);
        }
        if (wait <= 0 && !blockedByInFlight) {
          const taken = needed.map(([log]) => log);
          for (const log of taken) log.inFlight++;
          let done = false;
          return {
            release() {
              if (done) return;
              done = true;
              const at = clock.now();
              for (const log of taken) log.complete(at);
              notifyRelease();
            },
          };
        }
        if (blockedByInFlight && wait <= 0) await nextRelease;
        else await clock.sleep(Math.ceil(wait));
      }
    },
    pauseUntil(until) {
      paused = Math.max(paused, until);
    },
    learn(rate, windowFactor) {
      if (rate.slidingTimeWindowSizeSeconds) limits.windowMs = (rate.slidingTimeWindowSizeSeconds * 1000) / windowFactor;
      if (rate.accountRateLimit) limits.readLimit = rate.accountRateLimit;
      if (rate.accountCutOffRatio) limits.cutOffRatio = rate.accountCutOffRatio;
      if (rate.accountWriteRateLimit) limits.writeLimit = rate.accountWriteRateLimit;
      const now = clock.now();
      reads.seed(rate.accountCount ?? 0, now, limits.windowMs);
      writes.seed(rate.accountWriteCount ?? 0, now, limits.windowMs);
      for (const [operation, status] of Object.entries(rate.operationWriteStatus ?? {})) {
        if (status?.limit) limits.operationLimits = { ...limits.operationLimits, [operation]: status.limit };
        operationLog(operation).seed(status?.count ?? 0, now, limits.windowMs);
      }
    },
  };
}

type Log = {
  inFlight: number;
  /** When one more request fits under `capacity`: a time, or Infinity when only in-flight requests fill it. */
  freeAt(now: number, capacity: number, windowMs: number): number;
  complete(at: number): void;
  /** Makes the log count at least `count` requests made elsewhere, as if they had just completed. */
  seed(count: number, now: number, windowMs: number): void;
};

function createLog(): Log {
  // Completion times, ascending: they are appended as they happen.
  const times: number[] = [];
  const prune = (now: number, windowMs: number) => {
    let expired = 0;
    while (expired < times.length && times[expired] <= now - windowMs) expired++;
    if (expired > 0) times.splice(0, expired);
  };
  return {
    inFlight: 0,
    freeAt(now, capacity, windowMs) {
      prune(now, windowMs);
      const excess = times.length + this.inFlight - capacity;
      if (excess < 0) return now;
      if (excess >= times.length) return Infinity;
      return times[excess] + windowMs + 1;
    },
    complete(at) {
      this.inFlight = Math.max(0, this.inFlight - 1);
      times.push(at);
    },
    seed(count, now, windowMs) {
      prune(now, windowMs);
      const missing = count - times.length - this.inFlight;
      for (let i = 0; i < missing; i++) times.push(now);
    },
  };
}
