import { useState, type FormEvent } from 'react';
import { api, ApiError, type FieldLabels } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { Checkbox, Field } from '../components/field.tsx';
import { InlineError } from '../components/states.tsx';
import { useAction } from '../hooks/use-action.ts';
import type { ImapTls, Mailbox, MailboxKind } from '../mail-types.ts';
import { useLeaveWarning } from '../router.tsx';

export type MailboxDraft = {
  name: string;
  kind: MailboxKind;
  enabled: boolean;
  imap: { host: string; port: number; tls: ImapTls; username: string; password: string; folder: string; processedFolder: string; pollSeconds: number; tlsVerify: boolean };
  /** maxMb: the size limit as typed; maxMessageBytes: the stored limit, sent unchanged while maxMb still shows it. */
  smtp: { port: number; addresses: string; maxMb: string; maxMessageBytes: number };
};

const MB = 1024 * 1024;
/** The server's default and largest accepted SMTP message size (src/mail/mailbox.schemas.ts). */
const DEFAULT_MAX_BYTES = 25 * MB;
const MAX_MB = 50;
/** A byte count in MB as the form shows it: at most two decimals, no trailing zeros. */
export const megabytes = (bytes: number) => String(Math.round((bytes / MB) * 100) / 100);

export function draftOf(m?: Mailbox): MailboxDraft {
  return {
    name: m?.name ?? '',
    kind: m?.kind ?? 'imap',
    enabled: m?.enabled ?? true,
    imap: {
      host: m?.imap?.host ?? '',
      port: m?.imap?.port ?? 993,
      tls: m?.imap?.tls ?? 'tls',
      username: m?.imap?.username ?? '',
      password: '',
      folder: m?.imap?.folder ?? 'INBOX',
      processedFolder: m?.imap?.processedFolder ?? '',
      pollSeconds: m?.imap?.pollSeconds ?? 60,
      tlsVerify: m?.imap?.tlsVerify ?? true,
    },
    smtp: {
      port: m?.smtp?.port ?? 2525,
      addresses: (m?.smtp?.addresses ?? []).join(', '),
      maxMb: megabytes(m?.smtp?.maxMessageBytes ?? DEFAULT_MAX_BYTES),
      maxMessageBytes: m?.smtp?.maxMessageBytes ?? DEFAULT_MAX_BYTES,
    },
  };
}

/** The request body for POST /api/mailboxes (create) or PUT /api/mailboxes/:id (replace). */
export function bodyOf(d: MailboxDraft) {
  const common = { name: d.name.trim(), enabled: d.enabled, kind: d.kind };
  if (d.kind === 'imap') {
    const { password, processedFolder, ...imap } = d.imap;
    return { ...common, imap: { ...imap, host: imap.host.trim(), processedFolder: processedFolder.trim() || null, ...(password ? { password } : {}) } };
  }
  if (d.kind === 'smtp') {
    // The limit is sent as stored unless it was changed, so a limit that is not a round number of MB stays exact.
    const { maxMb, maxMessageBytes } = d.smtp;
    const bytes = maxMb.trim() === megabytes(maxMessageBytes) ? maxMessageBytes : Math.round(Number(maxMb) * MB);
    return { ...common, smtp: { port: d.smtp.port, addresses: d.smtp.addresses.split(/[\s,;]+/).filter(Boolean), maxMessageBytes: bytes } };
  }
  return common;
}

/** The form's names for the request's field paths, for its error messages. */
const LABELS: FieldLabels = {
  name: 'Name', kind: 'Kind', imap: '', smtp: '', host: 'Host', port: 'Port', tls: 'Security', username: 'Username', password: 'Password',
  folder: 'Folder', processedFolder: 'Move processed mail to', pollSeconds: 'Check every (seconds)', addresses: 'Accepted addresses',
  maxMessageBytes: 'Size limit',
};

const KIND_HINT: Record<MailboxKind, string> = {
  imap: 'Relaydesk fetches mail from a mail server.',
  smtp: 'Mail servers deliver to Relaydesk.',
  upload: '.eml files sent through the API or this page.',
};

