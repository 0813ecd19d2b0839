/**
 * Datto RMM's limits as API.md describes them: rolling-window counts of reads,
 * of writes and of each write operation; 429 with Retry-After over a limit; a
 * one-second delay on every read above the cut-off; and an IP block (403) for
 * a client that keeps calling while over the limit.
 */

export type RateLimitOptions = {
  /** Divides the 60 s window, the cut-off delay and the block; Retry-After stays in unscaled seconds. */
  windowFactor: number;
  readLimit: number;
  cutOffRatio: number;
  writeLimit: number;
  operationLimit: number;
  /** Requests answered 429 within one window after which the caller's IP is blocked. */
  blockAfter: number;
  blockSeconds: number;
};

export type Verdict =
  | { outcome: 'ok'; delayMs: number }
  | { outcome: 'limited'; retryAfterSeconds: number }
  | { outcome: 'blocked' };

export type RateLimiter = {
  readonly windowMs: number;
  /** Counts one request from `ip`; a write names its operation (`alert-resolve`). */
  admit(ip: string, operation?: string): Verdict;
  /** A 429 answered for another reason (an injected fault) still counts toward the block. */
  noteRejected(ip: string): Verdict;
  isBlocked(ip: string): boolean;
  block(ip: string, ms?: number): void;
  /** The body of `GET /v2/system/request_rate`. */
  status(accountUid: string): Record<string, unknown>;
};

/** Write operations the request_rate answer lists, as Datto names them. */
const operations = ['alert-resolve', 'alert-mute', 'alert-unmute', 'site-create', 'site-update', 'device-move', 'device-udf-update', 'quick-job-create'];

export function createRateLimiter(options: RateLimitOptions, now: () => number = () => performance.now()): RateLimiter {
  const windowMs = 60_000 / options.windowFactor;
  const reads: number[] = [];
  const writes: number[] = [];
  const perOperation = new Map<string, number[]>();
  const rejected = new Map<string, number[]>();
  const blockedUntil = new Map<string, number>();

  const inWindow = (log: number[], at: number) => {
    let expired = 0;
    while (expired < log.length && log[expired] <= at - windowMs) expired++;
    if (expired) log.splice(0, expired);
    return log.length;
  };
  const retryAfter = (log: number[], at: number) =>
    Math.max(1, Math.ceil(((log[0] + windowMs - at) * options.windowFactor) / 1000));
  const operationLog = (operation: string) => {
    let log = perOperation.get(operation);
    if (!log) perOperation.set(operation, (log = []));
    return log;
  };

  const reject = (ip: string, full: number[], at: number): Verdict => {
    const verdict = limiter.noteRejected(ip);
    return verdict.outcome === 'blocked' ? verdict : { outcome: 'limited', retryAfterSeconds: retryAfter(full, at) };
  };

  const limiter: RateLimiter = {
    windowMs,
    admit(ip, operation) {
      const at = now();
      if (limiter.isBlocked(ip)) return { outcome: 'blocked' };
      if (operation === undefined) {
        if (inWindow(reads, at) >= options.readLimit) return reject(ip, reads, at);
        reads.push(at);
        const slow = reads.length > options.readLimit * options.cutOffRatio;
        return { outcome: 'ok', delayMs: slow ? 1000 / options.windowFactor : 0 };
      }
      const opLog = operationLog(operation);
      const full = inWindow(writes, at) >= options.writeLimit ? writes : inWindow(opLog, at) >= options.operationLimit ? opLog : null;
      if (full) return reject(ip, full, at);
      writes.push(at);
      opLog.push(at);
      return { outcome: 'ok', delayMs: 0 };
    },
    noteRejected(ip) {
      const at = now();
      const log = rejected.get(ip) ?? [];
      rejected.set(ip, log);
      log.push(at);
      if (inWindow(log, at) > options.blockAfter) {
        limiter.block(ip);
        return { outcome: 'blocked' };
      }
      return { outcome: 'limited', retryAfterSeconds: 1 };
    },
    isBlocked(ip) {
      const until = blockedUntil.get(ip);
      return until !== undefined && now() < until;
    },
    block(ip, ms = (options.blockSeconds * 1000) / options.windowFactor) {
      blockedUntil.set(ip, now() + ms);
      rejected.delete(ip);
    },
    status(accountUid) {
      const at = now();
      const operationWriteStatus: Record<string, { limit: number; count: number }> = {};
      for (const operation of new Set([...operations, ...perOperation.keys()])) {
        operationWriteStatus[operation] = { limit: options.operationLimit, count: inWindow(operationLog(operation), at) };
      }
      return {
        slidingTimeWindowSizeSeconds: 60,
        accountUid,
        accountCount: inWindow(reads, at),
        accountRateLimit: options.readLimit,
        accountCutOffRatio: options.cutOffRatio,
        accountWriteRateLimit: options.writeLimit,
        accountWriteCount: inWindow(writes, at),
        operationWriteStatus,
      };
    },
  };
  return limiter;
}
