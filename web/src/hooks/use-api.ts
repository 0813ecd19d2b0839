import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api.ts';

export type Resource<T> = {
  data: T | undefined;
  error: ApiError | Error | null;
  loading: boolean;
  reload(): void;
  /** Fetches again in the background: no loading state, and a failure leaves the data (and the page) as it is. */
  refresh(): void;
  setData(update: T | ((prev: T | undefined) => T | undefined)): void;
};

/** GETs a path (null: nothing yet) and keeps the answer; reload() fetches again without clearing it. */
export function useApi<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const lastPath = useRef<string | null>(null);
  const current = useRef(path);
  current.current = path;
  // Bumped by every reload and setData: a background answer asked for before them is stale.
  const version = useRef(0);

  useEffect(() => {
    if (path === null) {
      setLoading(false);
      return;
    }
    if (lastPath.current !== path) setData(undefined);
    lastPath.current = path;
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    api.get<T>(path, { signal: ctrl.signal }).then(
      (d) => {
        setData(d);
        setLoading(false);
      },
      (err: Error) => {
        if (err.name === 'AbortError') return;
        setError(err);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [path, tick]);

  const reload = useCallback(() => {
    version.current++;
    setTick((t) => t + 1);
  }, []);
  const refresh = useCallback(() => {
    const asked = current.current;
    const at = version.current;
    if (asked === null) return;
    api.get<T>(asked).then(
      (d) => {
        if (current.current !== asked || version.current !== at) return;
        setData(d);
        setError(null);
      },
      () => undefined,
    );
  }, []);
  const set = useCallback((update: T | ((prev: T | undefined) => T | undefined)) => {
    version.current++;
    setData(update as T);
  }, []);
  return { data, error, loading, reload, refresh, setData: set };
}
