import { useEffect, useRef } from 'react';

/**
 * Calls fn every ms while the page is visible, and once when it becomes visible again (a tab
 * brought back to the front shows fresh data at once, a hidden one asks the server nothing).
 */
export function useAutoRefresh(fn: () => void, ms: number) {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    const visible = () => document.visibilityState === 'visible';
    const timer = window.setInterval(() => visible() && ref.current(), ms);
    const onVisibility = () => visible() && ref.current();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [ms]);
}
