import type { z } from 'zod';
import { dattoError } from './errors.ts';
import {
  accountSchema,
  alertSchema,
  deviceSchema,
  requestRateSchema,
  siteSchema,
  type Account,
  type Alert,
  type Device,
  type RequestRate,
  type Site,
} from './models.ts';
import { resolveOptions, type DattoClientOptions } from './options.ts';
import { pages, type Page } from './paging.ts';
import { createTransport, read, type Transport } from './transport.ts';
import { normalizeApiUrl } from './url.ts';

/** All items of a listing, one at a time; `.pages()` gives them page by page with Datto's total. */
export type Listing<T> = AsyncIterable<T> & { pages(): AsyncIterable<Page<T>> };

export type AlertScope = { account: true } | { siteUid: string } | { deviceUid: string };

export type DattoClient = {
  /** The host base every call goes to, e.g. `https://merlot-api.centrastage.net`. */
  readonly baseUrl: string;
  /** The account the key belongs to: the "test connection" call. */
  account(): Promise<Account>;
  /** The live rate-limit budget of the account. */
  requestRate(): Promise<RequestRate>;
  sites(): Listing<Site>;
  site(siteUid: string): Promise<Site>;
  siteDevices(siteUid: string): Listing<Device>;
  /** May miss devices the per-site listings have (a known Datto behaviour). */
  accountDevices(): Listing<Device>;
  device(deviceUid: string): Promise<Device>;
  alert(alertUid: string): Promise<Alert>;
  openAlerts(scope: AlertScope): Listing<Alert>;
  resolvedAlerts(scope: AlertScope): Listing<Alert>;
  /** Resolves (closes) an alert in Datto. An unknown or deleted alert fails with kind `not-found`. */
  resolveAlert(alertUid: string): Promise<void>;
  /** Raw pages of any listing, for what the typed operations do not cover. */
  pages(path: string, itemsKey: string, query?: Record<string, string | number | boolean>): AsyncIterable<Page<unknown>>;
};

export function createDattoClient(options: DattoClientOptions): DattoClient {
  const baseUrl = normalizeApiUrl(options.apiUrl);
  const transport = createTransport(resolveOptions(options, baseUrl));

  const one = <S extends z.ZodType>(path: string, schema: S, unreadable: Unreadable = 'invalid-response') =>
    getOne(transport, path, schema, unreadable);
  const list = <S extends z.ZodType>(path: string, itemsKey: string, schema: S) => listing(transport, path, itemsKey, schema);
  const uid = encodeURIComponent;

  return {
    baseUrl,
    // A wrong-shaped account means the URL is not Datto's API at all.
    account: () => one('/v2/account', accountSchema, 'not-datto'),
    requestRate: () => one('/v2/system/request_rate', requestRateSchema),
    sites: () => list('/v2/account/sites', 'sites', siteSchema),
    site: (siteUid) => one(`/v2/site/${uid(siteUid)}`, siteSchema),
    siteDevices: (siteUid) => list(`/v2/site/${uid(siteUid)}/devices`, 'devices', deviceSchema),
    accountDevices: () => list('/v2/account/devices', 'devices', deviceSchema),
    device: (deviceUid) => one(`/v2/device/${uid(deviceUid)}`, deviceSchema),
    alert: (alertUid) => one(`/v2/alert/${uid(alertUid)}`, alertSchema),
    openAlerts: (scope) => list(`${scopePath(scope)}/alerts/open`, 'alerts', alertSchema),
    resolvedAlerts: (scope) => list(`${scopePath(scope)}/alerts/resolved`, 'alerts', alertSchema),
    async resolveAlert(alertUid) {
      await transport.call({
        method: 'POST',
        url: transport.apiUrl(`/v2/alert/${uid(alertUid)}/resolve`),
        kind: { type: 'write', operation: 'alert-resolve' },
      });
    },
    pages: (path, itemsKey, query) => pages(transport, path, itemsKey, query),
  };
}

/** What a body that does not fit the model means for this call. */
type Unreadable = 'not-datto' | 'invalid-response';

function scopePath(scope: AlertScope): string {
  if ('siteUid' in scope) return `/v2/site/${encodeURIComponent(scope.siteUid)}`;
  if ('deviceUid' in scope) return `/v2/device/${encodeURIComponent(scope.deviceUid)}`;
  return '/v2/account';
}

async function getOne<S extends z.ZodType>(
  transport: Transport,
  path: string,
  schema: S,
  unreadable: Unreadable,
): Promise<z.output<S>> {
  const url = transport.apiUrl(path);
  const body = await transport.call({ method: 'GET', url, kind: read });
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw dattoError(unreadable, {
      host: transport.options.baseUrl,
      path: url.pathname,
      detail: describeIssue(parsed.error),
    });
  }
  return parsed.data;
}

function listing<S extends z.ZodType>(transport: Transport, path: string, itemsKey: string, schema: S): Listing<z.output<S>> {
  async function* typedPages(): AsyncGenerator<Page<z.output<S>>> {
    for await (const page of pages(transport, path, itemsKey)) {
      const items = page.items.map((item, position) => {
        const parsed = schema.safeParse(item);
        if (parsed.success) return parsed.data as z.output<S>;
        throw dattoError('invalid-response', {
          host: transport.options.baseUrl,
          path,
          detail: `item ${position + 1} of page ${page.index}: ${describeIssue(parsed.error)}`,
        });
      });
      yield { ...page, items };
    }
  }
  return {
    pages: typedPages,
    async *[Symbol.asyncIterator]() {
      for await (const page of typedPages()) yield* page.items;
    },
  };
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unexpected shape';
}
