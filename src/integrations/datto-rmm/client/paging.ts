import { dattoError } from './errors.ts';
import { pageDetailsSchema, type PageDetails } from './models.ts';
import { read, type Transport } from './transport.ts';

export type Page<T> = {
  items: T[];
  /** 0 for the first page. */
  index: number;
  /** Items in the whole listing, when Datto says (it does not always). */
  totalCount: number | null;
  pageDetails: PageDetails;
};

/**
 * Every page of a listing: `page` from 0 and the largest `max`, then the
 * `nextPageUrl` Datto returns until it is null or a page comes back empty.
 * A next-page link is only followed on the configured host, so the bearer
 * token never leaves it, and query parameters the link dropped are put back.
 * The next page is requested while the caller works on the current one.
 */
export async function* pages(
  transport: Transport,
  path: string,
  itemsKey: string,
  query: Record<string, string | number | boolean> = {},
): AsyncGenerator<Page<unknown>> {
  const wanted: Record<string, string> = { max: String(transport.options.pageSize) };
  for (const [name, value] of Object.entries(query)) wanted[name] = String(value);
  let url = transport.apiUrl(path, { ...wanted, page: '0' });
  let reply = fetchPage(transport, url);
  const visited = new Set<string>([url.href]);

  for (let index = 0; ; index++) {
    const { items, pageDetails } = readEnvelope(transport, await reply, itemsKey, url.pathname);
    if (items.length === 0) return;
    // Ask for the next page while the caller works on this one.
    const next = pageDetails.nextPageUrl ? nextPage(transport, pageDetails.nextPageUrl, wanted, path) : undefined;
    if (next) {
      if (visited.has(next.href)) {
        throw dattoError('invalid-response', {
          host: transport.options.baseUrl,
          path: next.pathname,
          detail: 'the next-page link points back to a page already read',
        });
      }
      visited.add(next.href);
      url = next;
      reply = fetchPage(transport, next);
    }
    yield { items, index, totalCount: pageDetails.totalCount, pageDetails };
    if (!next) return;
  }
}

/** A page request whose failure is reported when the page is awaited, not as an unhandled rejection. */
function fetchPage(transport: Transport, url: URL): Promise<unknown> {
  const reply = transport.call({ method: 'GET', url, kind: read });
  reply.catch(() => {});
  return reply;
}

function readEnvelope(transport: Transport, body: unknown, itemsKey: string, path: string) {
  const fail = (detail: string) => dattoError('invalid-response', { host: transport.options.baseUrl, path, detail });
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw fail('expected a page object');
  const record = body as Record<string, unknown>;
  const details = pageDetailsSchema.nullable().default(null).safeParse(record.pageDetails);
  if (!details.success) throw fail('unreadable pageDetails');
  const items = record[itemsKey] ?? [];
  if (!Array.isArray(items)) throw fail(`"${itemsKey}" is not a list`);
  const pageDetails = details.data ?? pageDetailsSchema.parse({});
  return { items: items as unknown[], pageDetails };
}

function nextPage(transport: Transport, link: string, wanted: Record<string, string>, path: string): URL {
  const base = new URL(transport.options.baseUrl);
  let next: URL;
  try {
    next = new URL(link, base);
  } catch {
    throw dattoError('invalid-response', { host: base.origin, path, detail: 'the next-page link is not a URL' });
  }
  // A proxy in front of Datto may write its links as plain http on the same host: keep https.
  const sameHostDowngraded = next.hostname === base.hostname && next.protocol === 'http:' && base.protocol === 'https:' && next.port === '';
  if (next.origin !== base.origin && !sameHostDowngraded) {
    throw dattoError('invalid-response', {
      host: base.origin,
      path,
      detail: `the next-page link leads to another host (${next.host}); not followed, to keep the API token on ${base.host}`,
    });
  }
  const url = new URL(next.pathname + next.search, base);
  for (const [name, value] of Object.entries(wanted)) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, value);
  }
  return url;
}
