import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api.ts';

export type Resource<T> = {
  data: T | undefined;
  error: ApiError | Error | null;
  loading: boolean;
  reload(): void;
  setData(update: T | ((prev: T | undefined) => T | undefined)): void;
};

/** GETs a path (null: nothing yet) and keeps the answer; reload() fetches again without clearing it. */
export function useApi<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const lastPath = useRef<string | null>(null);

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

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, setData };
}
