import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { Link } from '../router.tsx';
import type { Asset, Customer, Site, TicketType } from '../types.ts';

const cache = new Map<string, Promise<unknown>>();

/** GET with a shared cache, for names shown next to ids in lists. */
export function cachedGet<T>(path: string): Promise<T> {
  let p = cache.get(path) as Promise<T> | undefined;
  if (!p) {
    p = api.get<T>(path);
    cache.set(path, p);
    p.catch(() => cache.delete(path));
  }
  return p;
}

export function primeCache(path: string, value: unknown) {
  cache.set(path, Promise.resolve(value));
}

export function invalidateCache(prefix = '') {
  for (const k of [...cache.keys()]) if (k.startsWith(prefix)) cache.delete(k);
}

export function useCached<T>(path: string | null): T | undefined {
  const [value, setValue] = useState<{ path: string; data: T } | undefined>();
  useEffect(() => {
    if (!path) return;
    let live = true;
    cachedGet<T>(path).then(
      (data) => live && setValue({ path, data }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [path]);
  return value && value.path === path ? value.data : undefined;
}

export function useTicketTypes(): TicketType[] | undefined {
  return useCached<{ items: TicketType[] }>('/api/ticket-types')?.items;
}

export function CustomerName({ id, link = true }: { id: number | null; link?: boolean }) {
  const c = useCached<Customer>(id ? `/api/customers/${id}` : null);
  if (!id) return <span className="muted">—</span>;
  const text = c?.name ?? `Customer ${id}`;
  return link ? <Link to={`/customers/${id}`}>{text}</Link> : <>{text}</>;
}

export function SiteName({ id, link = true }: { id: number | null; link?: boolean }) {
  const s = useCached<Site>(id ? `/api/sites/${id}` : null);
  if (!id) return <span className="muted">—</span>;
  const text = s?.name ?? `Site ${id}`;
  return link ? <Link to={`/sites/${id}`}>{text}</Link> : <>{text}</>;
}

export function AssetName({ id, link = true }: { id: number | null; link?: boolean }) {
  const a = useCached<Asset>(id ? `/api/assets/${id}` : null);
  if (!id) return <span className="muted">—</span>;
  const text = a?.hostname ?? `Asset ${id}`;
  return link ? <Link to={`/assets/${id}`}>{text}</Link> : <>{text}</>;
}

export function TicketTypeName({ id }: { id: number | null }) {
  const types = useTicketTypes();
  if (!id) return <span className="muted">—</span>;
  return <>{types?.find((t) => t.id === id)?.name ?? `Type ${id}`}</>;
}
