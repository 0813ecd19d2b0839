import { useCallback, useRef, useState } from 'react';
import { ApiError } from '../api.ts';

export type Action<A extends unknown[]> = {
  run(...args: A): Promise<boolean>;
  busy: boolean;
  error: ApiError | Error | null;
  clearError(): void;
};

/** Wraps a mutation: busy flag, error kept for display, true when it succeeded. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<unknown>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const ref = useRef(fn);
  ref.current = fn;
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await ref.current(...args);
      return true;
    } catch (err) {
      setError(err as Error);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { run, busy, error, clearError };
}
