import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError, onUnauthorized } from './api.ts';
import { Layout } from './components/layout.tsx';
import { invalidateCache } from './components/names.tsx';
import { ErrorBox, Loading } from './components/states.tsx';
import { Toasts } from './components/toasts.tsx';
import { renderRoute } from './routes.tsx';
import { currentUrl, navigate, safeReturnPath, useLocation } from './router.tsx';
import { SessionContext, type Session } from './session.tsx';
import { SetupScreen } from './screens/setup.tsx';
import { SignInScreen } from './screens/sign-in.tsx';
import type { Agent } from './types.ts';

type Phase =
  | { kind: 'loading' }
  | { kind: 'unreachable'; error: unknown }
  | { kind: 'setup' }
  | { kind: 'signed-out' }
  | { kind: 'signed-in'; me: Agent };

const isAuthPage = (path: string) => path === '/sign-in' || path === '/setup';

function sendToSignIn(reason?: 'expired') {
  const here = currentUrl();
  const path = here.split('?')[0]!;
  if (isAuthPage(path)) return;
  const next = here === '/' ? '' : `next=${encodeURIComponent(here)}`;
  const params = [next, reason ? `reason=${reason}` : ''].filter(Boolean).join('&');
  navigate(`/sign-in${params ? `?${params}` : ''}`, { replace: true, force: true });
}

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const { path, query } = useLocation();
  const nextParam = query.get('next');

  const boot = useCallback(async () => {
    setPhase({ kind: 'loading' });
    try {
      const { needsSetup } = await api.get<{ needsSetup: boolean }>('/api/setup');
      if (needsSetup) {
        setPhase({ kind: 'setup' });
        if (window.location.pathname !== '/setup') navigate('/setup', { replace: true });
        return;
      }
      try {
        setPhase({ kind: 'signed-in', me: await api.get<Agent>('/api/me', { quiet401: true }) });
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 401) throw err;
        setPhase({ kind: 'signed-out' });
        sendToSignIn();
      }
    } catch (error) {
      setPhase({ kind: 'unreachable', error });
    }
  }, []);

  useEffect(() => {
    void boot();
  }, [boot]);

  useEffect(() => {
    onUnauthorized(() => {
      invalidateCache();
      setPhase((p) => (p.kind === 'signed-in' ? { kind: 'signed-out' } : p));
      sendToSignIn('expired');
    });
    return () => onUnauthorized(null);
  }, []);

  useEffect(() => {
    if (phase.kind === 'signed-in' && (isAuthPage(path) || path === '/')) {
      const next = safeReturnPath(nextParam);
      navigate(next === '/' ? '/tickets' : next, { replace: true });
    }
    if (phase.kind === 'signed-out' && !isAuthPage(path)) sendToSignIn();
    if (phase.kind === 'setup' && path !== '/setup') navigate('/setup', { replace: true });
  }, [phase.kind, path, nextParam]);

  const session = useMemo<Session | null>(() => {
    if (phase.kind !== 'signed-in') return null;
    return {
      me: phase.me,
      isAdmin: phase.me.role === 'admin',
      async signOut() {
        try {
          await api.post('/api/auth/logout', undefined, { quiet401: true });
        } finally {
          invalidateCache();
          setPhase({ kind: 'signed-out' });
          navigate('/sign-in', { replace: true, force: true });
        }
      },
    };
  }, [phase]);

  const signedIn = (me: Agent) => {
    invalidateCache();
    setPhase({ kind: 'signed-in', me });
  };

  let body;
  if (phase.kind === 'loading') body = <div className="auth-page"><Loading label="Starting Relaydesk…" /></div>;
  else if (phase.kind === 'unreachable') {
    body = (
      <div className="auth-page">
        <div className="auth-card">
          <ErrorBox title="Relaydesk is not reachable" error={phase.error} onRetry={() => void boot()} />
        </div>
      </div>
    );
  } else if (phase.kind === 'setup') body = <SetupScreen onDone={signedIn} />;
  else if (phase.kind === 'signed-out' || !session) body = <SignInScreen expired={query.get('reason') === 'expired'} onSignedIn={signedIn} />;
  else {
    body = (
      <SessionContext.Provider value={session}>
        <Layout>{isAuthPage(path) || path === '/' ? <Loading /> : renderRoute(path, session.isAdmin)}</Layout>
      </SessionContext.Provider>
    );
  }

  return (
    <>
      {body}
      <Toasts />
    </>
  );
}
