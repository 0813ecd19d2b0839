import { Fragment, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../api.ts';
import { Badge, type Tone } from '../components/badges.tsx';
import { Card, Facts, PageHeader, useTitle } from '../components/page.tsx';
import { LoadMoreButton, PagedTable } from '../components/paged-table.tsx';
import { Empty, ErrorBox, InlineError, Loading } from '../components/states.tsx';
import { toast } from '../components/toasts.tsx';
import { formatAgo, formatDateTime, plural } from '../format.ts';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import { useAutoRefresh } from '../hooks/use-auto-refresh.ts';
import { useInterval } from '../hooks/use-interval.ts';
import { usePaged } from '../hooks/use-paged.ts';
import type { InboundMessage, InboundState, Mailbox } from '../mail-types.ts';
import { Link, navigate } from '../router.tsx';
import { bodyOf, MailboxForm, megabytes } from './mailbox-form.tsx';
import { HealthBadge } from './mailboxes.tsx';
import { useSession } from '../session.tsx';

const STATE_TONE: Record<InboundState, Tone> = { received: 'blue', processed: 'green', ignored: 'gray', failed: 'red' };
const RAW_LIMIT = 200_000;

type UploadReply = Partial<InboundMessage> & { inboundMessageId?: number; duplicate?: boolean; message?: Partial<InboundMessage> };

/** What became of one uploaded file: refused, or stored as a message and then processed (or not yet). */
type UploadResult = { file: string; error?: string; id?: number; duplicate?: boolean; message?: InboundMessage };

const FOLLOW_MS = 5000;
/** How often an open mailbox page reads its health and the newest messages again. */
const REFRESH_MS = 5000;

/** Reads a stored message until the processor has decided on it, for a few seconds at most. */
async function follow(id: number): Promise<InboundMessage | undefined> {
  const until = Date.now() + FOLLOW_MS;
  let m: InboundMessage | undefined;
  for (let wait = 150; ; wait = Math.min(wait * 2, 1000)) {
    try {
      m = await api.get<InboundMessage>(`/api/inbound-messages/${id}`);
    } catch {
      return m;
    }
    if (m.state !== 'received' || Date.now() + wait > until) return m;
    await new Promise((r) => setTimeout(r, wait));
  }
}

function UploadLine({ r }: { r: UploadResult }) {
  const m = r.message;
  const failed = !!r.error || m?.state === 'failed';
  let outcome: ReactNode;
  if (r.error) outcome = `not stored: ${r.error}`;
  else if (!m || m.state === 'received') outcome = `stored as message ${r.id}, not processed yet; the inbox trace below shows the outcome`;
  else if (m.state === 'processed') {
    outcome = (
      <>
        {r.duplicate ? 'already received' : 'processed'}
        {m.ticketId ? <>: <Link to={`/tickets/${m.ticketId}`}>Ticket {m.ticketId}</Link></> : null}
        {m.reason ? <span className="muted"> ({m.reason})</span> : null}
      </>
    );
  } else outcome = `${r.duplicate ? 'already received, ' : ''}${m.state}: ${m.reason ?? 'no reason recorded'}`;
  return (
    <li className={failed ? 'upload-failed' : undefined}>
      <strong>{r.file}</strong>: {outcome}
    </li>
  );
}

function UploadEml({ mailboxId, onUploaded }: { mailboxId: number; onUploaded(): void }) {
  const input = useRef<HTMLInputElement>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [results, setResults] = useState<UploadResult[]>([]);
  const upload = useAction(async () => {
    const stored: UploadResult[] = [];
    for (const f of files) {
      try {
        const r = await api.upload<UploadReply>(`/api/mailboxes/${mailboxId}/messages`, f, 'message/rfc822');
        const id = (r?.message ?? r)?.id ?? r?.inboundMessageId;
        stored.push({ file: f.name, id, duplicate: !!r?.duplicate });
      } catch (err) {
        stored.push({ file: f.name, error: (err as Error).message });
      }
    }
    setFiles([]);
    if (input.current) input.current.value = '';
    onUploaded();
    const out = await Promise.all(stored.map(async (r) => (r.id ? { ...r, message: await follow(r.id) } : r)));
    setResults(out);
    // A file stored before is counted as that, whatever became of the first copy.
    const fresh = out.filter((r) => !r.duplicate);
    const count = (s: InboundState) => fresh.filter((r) => r.message?.state === s).length;
    const failed = out.filter((r) => r.error).length + count('failed');
    const duplicates = out.filter((r) => r.duplicate).length;
    const parts = [
      duplicates && `${duplicates} already received`,
      count('processed') && `${count('processed')} processed`,
      count('ignored') && `${count('ignored')} ignored`,
      failed && `${failed} failed`,
      count('received') && `${count('received')} still being processed`,
    ].filter(Boolean);
    toast(`Uploaded ${plural(out.length, 'file')}: ${parts.join(', ')}`, failed ? 'error' : 'ok');
    onUploaded();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (files.length) void upload.run();
  };
  return (
    <form onSubmit={submit} className="upload-form">
      <label htmlFor="eml-file">Upload .eml</label>
      <div className="upload-row">
        <input id="eml-file" ref={input} type="file" accept=".eml,message/rfc822" multiple onChange={(e) => setFiles([...(e.target.files ?? [])])} />
        <button type="submit" className="btn btn-primary" disabled={!files.length || upload.busy}>
          {upload.busy ? 'Uploading…' : files.length > 1 ? `Upload ${files.length} files` : 'Upload'}
        </button>
      </div>
      <div className="field-hint">A raw RFC 822 message, as saved by a mail client. It goes through the email rules like any received mail.</div>
      <InlineError error={upload.error} />
      {results.length > 0 && (
        <ul className="plain-list small upload-results" aria-live="polite" data-testid="upload-results">
          {results.map((r, i) => (
            <UploadLine key={i} r={r} />
          ))}
        </ul>
      )}
    </form>
  );
}

function RawMessage({ id }: { id: number }) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api.text(`/api/inbound-messages/${id}/raw`).then(
      (t) => live && setText(t),
      (err) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [id]);
  if (error) return <ErrorBox error={error} title="Could not load the raw message" />;
  if (text === null) return <Loading label="Loading raw message…" />;
  return (
    <div className="raw-view">
      <pre className="pre-box raw" tabIndex={0} aria-label={`Raw message ${id}`}>
        {text.length > RAW_LIMIT ? `${text.slice(0, RAW_LIMIT)}\n\n… (${plural(text.length - RAW_LIMIT, 'more character')})` : text}
      </pre>
      <a className="btn btn-small" href={`/api/inbound-messages/${id}/raw`} download={`message-${id}.eml`}>
        Download .eml
      </a>
    </div>
  );
}

function Trace({ mailboxId, tick }: { mailboxId: number; tick: number }) {
  const [state, setState] = useState('');
  const list = usePaged<InboundMessage>(`/api/mailboxes/${mailboxId}/messages`, { state: state || undefined }, 50);
  const [open, setOpen] = useState<number | null>(null);
  const { reload } = list;
  useEffect(() => {
    if (tick) reload();
  }, [tick, reload]);
  const replay = useAction(async (m: InboundMessage) => {
    await api.post(`/api/inbound-messages/${m.id}/replay`);
    toast(`Message ${m.id} replayed through the rules`);
    list.reload();
  });
  const items = state ? list.items.filter((m) => m.state === state) : list.items;
  // New mail shows up on its own, sooner while a message waits for the processor. Only the newest
  // page is read: with older pages loaded, the rows stay put and a button offers the new ones.
  useAutoRefresh(list.refresh, list.items.some((m) => m.state === 'received') ? 2000 : REFRESH_MS);

  return (
    <Card
      title="Inbox trace"
      id="trace"
      actions={
        <>
          <label className="sr-only" htmlFor="trace-state">
            State
          </label>
          <select id="trace-state" className="select-small" value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">All states</option>
            <option value="received">Received</option>
            <option value="processed">Processed</option>
            <option value="ignored">Ignored</option>
            <option value="failed">Failed</option>
          </select>
          <button type="button" className="btn btn-small" onClick={list.reload}>
            Refresh
          </button>
        </>
      }
    >
      {list.hasNewer && (
        <div className="newer-pill-row" role="status">
          <button type="button" className="btn btn-small newer-pill" onClick={list.reload}>
            New messages — show
          </button>
        </div>
      )}
      <PagedTable
        list={list}
        rows={items}
        errorTitle="Could not load the messages"
        empty={<Empty title={state ? `No ${state} messages` : 'No messages received yet'} />}
        className="table table-compact trace-table"
        head={
          <>
            <th scope="col">Received</th>
            <th scope="col">Message</th>
            <th scope="col">State</th>
            <th scope="col" className="col-optional">Rule</th>
            <th scope="col">Ticket</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </>
        }
        row={(m) => (
          <Fragment key={m.id}>
            <tr data-testid="trace-row">
              <td className="nowrap" title={formatDateTime(m.receivedAt)}>{formatAgo(m.receivedAt)}</td>
              <td className="cell-wide">
                <div className="cell-clip cell-title" title={m.subject ?? undefined}>{m.subject || <span className="muted">(no subject)</span>}</div>
                <div className="muted small cell-clip" title={m.from ?? undefined}>{m.from ?? 'unknown sender'}</div>
                {m.reason && <div className={`small ${m.state === 'failed' ? 'text-danger' : 'muted'}`}>{m.reason}</div>}
              </td>
              <td><Badge tone={STATE_TONE[m.state] ?? 'neutral'}>{m.state}</Badge></td>
              <td className="col-optional">{m.ruleName ?? <span className="muted">—</span>}</td>
              <td className="nowrap">{m.ticketId ? <Link to={`/tickets/${m.ticketId}`}>Ticket {m.ticketId}</Link> : <span className="muted">—</span>}</td>
              <td className="row-actions">
                <button type="button" className="btn btn-small" aria-expanded={open === m.id} onClick={() => setOpen(open === m.id ? null : m.id)}>
                  {open === m.id ? 'Hide raw' : 'View raw'}
                </button>
                {m.replayable && (
                  <button type="button" className="btn btn-small" onClick={() => void replay.run(m)} disabled={replay.busy} title="Run this message through the rules again">
                    Replay
                  </button>
                )}
              </td>
            </tr>
            {open === m.id && (
              <tr className="row-detail">
                <td colSpan={6}>
                  <RawMessage id={m.id} />
                </td>
              </tr>
            )}
          </Fragment>
        )}
        footer={
          <>
            <InlineError error={replay.error} />
            {list.hasMore && <LoadMoreButton list={list} label="Load older messages" />}
          </>
        }
      />
    </Card>
  );
}

/**
 * The second question before deleting a mailbox the server would not delete without force: it has
 * received mail, or email rules name it. Null when the refusal is about something else.
 */
function deleteAnywayQuestion(m: Mailbox, refusal: ApiError): string | null {
  const d = refusal.details as { messages?: number; rules?: Array<{ id: number; name: string }> } | undefined;
  const count = d?.messages ?? 0;
  const rules = d?.rules ?? [];
  if (!count && !rules.length) return null;
  const lines: string[] = [];
  if (count) {
    lines.push(
      `“${m.name}” has received ${plural(count, 'message')}. Deleting the mailbox deletes ${count === 1 ? 'it' : 'them'} from its inbox trace. `
      + `Tickets keep ${count === 1 ? 'it' : 'them'} in their history, but a reply that refers only to ${count === 1 ? 'that message' : 'one of them'} will open a new ticket.`,
    );
  }
  if (rules.length) {
    const names = rules.map((r) => `“${r.name}”`).join(', ');
    lines.push(rules.length === 1
      ? `The email rule ${names} has a condition on this mailbox, which will then match no mail until you change it.`
      : `The email rules ${names} have a condition on this mailbox, which will then match no mail until you change them.`);
  }
  if (count) lines.push('To keep the messages, disable the mailbox instead.');
  return `${lines.join('\n\n')}\n\nDelete anyway?`;
}

export function MailboxPage({ id }: { id: number }) {
  const mailbox = useApi<Mailbox>(`/api/mailboxes/${id}`);
  // Health (connected, last error, last message) changes on its own: a receiver connects, mail arrives.
  useAutoRefresh(mailbox.refresh, REFRESH_MS);
  const [recheck, setRecheck] = useState(0);
  useInterval(() => {
    mailbox.reload();
    setRecheck((n) => n - 1);
  }, recheck > 0 ? 2000 : null);
  const [editing, setEditing] = useState(false);
  const { isAdmin } = useSession();
  const [tick, setTick] = useState(0);
  const m = mailbox.data;
  useTitle(m?.name ?? 'Mailbox');
  const remove = useAction(async () => {
    if (!window.confirm(`Delete the mailbox "${m!.name}"? Its received messages stay in the history of their tickets.`)) return;
    try {
      await api.del(`/api/mailboxes/${id}`);
    } catch (err) {
      // Refused because mail or rules depend on it: say what deleting anyway does, and ask again.
      const question = err instanceof ApiError && err.status === 409 ? deleteAnywayQuestion(m!, err) : null;
      if (!question) throw err;
      if (!window.confirm(question)) return;
      await api.del(`/api/mailboxes/${id}`, { query: { force: true } });
    }
    toast(`Mailbox ${m!.name} deleted`);
    navigate('/config/email/mailboxes');
  });

  if (mailbox.error) {
    return (
      <>
        <PageHeader title="Mailbox" crumbs={[{ label: 'Mailboxes', to: '/config/email/mailboxes' }]} />
        <ErrorBox error={mailbox.error} onRetry={mailbox.reload} title={mailbox.error instanceof ApiError && mailbox.error.status === 404 ? 'This mailbox does not exist' : 'Could not load the mailbox'} />
      </>
    );
  }
  if (!m) return <Loading label="Loading mailbox…" />;

  return (
    <>
      <PageHeader
        title={m.name}
        crumbs={[{ label: 'Mailboxes', to: '/config/email/mailboxes' }]}
        actions={
          isAdmin && !editing && (
            <>
              <button type="button" className="btn" onClick={() => setEditing(true)}>
                Edit
              </button>
              <button type="button" className="btn btn-danger-ghost" onClick={() => void remove.run()} disabled={remove.busy}>
                Delete
              </button>
            </>
          )
        }
      >
        <div className="header-meta">
          <HealthBadge mailbox={m} />
          <span className="muted">{m.kind.toUpperCase()}</span>
        </div>
      </PageHeader>
      <InlineError error={remove.error} />
      {editing && (
        <Card title="Edit mailbox">
          <MailboxForm
            initial={m}
            submitLabel="Save mailbox"
            onCancel={() => setEditing(false)}
            onSubmit={async (d) => {
              mailbox.setData(await api.put<Mailbox>(`/api/mailboxes/${id}`, bodyOf(d)));
              setEditing(false);
              toast('Mailbox saved');
              // The receiver restarts with the new settings: its health is read again for a few seconds.
              setRecheck(5);
            }}
          />
        </Card>
      )}
      <div className="detail-grid">
        <div className="detail-main">
          {m.kind !== 'upload' && (
            <Card title="Settings">
              <Facts
                items={
                  m.kind === 'imap' && m.imap
                    ? [
                        ['Server', `${m.imap.host}:${m.imap.port} (${m.imap.tls})`],
                        ['Username', m.imap.username],
                        ['Folder', m.imap.folder],
                        ['Processed mail', m.imap.processedFolder ? `moved to ${m.imap.processedFolder}` : 'marked as read'],
                        ['Checks every', `${m.imap.pollSeconds} s when the server does not push`],
                      ]
                    : [
                        ['Port', String(m.smtp?.port ?? '—')],
                        ['Addresses', m.smtp?.addresses.join(', ') ?? '—'],
                        ['Size limit', m.smtp?.maxMessageBytes ? `${megabytes(m.smtp.maxMessageBytes)} MB` : '—'],
                        ['Encryption', m.smtp?.starttls
                          ? 'STARTTLS offered'
                          : <span className="muted">none: set RELAYDESK_SMTP_TLS_CERT and RELAYDESK_SMTP_TLS_KEY to offer STARTTLS</span>],
                      ]
                }
              />
            </Card>
          )}
          {/* Any kind takes an upload: a mail saved from a mail client, or one to run through again. */}
          <Card title="Upload messages">
            <UploadEml
              mailboxId={id}
              onUploaded={() => {
                setTick((t) => t + 1);
                mailbox.reload();
              }}
            />
          </Card>
        </div>
        <aside className="detail-side">
          <Card title="Health" actions={<button type="button" className="btn btn-small" onClick={mailbox.reload}>Refresh</button>}>
            <Facts
              items={[
                ['State', <HealthBadge mailbox={m} />],
                ['Last message', m.health.lastMessageAt ? <span title={formatDateTime(m.health.lastMessageAt)}>{formatAgo(m.health.lastMessageAt)}</span> : 'never'],
                ['Last error', m.health.lastError ? <span className="text-danger">{m.health.lastError}</span> : <span className="muted">none</span>],
                ['Upload API', <code className="break">POST /api/mailboxes/{m.id}/messages</code>],
              ]}
            />
          </Card>
        </aside>
      </div>
      <Trace mailboxId={id} tick={tick} />
    </>
  );
}
