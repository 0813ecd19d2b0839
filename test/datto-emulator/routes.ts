import type { AlertRecord, EmulatorState } from './data.ts';
import { nullify } from './faults.ts';
import type { RateLimiter } from './rate-limit.ts';

export type PagingOptions = {
  /** Largest `max` served (Datto: 250). */
  pageMax: number;
  /** Largest `max` for alert listings, which Datto pages differently. */
  alertPageMax: number;
  /** Page size when the request has no `max`. */
  defaultMax: number;
  /** Next/previous links carry only `page`, as Datto's sometimes do. */
  dropQueryFromLinks: boolean;
  /** Links point at this origin instead of the emulator's own (to test a client's host check). */
  linkOrigin: string | undefined;
  totalCount: 'always' | 'except-open-alerts' | 'never';
};

export type RouteContext = {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The request path, `/api/v2/...`. */
  path: string;
  origin: string;
  state: EmulatorState;
  limiter: RateLimiter;
  paging: PagingOptions;
  nulls: Array<readonly string[] | '*'>;
  /** Devices `GET /v2/account/devices` leaves out. */
  hiddenFromAccount: ReadonlySet<string>;
};

export type Reply = { status: number; body?: unknown };

export type Route = {
  method: 'GET' | 'POST';
  /** The path as the vendor's OpenAPI document names it (without the `/api` prefix). */
  path: string;
  /** Query parameters the route understands; any other is answered 400. */
  query: readonly string[];
  /** The write operation the route counts against; reads when absent. */
  operation?: string;
  handle(context: RouteContext): Reply;
};

const paged = ['page', 'max'] as const;
const alertQuery = ['page', 'max', 'muted'] as const;

export const routes: readonly Route[] = [
  { method: 'GET', path: '/v2/account', query: [], handle: (c) => item(c, c.state.accountJson()) },
  {
    method: 'GET',
    path: '/v2/account/sites',
    query: [...paged, 'siteName'],
    handle(c) {
      const name = c.query.get('siteName')?.toLowerCase();
      const sites = name ? c.state.sites.filter((s) => s.name.toLowerCase().includes(name)) : c.state.sites;
      return list(c, 'sites', sites, c.state.siteJson);
    },
  },
  {
    method: 'GET',
    path: '/v2/account/devices',
    query: [...paged, 'hostname', 'siteName'],
    handle(c) {
      const hostname = c.query.get('hostname')?.toLowerCase();
      const siteName = c.query.get('siteName')?.toLowerCase();
      const filtered = hostname || siteName || c.hiddenFromAccount.size > 0;
      const devices = !filtered
        ? c.state.devices
        : c.state.devices.filter(
            (d) =>
              !c.hiddenFromAccount.has(d.uid) &&
              (!hostname || d.hostname.toLowerCase().includes(hostname)) &&
              (!siteName || (c.state.site(d.siteUid)?.name.toLowerCase().includes(siteName) ?? false)),
          );
      return list(c, 'devices', devices, c.state.deviceJson);
    },
  },
  ...alertListings('/v2/account', () => ({})),
  { method: 'GET', path: '/v2/site/{siteUid}', query: [], handle: (c) => found(c.state.site(c.params.siteUid), c.state.siteJson, c) },
  {
    method: 'GET',
    path: '/v2/site/{siteUid}/devices',
    query: paged,
    handle(c) {
      if (!c.state.site(c.params.siteUid)) return notFound(c);
      return list(c, 'devices', c.state.devicesOfSite(c.params.siteUid), c.state.deviceJson);
    },
  },
  ...alertListings('/v2/site/{siteUid}', (c) => (c.state.site(c.params.siteUid) ? { siteUid: c.params.siteUid } : undefined)),
  { method: 'GET', path: '/v2/device/{deviceUid}', query: [], handle: (c) => found(c.state.device(c.params.deviceUid), c.state.deviceJson, c) },
  ...alertListings('/v2/device/{deviceUid}', (c) => (c.state.device(c.params.deviceUid) ? { deviceUid: c.params.deviceUid } : undefined)),
  { method: 'GET', path: '/v2/alert/{alertUid}', query: [], handle: (c) => found(c.state.alert(c.params.alertUid), c.state.alertJson, c) },
  {
    method: 'POST',
    path: '/v2/alert/{alertUid}/resolve',
    query: [],
    operation: 'alert-resolve',
    handle(c) {
      if (!c.state.alert(c.params.alertUid)) return notFound(c);
      c.state.resolveAlert(c.params.alertUid);
      return { status: 200 };
    },
  },
  { method: 'GET', path: '/v2/system/pagination', query: [], handle: (c) => ok({ max: c.paging.pageMax }) },
  { method: 'GET', path: '/v2/system/request_rate', query: [], handle: (c) => ok(c.limiter.status(c.state.account.uid)) },
];

