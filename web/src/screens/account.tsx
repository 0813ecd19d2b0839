import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { Field } from '../components/field.tsx';
import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { InlineError } from '../components/states.tsx';
import { SubmitActions } from '../components/submit-button.tsx';
import { toast } from '../components/toasts.tsx';
import { useAction } from '../hooks/use-action.ts';
import { useSession } from '../session.tsx';

const LABELS = { currentPassword: 'Current password', newPassword: 'New password' };

/** The signed-in agent's own account: who they are, and their password. */
export function Account() {
  useTitle('Your account');
  const { me } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useAction(async () => {
    await api.post('/api/me/password', { currentPassword: current, newPassword: next });
    setCurrent('');
    setNext('');
    setAgain('');
    toast('Password changed; you were signed out everywhere else');
  });
  const fields = change.error instanceof ApiError ? change.error.fieldErrors(LABELS) : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setMismatch(next !== again);
    if (next === again) void change.run();
  };

  return (
    <>
      <PageHeader title="Your account" />
      <p className="page-intro muted">
        Signed in as {me.name} ({me.email}), {me.role === 'admin' ? 'administrator' : 'agent'}.
      </p>
      <Card title="Change password">
        <form onSubmit={submit}>
          <div className="form-grid form-grid-end">
          <Field label={LABELS.currentPassword} error={fields.currentPassword}>
            <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
          </Field>
          <Field label={LABELS.newPassword} hint="At least 8 characters. Your other sessions end; API tokens keep working." error={fields.newPassword}>
            <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required />
          </Field>
          <Field label="New password again" error={mismatch ? 'does not match the new password' : null}>
            <input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required />
          </Field>
          </div>
          {!fields.currentPassword && !fields.newPassword && <InlineError error={change.error} />}
          <SubmitActions busy={change.busy} busyLabel="Changing…">Change password</SubmitActions>
        </form>
      </Card>
    </>
  );
}
