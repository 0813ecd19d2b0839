import { useState, type FormEvent } from 'react';
import { api, ApiError, messageOf } from '../api.ts';
import { Field } from '../components/field.tsx';
import { useTitle } from '../components/page.tsx';
import type { Agent } from '../types.ts';

export function SetupScreen({ onDone }: { onDone(me: Agent): void }) {
  useTitle('Set up Relaydesk');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFields({});
    if (password.length < 8) return setFields({ password: 'Use at least 8 characters.' });
    if (password !== confirm) return setFields({ confirm: 'The two passwords differ. Type the same password twice.' });
    setBusy(true);
    try {
      const agent = await api.post<Agent>('/api/setup', { name: name.trim(), email: email.trim(), password }, { quiet401: true });
      onDone(agent);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') {
        setFields(err.fieldErrors());
        setError('Check the highlighted fields.');
      } else if (err instanceof ApiError && err.status === 409) setError('An administrator already exists. Reload the page and sign in instead.');
      else setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
      <form className="auth-card auth-card-wide" onSubmit={submit} aria-labelledby="setup-title">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">R</span> Relaydesk
        </div>
        <h1 id="setup-title">Create the first administrator</h1>
        <p className="muted">
          Relaydesk has no users yet. This account can configure everything: mailboxes, email rules, the Datto RMM integration and the other agents.
        </p>
        {error && (
          <div className="callout callout-danger" role="alert">
            {error}
          </div>
        )}
        <Field label="Your name" error={fields.name}>
          <input autoComplete="name" required autoFocus value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="E-mail" error={fields.email}>
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <div className="form-row">
          <Field label="Password" hint="At least 8 characters." error={fields.password}>
            <input type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
          <Field label="Repeat password" error={fields.confirm}>
            <input type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
          </Field>
        </div>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Creating…' : 'Create administrator and sign in'}
        </button>
      </form>
    </div>
  );
}
