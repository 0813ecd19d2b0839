import { useCallback, useEffect, useRef, useState } from 'react';
import { api, withQuery, type Page, type Query } from '../api.ts';

export type Paged<T> = {
  items: T[];
  loading: boolean;
  loadingMore: boolean;
  error: Error | null;
  hasMore: boolean;
  /** Whether "load more" has added pages to the first one. */
  extended: boolean;
  /** A refresh found rows at the top that the list, extended, does not show: reload() shows them. */
  hasNewer: boolean;
  loadMore(): void;
  reload(): void;
  /**
   * Fetches the first page again in the background, with no loading state and no error shown: while
   * only the first page is shown its rows replace the list in place; once more pages are shown the
   * list stays as it is and hasNewer says whether the first page has rows it does not.
   */
  refresh(): void;
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
  const [extended, setExtended] = useState(false);
  const [hasNewer, setHasNewer] = useState(false);
  const [tick, setTick] = useState(0);
  // The key the rows were asked for: a path that just changed (or appeared) is loading from the
  // first render, not from the effect after it, so no "empty" shows in between.
  const [askedKey, setAskedKey] = useState(key);
  const generation = useRef(0);
  // What refresh() reads when its answer arrives, not when it was asked.
  const state = useRef({ items, extended, loading, loadingMore });
  state.current = { items, extended, loading, loadingMore };

  useEffect(() => {
    if (key === null) return;
    const gen = ++generation.current;
    const ctrl = new AbortController();
    setAskedKey(key);
    setLoading(true);
    setError(null);
    api.get<Page<T>>(key, { signal: ctrl.signal }).then(
      (page) => {
        if (gen !== generation.current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setExtended(false);
        setHasNewer(false);
        setLoading(false);
      },
      (err: Error) => {
        if (err.name === 'AbortError' || gen !== generation.current) return;
        setError(err);
        setItems([]);
        setCursor(null);
        setExtended(false);
        setHasNewer(false);
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
        setExtended(true);
        setLoadingMore(false);
      },
      (err: Error) => {
        setError(err);
        setLoadingMore(false);
      },
    );
  }, [key, cursor, loadingMore]);

  const refresh = useCallback(() => {
    if (!key || state.current.loading) return;
    const gen = generation.current;
    api.get<Page<T>>(key).then(
      (page) => {
        const now = state.current;
        if (gen !== generation.current || now.loading || now.loadingMore) return;
        if (!now.extended) {
          setItems(page.items);
          setCursor(page.nextCursor);
          setError(null);
          return;
        }
        const known = new Set(now.items.map(identity));
        if (page.items.some((item) => !known.has(identity(item)))) setHasNewer(true);
      },
      () => undefined,
    );
  }, [key]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const replace = useCallback((update: (items: T[]) => T[]) => setItems(update), []);
  return { items, loading: loading || (key !== null && key !== askedKey), loadingMore, error, hasMore: cursor !== null, extended, hasNewer, loadMore, reload, refresh, replace };
}

/** Rows are told apart by their id, or as a whole when they have none. */
function identity(item: unknown): unknown {
  return item && typeof item === 'object' && 'id' in item ? (item as { id: unknown }).id : JSON.stringify(item);
}
