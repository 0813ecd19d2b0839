import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { CopyButton } from '../../components/copy-button.tsx';
import { Field } from '../../components/field.tsx';
import { Card } from '../../components/page.tsx';
import { TicketTypeSelect } from '../../components/pickers.tsx';
import { InlineError } from '../../components/states.tsx';
import { toast } from '../../components/toasts.tsx';
import type { DattoSettings, DattoSettingsUpdate } from '../../datto-types.ts';
import { useAction } from '../../hooks/use-action.ts';
import { useApi } from '../../hooks/use-api.ts';
import type { EmailRule, Mailbox } from '../../mail-types.ts';
import { Link, useLeaveWarning } from '../../router.tsx';

export const SUBJECT_SUFFIX = ' - Alert{[alertuid]}';
export const SUBJECT_EXAMPLE = `Alert on device: [ipaddress], reason [alert]${SUBJECT_SUFFIX}`;

export function AlertingSection({ settings, save, onChanged }: { settings: DattoSettings; save(u: DattoSettingsUpdate): Promise<unknown>; onChanged(s: DattoSettings): void }) {
  const mailboxes = useApi<{ items: Mailbox[] }>('/api/mailboxes');
  const rules = useApi<{ items: EmailRule[] }>('/api/email-rules');
  const [mailboxId, setMailboxId] = useState<number | null>(settings.alerting.mailboxId);
  const [from, setFrom] = useState(settings.alerting.fromAddress);
  const [typeId, setTypeId] = useState<number | null>(settings.alerting.defaultTicketTypeId);
  const rule = rules.data?.items.find((r) => r.systemKey === 'datto-rmm-alerts');

  const saving = useAction(async () => {
    await save({ alerting: { mailboxId, fromAddress: from.trim(), defaultTicketTypeId: typeId } });
    rules.reload();
  });
  const rotate = useAction(async () => {
    if (!window.confirm('Rotate the webhook URL? Datto RMM keeps calling the old URL, which stops working, until you paste the new one into its webhook settings.')) return;
    onChanged(await api.post<DattoSettings>('/api/integrations/datto-rmm/webhook-token'));
    toast('Webhook URL rotated. Paste the new one into Datto RMM.');
  });
  const a = settings.alerting;
  const dirty = mailboxId !== a.mailboxId || from.trim() !== a.fromAddress || typeId !== a.defaultTicketTypeId;
  useLeaveWarning(dirty && !saving.busy);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void saving.run();
  };

  return (
    <Card title="Alerting" id="datto-alerting">
      <form onSubmit={submit}>
        <div className="form-grid form-grid-aligned">
          <Field label="Mailbox" hint={mailboxes.error ? 'Mailboxes could not be loaded.' : 'Where Datto RMM sends its alert e-mails.'}>
            <select value={mailboxId ?? ''} onChange={(e) => setMailboxId(e.target.value ? Number(e.target.value) : null)} disabled={!mailboxes.data}>
              <option value="">— Any mailbox —</option>
              {mailboxId !== null && mailboxes.data && !mailboxes.data.items.some((m) => m.id === mailboxId) && (
                <option value={mailboxId}>Mailbox #{mailboxId} (deleted)</option>
              )}
              {mailboxes.data?.items.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} ({m.kind})
                </option>
              ))}
            </select>
          </Field>
          <Field label="From Address" hint="The sender address of Datto RMM alert e-mails (Setup > Global Settings > E-mail).">
            <input type="email" value={from} onChange={(e) => setFrom(e.target.value)} placeholder="alerts@rmm.example.com" autoComplete="off" />
          </Field>
          <Field label="Default Ticket Type">
            <TicketTypeSelect value={typeId} onChange={setTypeId} allowNone noneLabel="— The default type —" />
          </Field>
        </div>
        {mailboxes.data && mailboxes.data.items.length === 0 && (
          <p className="muted small">
            No mailbox yet. <Link to="/config/email/mailboxes">Add a mailbox</Link> (IMAP, SMTP or upload) for the alert e-mails.
          </p>
        )}
        <InlineError error={saving.error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!dirty || saving.busy}>
            {saving.busy ? 'Saving…' : 'Save alerting'}
          </button>
          {rule && (
            <span className="muted small">
              Saving updates the email rule <Link to={`/config/email/rules/${rule.id}`}>{rule.name}</Link>
              {rule.enabled ? '' : ' (currently disabled)'}.
            </span>
          )}
          {!rule && rules.data && <span className="muted small">Saving creates the email rule “Datto RMM Alerts”.</span>}
        </div>
      </form>

      <div className="subsection">
        <h3>Monitor e-mail subject</h3>
        <p className="muted small">
          In Datto RMM, end the subject of every monitor's alert e-mail with <code>{SUBJECT_SUFFIX.trim()}</code>, so each e-mail names its alert. For example:
        </p>
        <div className="copy-line">
          <code data-testid="subject-format">{SUBJECT_EXAMPLE}</code>
          <CopyButton text={SUBJECT_EXAMPLE} />
        </div>
      </div>

      <div className="subsection">
        <h3>Webhook (real-time alerts)</h3>
        {settings.webhookUrl ? (
          <>
            <p className="muted small">Paste this URL into Datto RMM's webhook settings for alerts to arrive without waiting for e-mail. It contains a secret: treat it like a password.</p>
            <div className="copy-line">
              <code className="break" data-testid="webhook-url">{settings.webhookUrl}</code>
              <CopyButton text={settings.webhookUrl} />
              <button type="button" className="btn btn-small" onClick={() => void rotate.run()} disabled={rotate.busy}>
                Rotate
              </button>
            </div>
            <InlineError error={rotate.error} />
          </>
        ) : (
          <p className="muted small">Only administrators see the webhook URL.</p>
        )}
      </div>
    </Card>
  );
}