function alertListings(scopePath: string, scopeOf: (c: RouteContext) => { siteUid?: string; deviceUid?: string } | undefined): Route[] {
  return (['open', 'resolved'] as const).map((which) => ({
    method: 'GET',
    path: `${scopePath}/alerts/${which}`,
    query: alertQuery,
    handle(c: RouteContext): Reply {
      const scope = scopeOf(c);
      if (!scope) return notFound(c);
      const muted = c.query.get('muted');
      let alerts: AlertRecord[] = c.state.alertsOf(scope, which === 'resolved');
      if (muted === 'true' || muted === 'false') alerts = alerts.filter((a) => a.muted === (muted === 'true'));
      return list(c, 'alerts', alerts, c.state.alertJson, which === 'open' ? 'open-alerts' : 'alerts');
    },
  }));
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

export function notFound(c: { path: string }, message = 'Resource not found'): Reply {
  return { status: 404, body: { timestamp: Date.now(), status: 404, error: 'Not Found', message, path: c.path } };
}

export function badRequest(c: { path: string }, message: string): Reply {
  return { status: 400, body: { timestamp: Date.now(), status: 400, error: 'Bad Request', message, path: c.path } };
}

function found<T>(record: T | undefined, toJson: (record: T) => Record<string, unknown>, c: RouteContext): Reply {
  return record === undefined ? notFound(c) : item(c, toJson(record));
}

function item(c: RouteContext, json: Record<string, unknown>): Reply {
  for (const fields of c.nulls) nullify(json, fields);
  return ok(json);
}

function list<T>(
  c: RouteContext,
  itemsKey: string,
  records: readonly T[],
  toJson: (record: T) => Record<string, unknown>,
  kind: 'items' | 'alerts' | 'open-alerts' = 'items',
): Reply {
  const page = integer(c.query.get('page') ?? '0');
  const requested = integer(c.query.get('max') ?? String(c.paging.defaultMax));
  if (page === undefined || page < 0) return badRequest(c, 'page must be a whole number from 0');
  if (requested === undefined || requested < 1) return badRequest(c, 'max must be a whole number from 1');
  const max = Math.min(requested, kind === 'items' ? c.paging.pageMax : c.paging.alertPageMax);

  const items = records.slice(page * max, page * max + max).map((record) => {
    const json = toJson(record);
    for (const fields of c.nulls) nullify(json, fields);
    return json;
  });
  const link = (to: number) => {
    const query = c.paging.dropQueryFromLinks ? new URLSearchParams() : new URLSearchParams(c.query);
    query.set('page', String(to));
    return `${c.paging.linkOrigin ?? c.origin}${c.path}?${query}`;
  };
  const omitTotal = c.paging.totalCount === 'never' || (c.paging.totalCount === 'except-open-alerts' && kind === 'open-alerts');
  return ok({
    pageDetails: {
      count: items.length,
      ...(omitTotal ? {} : { totalCount: records.length }),
      prevPageUrl: page > 0 ? link(page - 1) : null,
      nextPageUrl: (page + 1) * max < records.length ? link(page + 1) : null,
    },
    [itemsKey]: items,
  });
}

function integer(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** Matches a request path (without `/api`) to a route's template. */
export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | 'wrong-method' | undefined {
  let pathMatched = false;
  for (const route of routes) {
    const params = matchTemplate(route.path, path);
    if (!params) continue;
    if (route.method === method) return { route, params };
    pathMatched = true;
  }
  return pathMatched ? 'wrong-method' : undefined;
}

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
}
