/** Which requests a fault applies to; no match means every request. */
export type Match = {
  method?: string;
  /** A path prefix such as `/api/v2/account/sites`, or a pattern tested on the path. */
  path?: string | RegExp;
};

/** Misbehaviour a test switches on; counted faults wear off after `count` matching requests. */
export type Faults = {
  /** The next `count` matching requests answer `status` (500). */
  failNext(count?: number, options?: Match & { status?: number }): void;
  /** Matching requests answer only after `delayMs` (for `count` requests, or until cleared). */
  slow(delayMs: number, options?: Match & { count?: number }): void;
  /** The next `count` matching requests get their connection destroyed without an answer. */
  dropNext(count?: number, options?: Match): void;
  /** The next `count` matching requests answer 429 with this Retry-After (unscaled seconds). */
  rateLimitNext(count?: number, options?: Match & { retryAfterSeconds?: number }): void;
  /** These fields (dot paths, or `*` for all but identifiers) are null in every item served. */
  nullFields(fields: readonly string[] | '*', options?: Match): void;
  /** Matching requests answer 403 as for an API user who lacks the permission. */
  forbid(path: string | RegExp, options?: { method?: string }): void;
  /** Every API call answers 403 as when API access is disabled for the account. */
  disableApi(): void;
  enableApi(): void;
  /** `GET /v2/account/devices` leaves these devices out; the per-site listings still have them. */
  hideFromAccountDevices(deviceUids: readonly string[]): void;
  /** Blocks the caller's IP now, as after too many requests over the limit (default: the configured block). */
  blockIp(ms?: number): void;
  /** Every token issued so far stops working (401). */
  revokeTokens(): void;
  clear(): void;
};

type Counted<T> = Match & { remaining: number } & T;

/** What the request pipeline asks of the active faults. */
export type FaultPlan = {
  drop(method: string, path: string): boolean;
  delay(method: string, path: string): number;
  failure(method: string, path: string): number | undefined;
  rateLimit(method: string, path: string): number | undefined;
  forbidden(method: string, path: string): 'permission' | 'api-disabled' | undefined;
  nulls(method: string, path: string): Array<readonly string[] | '*'>;
  /** Devices the account-wide listing leaves out. */
  hiddenDevices(): ReadonlySet<string>;
};

export function createFaults(hooks: { blockIp(ms?: number): void; revokeTokens(): void }): { faults: Faults; plan: FaultPlan } {
  let failures: Array<Counted<{ status: number }>> = [];
  let delays: Array<Counted<{ delayMs: number }>> = [];
  let drops: Array<Counted<object>> = [];
  let limits: Array<Counted<{ retryAfterSeconds: number }>> = [];
  let nulled: Array<Match & { fields: readonly string[] | '*' }> = [];
  let forbidden: Match[] = [];
  let apiDisabled = false;
  let hiddenDevices = new Set<string>();

  const matches = (match: Match, method: string, path: string) =>
    (match.method === undefined || match.method.toUpperCase() === method) &&
    (match.path === undefined || (typeof match.path === 'string' ? path.startsWith(match.path) : match.path.test(path)));

  /** The first matching counted fault, used up by one. */
  function take<T>(list: Array<Counted<T>>, method: string, path: string): Counted<T> | undefined {
    const rule = list.find((r) => r.remaining > 0 && matches(r, method, path));
    if (rule) rule.remaining--;
    return rule;
  }

  const faults: Faults = {
    failNext: (count = 1, { status = 500, ...match } = {}) => void failures.push({ ...match, status, remaining: count }),
    slow: (delayMs, { count = Infinity, ...match } = {}) => void delays.push({ ...match, delayMs, remaining: count }),
    dropNext: (count = 1, match = {}) => void drops.push({ ...match, remaining: count }),
    rateLimitNext: (count = 1, { retryAfterSeconds = 1, ...match } = {}) =>
      void limits.push({ ...match, retryAfterSeconds, remaining: count }),
    nullFields: (fields, match = {}) => void nulled.push({ ...match, fields }),
    forbid: (path, options = {}) => void forbidden.push({ path, ...options }),
    disableApi: () => void (apiDisabled = true),
    enableApi: () => void (apiDisabled = false),
    hideFromAccountDevices: (uids) => void uids.forEach((uid) => hiddenDevices.add(uid)),
    blockIp: (ms) => hooks.blockIp(ms),
    revokeTokens: () => hooks.revokeTokens(),
    clear() {
      failures = [];
      delays = [];
      drops = [];
      limits = [];
      nulled = [];
      forbidden = [];
      apiDisabled = false;
      hiddenDevices = new Set();
    },
  };

  const plan: FaultPlan = {
    drop: (method, path) => take(drops, method, path) !== undefined,
    delay: (method, path) => take(delays, method, path)?.delayMs ?? 0,
    failure: (method, path) => take(failures, method, path)?.status,
    rateLimit: (method, path) => take(limits, method, path)?.retryAfterSeconds,
    forbidden(method, path) {
      if (apiDisabled) return 'api-disabled';
      return forbidden.some((m) => matches(m, method, path)) ? 'permission' : undefined;
    },
    nulls: (method, path) => nulled.filter((m) => matches(m, method, path)).map((m) => m.fields),
    hiddenDevices: () => hiddenDevices,
  };
  return { faults, plan };
}

const identifiers = new Set(['id', 'uid', 'alertUid']);

/** Sets the given fields of an item to null; `*` nulls every field but the identifiers. */
export function nullify(item: Record<string, unknown>, fields: readonly string[] | '*'): void {
  if (fields === '*') {
    for (const key of Object.keys(item)) if (!identifiers.has(key)) item[key] = null;
    return;
  }
  for (const field of fields) {
    const parts = field.split('.');
    let target: unknown = item;
    for (const part of parts.slice(0, -1)) target = target && typeof target === 'object' ? (target as Record<string, unknown>)[part] : undefined;
    if (target && typeof target === 'object') (target as Record<string, unknown>)[parts[parts.length - 1]] = null;
  }
}
