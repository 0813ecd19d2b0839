import { useCallback, useEffect, useRef, useState } from 'react';
import { api, withQuery, type Page, type Query } from '../api.ts';

export type Paged<T> = {
  items: T[];
  loading: boolean;
  loadingMore: boolean;
  error: Error | null;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
  replace(update: (items: T[]) => T[]): void;
};

/** Keyset paging over a list endpoint: the first page on every change of path or query, more on demand. */
export function usePaged<T>(path: string | null, query: Query = {}, limit = 50): Paged<T> {
  const key = path === null ? null : withQuery(path, { ...query, limit });
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(key !== null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [tick, setTick] = useState(0);
  const generation = useRef(0);

  useEffect(() => {
    if (key === null) return;
    const gen = ++generation.current;
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    api.get<Page<T>>(key, { signal: ctrl.signal }).then(
      (page) => {
        if (gen !== generation.current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (err: Error) => {
        if (err.name === 'AbortError' || gen !== generation.current) return;
        setError(err);
        setItems([]);
        setCursor(null);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [key, tick]);

  const loadMore = useCallback(() => {
    if (!key || !cursor || loadingMore) return;
    const gen = generation.current;
    setLoadingMore(true);
    api.get<Page<T>>(withQuery(key, { cursor })).then(
      (page) => {
        if (gen !== generation.current) return;
        setItems((prev) => [...prev, ...page.items]);
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (err: Error) => {
        setError(err);
        setLoadingMore(false);
      },
    );
  }, [key, cursor, loadingMore]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const replace = useCallback((update: (items: T[]) => T[]) => setItems(update), []);
  return { items, loading, loadingMore, error, hasMore: cursor !== null, loadMore, reload, replace };
}
