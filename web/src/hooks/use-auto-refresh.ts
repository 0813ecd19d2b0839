import { useEffect, useRef } from 'react';
import { useInterval } from './use-interval.ts';

/**
 * Calls fn every ms while the page is visible, and once when it becomes visible again (a tab
 * brought back to the front shows fresh data at once, a hidden one asks the server nothing).
 */
export function useAutoRefresh(fn: () => void, ms: number) {
  const ifVisible = () => {
    if (document.visibilityState === 'visible') fn();
  };
  useInterval(ifVisible, ms);
  const latest = useRef(ifVisible);
  latest.current = ifVisible;
  useEffect(() => {
    const onVisibility = () => latest.current();
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, []);
}
