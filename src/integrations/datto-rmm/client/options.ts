import type { RateLimits, ReadBudget } from './pacer.ts';

export type Clock = {
  /** Milliseconds on a clock that never goes backwards. */
  now(): number;
  sleep(ms: number): Promise<void>;
};

type LogFn = (fields: object, message?: string) => void;
/** What the client needs of a pino logger. */
export type DattoLogger = { debug: LogFn; info: LogFn; warn: LogFn; error: LogFn };

export type RetryOptions = {
  /** Attempts for one call on 5xx, dropped connections and timeouts, the first included. */
  attempts: number;
  /** Exponential backoff with full jitter: a random wait up to min(maxDelayMs, baseDelayMs × 2^attempt). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How many 429 answers one call waits out (each for its Retry-After) before giving up. */
  rateLimitRetries: number;
};

export type DattoClientOptions = {
  /** The API URL as copied from Datto RMM, with or without `/api`. */
  apiUrl: string;
  apiKey: string;
  apiSecret: string;
  fetch?: typeof fetch;
  clock?: Clock;
  logger?: DattoLogger;
  /** Per HTTP request, in ms (default 30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /**
   * Divides Datto's time constants (the 60 s window, Retry-After, the 5 minute
   * IP block) to match an emulator run at the same factor. 1 against Datto.
   */
  windowFactor?: number;
  /** Overrides Datto's published limits; `windowMs` is derived from `windowFactor` unless given. */
  limits?: Partial<RateLimits>;
  readBudget?: ReadBudget;
  /** Ask `GET /v2/system/request_rate` for the live limits and counts before the first call (default true). */
  learnLimits?: boolean;
  /** Page size requested from listings (Datto caps it at 250). */
  pageSize?: number;
};

export type ResolvedOptions = {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  fetch: typeof fetch;
  clock: Clock;
  logger: DattoLogger;
  timeoutMs: number;
  retry: RetryOptions;
  windowFactor: number;
  limits: RateLimits;
  readBudget: ReadBudget;
  learnLimits: boolean;
  pageSize: number;
};

export const datto = {
  windowMs: 60_000,
  readLimit: 600,
  cutOffRatio: 0.9,
  writeLimit: 600,
  operationLimit: 100,
  ipBlockMs: 5 * 60_000,
  pageSize: 250,
} as const;

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

const noop = () => {};
export const silentLogger: DattoLogger = { debug: noop, info: noop, warn: noop, error: noop };

export function resolveOptions(options: DattoClientOptions, baseUrl: string): ResolvedOptions {
  const windowFactor = options.windowFactor ?? 1;
  if (!(windowFactor > 0)) throw new RangeError('windowFactor must be a positive number');
  return {
    baseUrl,
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    fetch: options.fetch ?? globalThis.fetch,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    timeoutMs: options.timeoutMs ?? 30_000,
    retry: { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, rateLimitRetries: 10, ...options.retry },
    windowFactor,
    limits: {
      windowMs: datto.windowMs / windowFactor,
      readLimit: datto.readLimit,
      cutOffRatio: datto.cutOffRatio,
      writeLimit: datto.writeLimit,
      operationLimit: datto.operationLimit,
      ...options.limits,
    },
    readBudget: options.readBudget ?? 'below-slowdown',
    learnLimits: options.learnLimits ?? true,
    pageSize: Math.min(options.pageSize ?? datto.pageSize, datto.pageSize),
  };
}
