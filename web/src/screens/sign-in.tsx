import { useState, type FormEvent } from 'react';
import { api, ApiError, messageOf } from '../api.ts';
import { Field } from '../components/field.tsx';
import { useTitle } from '../components/page.tsx';
import type { Agent } from '../types.ts';

export function SignInScreen({ expired, onSignedIn }: { expired: boolean; onSignedIn(me: Agent): void }) {
  useTitle('Sign in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ agent: Agent }>('/api/auth/login', { email: email.trim(), password }, { quiet401: true });
      onSignedIn(r.agent);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('The e-mail or password is wrong. Check both and try again; an administrator can reset your password.');
      else if (err instanceof ApiError && err.code === 'validation_failed') setError('Enter a valid e-mail address and your password.');
      else setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">R</span> Relaydesk
        </div>
        <h1 id="sign-in-title">Sign in</h1>
        {expired && !error && (
          <div className="callout callout-info" role="status">
            Your session has ended. Sign in again to return to the page you were on.
          </div>
        )}
        {error && (
          <div className="callout callout-danger" role="alert">
            {error}
          </div>
        )}
        <Field label="E-mail">
          <input type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password">
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