const DEFAULT_PORT: Record<ImapTls, number> = { tls: 993, starttls: 143, none: 143 };

export function MailboxForm({ initial, submitLabel, onSubmit, onCancel }: {
  initial?: Mailbox;
  submitLabel: string;
  onSubmit(d: MailboxDraft): Promise<void>;
  onCancel?(): void;
}) {
  const [d, setD] = useState<MailboxDraft>(() => draftOf(initial));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [untouched] = useState(() => JSON.stringify(draftOf(initial)));
  useLeaveWarning(JSON.stringify(d) !== untouched && !busy);
  const setImap = <K extends keyof MailboxDraft['imap']>(k: K, v: MailboxDraft['imap'][K]) => setD((x) => ({ ...x, imap: { ...x.imap, [k]: v } }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await onSubmit(d);
    } catch (err) {
      if (err instanceof ApiError) setFields(err.fieldErrors(LABELS));
      setError(err instanceof ApiError ? err.withLabels(LABELS) : err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="mailbox-form">
      <div className="form-grid form-grid-aligned">
        <Field label="Name" error={fields.name}>
          {/* The form opens on a click of Add mailbox or Edit: typing starts here. */}
          <input value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} required placeholder="Datto alerts" autoFocus />
        </Field>
        <Field label="Kind" hint={`${KIND_HINT[d.kind]}${initial ? ' The kind of a mailbox cannot change.' : ''}`}>
          <select value={d.kind} onChange={(e) => setD({ ...d, kind: e.target.value as MailboxKind })} disabled={!!initial}>
            <option value="imap">IMAP</option>
            <option value="smtp">SMTP</option>
            <option value="upload">Upload</option>
          </select>
        </Field>
      </div>
      {d.kind === 'imap' && (
        <fieldset className="fieldset">
          <legend>IMAP server</legend>
          <div className="form-grid form-grid-aligned">
            <Field label="Host" error={fields.host}>
              <input value={d.imap.host} onChange={(e) => setImap('host', e.target.value)} required placeholder="imap.example.com" spellCheck={false} />
            </Field>
            <Field label="Security">
              <select
                value={d.imap.tls}
                onChange={(e) => {
                  const tls = e.target.value as ImapTls;
                  setD((x) => ({ ...x, imap: { ...x.imap, tls, port: x.imap.port === DEFAULT_PORT[x.imap.tls] ? DEFAULT_PORT[tls] : x.imap.port } }));
                }}
              >
                <option value="tls">TLS (port 993)</option>
                <option value="starttls">STARTTLS (port 143)</option>
                <option value="none">None (unencrypted)</option>
              </select>
            </Field>
            <Field label="Port" error={fields.port}>
              <input type="number" min={1} max={65535} value={d.imap.port} onChange={(e) => setImap('port', Number(e.target.value))} required />
            </Field>
            <Field label="Username" error={fields.username}>
              <input value={d.imap.username} onChange={(e) => setImap('username', e.target.value)} required autoComplete="off" spellCheck={false} />
            </Field>
            <Field
              label={
                <>
                  Password {initial?.imap?.passwordSet && <Badge tone="green">Set</Badge>}
                </>
              }
              hint={initial?.imap?.passwordSet ? 'Leave empty to keep the stored password.' : 'Stored encrypted; never shown again.'}
              error={fields.password}
            >
              <input type="password" value={d.imap.password} onChange={(e) => setImap('password', e.target.value)} required={!initial?.imap?.passwordSet} autoComplete="new-password" />
            </Field>
            <Field label="Folder" error={fields.folder}>
              <input value={d.imap.folder} onChange={(e) => setImap('folder', e.target.value)} required />
            </Field>
            <Field label="Move processed mail to" hint="Empty: processed mail stays and is marked as read." error={fields.processedFolder}>
              <input value={d.imap.processedFolder} onChange={(e) => setImap('processedFolder', e.target.value)} placeholder="e.g. Processed" />
            </Field>
            <Field label="Check every (seconds)" hint="When the server does not push new mail (IDLE)." error={fields.pollSeconds}>
              <input type="number" min={1} max={3600} value={d.imap.pollSeconds} onChange={(e) => setImap('pollSeconds', Number(e.target.value))} />
            </Field>
          </div>
          <Checkbox label="Verify the server's TLS certificate" hint="(turn off only for a self-signed server you trust)" checked={d.imap.tlsVerify} onChange={(v) => setImap('tlsVerify', v)} />
          <ImapTest draft={d} mailboxId={initial?.id} onFields={setFields} />
        </fieldset>
      )}
      {d.kind === 'smtp' && (
        <fieldset className="fieldset">
          <legend>SMTP listener</legend>
          <div className="form-grid form-grid-aligned">
            <Field label="Port" hint="Relaydesk listens on this port; point your mail server's forwarding at it." error={fields.port}>
              <input type="number" min={1} max={65535} value={d.smtp.port} onChange={(e) => setD({ ...d, smtp: { ...d.smtp, port: Number(e.target.value) } })} required />
            </Field>
            <Field label="Accepted addresses" hint="Comma-separated. Mail to other recipients is refused." error={fields.addresses}>
              <input value={d.smtp.addresses} onChange={(e) => setD({ ...d, smtp: { ...d.smtp, addresses: e.target.value } })} required placeholder="alerts@desk.example.com" spellCheck={false} />
            </Field>
            <Field label="Size limit (MB)" hint={`Larger mail is refused while it is sent. At most ${MAX_MB} MB.`} error={fields.maxMessageBytes}>
              <input
                type="number"
                min={Math.min(1, Number(megabytes(d.smtp.maxMessageBytes)))}
                max={MAX_MB}
                step="any"
                value={d.smtp.maxMb}
                onChange={(e) => setD({ ...d, smtp: { ...d.smtp, maxMb: e.target.value } })}
                required
              />
            </Field>
          </div>
        </fieldset>
      )}
      {d.kind === 'upload' && <p className="muted small">Upload mailboxes receive messages posted to <code>POST /api/mailboxes/:id/messages</code> or uploaded on their page.</p>}
      <Checkbox label="Enabled" checked={d.enabled} onChange={(v) => setD({ ...d, enabled: v })} />
      <InlineError error={error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

type ImapCheck = { folder: string; messages: number; afterStore: 'move' | 'flag'; processedFolder: 'exists' | 'will be created' | null };

/**
 * Tries the typed IMAP settings against the server before they are saved (the stored password fills a
 * blank one). A refusal naming a field marks that field of the form (onFields).
 */
function ImapTest({ draft, mailboxId, onFields }: { draft: MailboxDraft; mailboxId?: number; onFields(fields: Record<string, string>): void }) {
  const [result, setResult] = useState<ImapCheck | null>(null);
  const test = useAction(async () => {
    setResult(null);
    onFields({});
    const { imap } = bodyOf({ ...draft, kind: 'imap' }) as { imap: Record<string, unknown> };
    try {
      setResult(await api.post<ImapCheck>('/api/mailboxes/test-imap', { imap, ...(mailboxId ? { mailboxId } : {}) }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      onFields(err.fieldErrors(LABELS));
      throw err.withLabels(LABELS);
    }
  });
  return (
    <div className="inline-actions" data-testid="imap-test">
      <button type="button" className="btn btn-small" onClick={() => void test.run()} disabled={test.busy || !draft.imap.host.trim() || !draft.imap.username}>
        {test.busy ? 'Testing…' : 'Test connection'}
      </button>
      {result && (
        <span className="text-success small">
          Connected: {result.folder} holds {result.messages} {result.messages === 1 ? 'message' : 'messages'}.{' '}
          {result.afterStore === 'move' ? `Stored mail will be moved to ${draft.imap.processedFolder.trim()}${result.processedFolder === 'will be created' ? ' (created on first connect)' : ''}.` : 'Stored mail will be marked as read.'}
        </span>
      )}
      <InlineError error={test.error} />
    </div>
  );
}
