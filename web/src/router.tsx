import { useEffect, useRef, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();
/** The URL the app shows; a blocked back/forward returns to it. */
let shown = window.location.pathname + window.location.search;
const notify = () => {
  shown = window.location.pathname + window.location.search;
  listeners.forEach((l) => l());
};

/** Each returns a question to ask before the app leaves the page, or null to let it go. */
const blockers = new Set<() => string | null>();

/** Asks the blockers whether the app may leave the current page; true when none objects or the user agrees. */
function mayLeave(): boolean {
  for (const b of blockers) {
    const question = b();
    if (question) return window.confirm(question);
  }
  return true;
}

window.addEventListener('popstate', () => {
  const next = window.location.pathname + window.location.search;
  if (next.split('?')[0] !== shown.split('?')[0] && !mayLeave()) {
    // Back or forward was pressed: put the page's URL back and stay.
    window.history.pushState(null, '', shown);
    return;
  }
  notify();
});

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};
const snapshot = () => window.location.pathname + window.location.search;

export function currentUrl() {
  return snapshot();
}

/**
 * Moves to another URL of the app. While a page holds unsaved changes (useLeaveWarning), moving to
 * another path asks first; `force` skips the question (redirects the app makes on its own).
 */
export function navigate(to: string, opts: { replace?: boolean; force?: boolean } = {}) {
  if (to === snapshot()) return;
  if (!opts.force && to.split('?')[0] !== window.location.pathname && !mayLeave()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
  if (!opts.replace) window.scrollTo(0, 0);
}

export type Location = { path: string; query: URLSearchParams; url: string };

export function useLocation(): Location {
  const url = useSyncExternalStore(subscribe, snapshot);
  const i = url.indexOf('?');
  return { url, path: i < 0 ? url : url.slice(0, i), query: new URLSearchParams(i < 0 ? '' : url.slice(i + 1)) };
}

/** Matches "/tickets/:id" against a path; returns the parameters or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) params[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

/** Replaces some query parameters of the current URL (empty values are removed). */
export function setQuery(patch: Record<string, string | number | null | undefined>, opts: { replace?: boolean } = { replace: true }) {
  const params = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') params.delete(k);
    else params.set(k, String(v));
  }
  const s = params.toString();
  navigate(window.location.pathname + (s ? `?${s}` : ''), opts);
}

/** Only a same-app path is a safe place to return to after signing in. */
export function safeReturnPath(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/sign-in') || next.startsWith('/setup')) return '/';
  return next;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || rest.target) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}

const LEAVE_QUESTION = 'This page has unsaved changes. Leave it and discard them?';

/**
 * While `dirty`, leaving the page asks first: a link or button of the app, back/forward, and
 * reloading or closing the tab (the browser's own question). Pass false while a save is running, so
 * the page can move on once it saved.
 */
export function useLeaveWarning(dirty: boolean, question = LEAVE_QUESTION) {
  const latest = useRef(dirty);
  latest.current = dirty;
  useEffect(() => {
    const blocker = () => (latest.current ? question : null);
    blockers.add(blocker);
    const onUnload = (e: BeforeUnloadEvent) => {
      if (!latest.current) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onUnload);
    return () => {
      blockers.delete(blocker);
      window.removeEventListener('beforeunload', onUnload);
    };
  }, [question]);
}
