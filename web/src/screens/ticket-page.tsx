import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { api } from '../api.ts';
import { Badge, PriorityBadge, StatusBadge } from '../components/badges.tsx';
import { DattoAlertPanel, DeviceLinks, loadAlertsForTicket, RetryResolveButton } from '../components/datto-alert-panel.tsx';
import { Field } from '../components/field.tsx';
import { CustomerName, invalidateCache, SiteName, useCached } from '../components/names.tsx';
import { Card, Facts, PageHeader, useTitle } from '../components/page.tsx';
import { AssetSelect, CustomerSelect, PrioritySelect, SiteSelect, TicketTypeSelect } from '../components/pickers.tsx';
import { ListStates, LoadMoreButton } from '../components/paged-table.tsx';
import { isMissing, RecordError } from '../components/record-error.tsx';
import { Callout, Empty, ErrorBox, InlineError, Loading } from '../components/states.tsx';
import { HistoryItem } from '../components/ticket-history.tsx';
import { toast } from '../components/toasts.tsx';
import type { DattoAlert } from '../datto-types.ts';
import { formatAgo, formatDateTime, SOURCE_LABEL, STATUS_LABEL, STATUSES } from '../format.ts';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import { usePaged } from '../hooks/use-paged.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import type { Asset, Customer, Ticket, TicketAction, TicketStatus } from '../types.ts';

type Attachment = { id: number; ticketId: number; inboundMessageId: number | null; filename: string; contentType: string; size: number; createdAt: string };

const formatSize = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB` : `${(n / 1048576).toFixed(1)} MB`);

// What is typed in a ticket's note box or closing note is kept for the tab (sessionStorage) until it
// is sent or cancelled, so it outlives a reload and a trip through sign-in when the session ends. It
// is kept per agent: another agent signing in on the same tab does not find it.
type DraftKind = 'note' | 'close';
const draftKey = (kind: DraftKind, id: number, agentId: number) => `relaydesk.${kind}-draft.${agentId}.${id}`;

function readDraft(key: string): string {
  try {
    return sessionStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

function writeDraft(key: string, text: string) {
  try {
    if (text) sessionStorage.setItem(key, text);
    else sessionStorage.removeItem(key);
  } catch {
    // Storage refused (full, or off in this browser): the text stays on screen only.
  }
}

function useDraft(kind: DraftKind, id: number) {
  const key = draftKey(kind, id, useSession().me.id);
  const [text, setText] = useState(() => readDraft(key));
  useEffect(() => writeDraft(key, text), [key, text]);
  /** Empties the box and forgets the draft, also when the form is about to go away. */
  const clear = () => {
    writeDraft(key, '');
    setText('');
  };
  return [text, setText, clear] as const;
}

function NoteForm({ ticketId, onAdded }: { ticketId: number; onAdded(): void }) {
  const [text, setText, clear] = useDraft('note', ticketId);
  const add = useAction(async () => {
    await api.post<TicketAction>(`/api/tickets/${ticketId}/actions`, { body: text.trim() });
    clear();
    toast('Note added');
    onAdded();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) void add.run();
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e);
  };
  return (
    <form className="note-form" onSubmit={submit}>
      <Field label="Add a note" hint="Ctrl+Enter adds the note. Notes are internal; customers do not see them.">
        <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKey} placeholder="What was done, what is next…" />
      </Field>
      <InlineError error={add.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={add.busy || !text.trim()}>
          {add.busy ? 'Adding…' : 'Add note'}
        </button>
      </div>
    </form>
  );
}

type Props = { status: TicketStatus; priority: number; ticketTypeId: number; customerId: number | null; siteId: number | null; assetId: number | null };
const propsOf = (t: Ticket): Props => ({
  status: t.status, priority: t.priority, ticketTypeId: t.ticketTypeId, customerId: t.customerId, siteId: t.siteId, assetId: t.assetId,
});

function PropertiesForm({ ticket, onSaved }: { ticket: Ticket; onSaved(t: Ticket): void }) {
  const [form, setForm] = useState<Props>(() => propsOf(ticket));
  useEffect(() => setForm(propsOf(ticket)), [ticket]);
  const base = propsOf(ticket);
  const changed = (Object.keys(form) as Array<keyof Props>).filter((k) => form[k] !== base[k]);
  const save = useAction(async () => {
    const patch = Object.fromEntries(changed.map((k) => [k, form[k]]));
    const t = await api.patch<Ticket>(`/api/tickets/${ticket.id}`, patch);
    toast(t.status === 'closed' && ticket.status !== 'closed' ? 'Ticket closed' : 'Ticket updated');
    onSaved(t);
  });
  const set = <K extends keyof Props>(k: K, v: Props[K]) => setForm((f) => ({ ...f, [k]: v }));
  const customer = useCached<Customer>(form.customerId ? `/api/customers/${form.customerId}` : null);

  return (
    <form
      className="props-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (changed.length) void save.run();
      }}
    >
      <Field label="Status">
        <select value={form.status} onChange={(e) => set('status', e.target.value as TicketStatus)}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Priority">
        <PrioritySelect value={form.priority} onChange={(v) => v && set('priority', v)} />
      </Field>
      <Field label="Type">
        <TicketTypeSelect value={form.ticketTypeId} onChange={(v) => v && set('ticketTypeId', v)} />
      </Field>
      <Field label="Customer">
        <CustomerSelect value={form.customerId} onChange={(v) => setForm((f) => ({ ...f, customerId: v, siteId: null, assetId: null }))} />
      </Field>
      {customer && !customer.hasMainSite && (
        <div className="callout callout-warn small">
          {customer.name} has no main site. <Link to={`/customers/${customer.id}`}>Set one</Link> so alerts and imports can place tickets.
        </div>
      )}
      <Field label="Site">
        <SiteSelect customerId={form.customerId} value={form.siteId} onChange={(v) => set('siteId', v)} disabled={!form.customerId} noneLabel={form.customerId ? '— None —' : 'Pick a customer first'} />
      </Field>
      <Field label="Asset">
        <AssetSelect customerId={form.customerId} siteId={form.siteId} value={form.assetId} onChange={(v) => set('assetId', v)} />
      </Field>
      <InlineError error={save.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!changed.length || save.busy}>
          {save.busy ? 'Saving…' : 'Save changes'}
        </button>
        {changed.length > 0 && (
          <button type="button" className="btn" onClick={() => setForm(base)}>
            Discard
          </button>
        )}
      </div>
    </form>
  );
}

function CloseForm({ ticket, onClosed, onCancel }: { ticket: Ticket; onClosed(t: Ticket): void; onCancel(): void }) {
  const [note, setNote, clear] = useDraft('close', ticket.id);
  const close = useAction(async () => {
    const t = await api.post<Ticket>(`/api/tickets/${ticket.id}/close`, note.trim() ? { note: note.trim() } : {});
    clear();
    toast(`Ticket #${ticket.number} closed`);
    onClosed(t);
  });
  return (
    <form
      className="card close-form"
      onSubmit={(e) => {
        e.preventDefault();
        void close.run();
      }}
    >
      <Field label="Closing note (optional)" hint="Saved in the history. A linked Datto RMM alert is resolved in Datto when the ticket closes.">
        <textarea rows={2} value={note} autoFocus onChange={(e) => setNote(e.target.value)} />
      </Field>
      <InlineError error={close.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-danger" disabled={close.busy}>
          {close.busy ? 'Closing…' : 'Close ticket'}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            clear();
            onCancel();
          }}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}

function AssetPanel({ assetId: ticketAssetId, alert }: { assetId: number | null; alert: DattoAlert | null }) {
  const assetId = ticketAssetId ?? alert?.device?.assetId ?? null;
  const asset = useApi<Asset>(assetId ? `/api/assets/${assetId}` : null);
  if (!assetId && !alert?.deviceUid) return null;
  const a = asset.data;
  return (
    <Card title="Device">
      {asset.loading && <Loading />}
      {asset.error && <ErrorBox error={asset.error} onRetry={asset.reload} title="Could not load the asset" />}
      {!assetId && alert?.deviceUid && (
        <p className="muted small">
          Datto device <code>{alert.device?.name ?? alert.deviceName ?? alert.deviceUid}</code> is not linked to an asset yet. Import devices under Configuration &gt; Integrations &gt; Datto RMM.
        </p>
      )}
      {a && (
        <Facts
          items={[
            ['Hostname', <Link to={`/assets/${a.id}`}>{a.hostname}</Link>],
            ['Status', a.online === null ? '—' : <Badge tone={a.online ? 'green' : 'gray'}>{a.online ? 'Online' : 'Offline'}</Badge>],
            ['Type', a.type],
            ['OS', a.os],
            ['Internal IP', a.intIp],
            ['External IP', a.extIp],
            ['Last user', a.lastUser],
            ['Last seen', a.lastSeenAt ? <span title={formatDateTime(a.lastSeenAt)}>{formatAgo(a.lastSeenAt)}</span> : '—'],
          ]}
        />
      )}
      <DeviceLinks asset={a} alert={alert} />
    </Card>
  );
}

function Attachments({ ticketId }: { ticketId: number }) {
  const [items, setItems] = useState<Attachment[] | null>(null);
  useEffect(() => {
    let live = true;
    // Every page (200 a page): a ticket's attachments are listed in full.
    const load = async () => {
      const all: Attachment[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Attachment[]; nextCursor: string | null } = await api.get(
          `/api/tickets/${ticketId}/attachments?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && live);
      return all;
    };
    load().then(
      (list) => live && setItems(list),
      () => live && setItems([]),
    );
    return () => {
      live = false;
    };
  }, [ticketId]);
  if (!items?.length) return null;
  return (
    <Card title={`Attachments (${items.length})`}>
      <ul className="plain-list">
        {items.map((a) => (
          <li key={a.id}>
            <a href={`/api/attachments/${a.id}`} download={a.filename}>
              {a.filename}
            </a>
            <span className="muted small">
              {' '}
              {a.contentType} · {formatSize(a.size)}
            </span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

export function TicketPage({ id }: { id: number }) {
  const ticket = useApi<Ticket>(`/api/tickets/${id}`);
  // The history and the alerts are read once the ticket is known to exist.
  const found = ticket.data !== undefined;
  const history = usePaged<TicketAction>(found ? `/api/tickets/${id}/actions` : null, {}, 100);
  const [alerts, setAlerts] = useState<DattoAlert[]>([]);
  const [alertError, setAlertError] = useState<unknown>(null);
  // A closing note left unsent (the session ended as it was sent) opens the close form again.
  const me = useSession().me;
  const [closing, setClosing] = useState(() => readDraft(draftKey('close', id, me.id)) !== '');
  const [tick, setTick] = useState(0);
  const t = ticket.data;
  useTitle(t ? `#${t.number} ${t.summary}` : isMissing(ticket.error) ? `Ticket #${id} does not exist` : 'Ticket');

  useEffect(() => {
    if (!found) return;
    let live = true;
    loadAlertsForTicket(id).then(
      (a) => live && (setAlerts(a), setAlertError(null)),
      (err) => live && setAlertError(err),
    );
    return () => {
      live = false;
    };
  }, [id, tick, found]);

  // While Datto RMM is being asked to resolve an alert, its state is read again every 2 s. Whenever an
  // alert's resolve state changes (settled, or failed before it was ever seen pending), the ticket and
  // its history are read again to show the outcome.
  const pending = alerts.some((a) => a.resolveState === 'pending');
  const resolveStates = alerts.map((a) => `${a.alertUid}:${a.resolveState}`).join(',');
  const seenStates = useRef<string | null>(null);
  useEffect(() => {
    if (seenStates.current !== null && seenStates.current !== resolveStates) {
      ticket.reload();
      history.reload();
    }
    seenStates.current = resolveStates;
    if (!pending) return;
    const timer = window.setTimeout(() => setTick((n) => n + 1), 2000);
    return () => window.clearTimeout(timer);
    // ticket and history are new objects each render; the alerts' state is what this follows.
  }, [alerts]);

  const refresh = () => {
    ticket.reload();
    history.reload();
    setTick((n) => n + 1);
  };
  const updated = (next: Ticket) => {
    invalidateCache(`/api/tickets/${id}`);
    ticket.setData(next);
    history.reload();
    setTick((n) => n + 1);
  };
  const reopen = useAction(async () => updated(await api.patch<Ticket>(`/api/tickets/${id}`, { status: 'in_progress' })));

  if (ticket.error) {
    return <RecordError error={ticket.error} onRetry={ticket.reload} name={`Ticket #${id}`} what="ticket" list={{ crumb: 'Tickets', to: '/tickets', label: 'ticket list' }} />;
  }
  if (!t) return <Loading label="Loading ticket…" />;
  const alert = alerts[0] ?? null;
  const failedAlerts = alerts.filter((x) => x.resolveState === 'failed');

  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Tickets', to: '/tickets' }]}
        title={
          <>
            <span className="ticket-number">#{t.number}</span> {t.summary}
          </>
        }
        actions={
          t.status === 'closed' ? (
            <button type="button" className="btn" onClick={() => void reopen.run()} disabled={reopen.busy}>
              Reopen
            </button>
          ) : (
            !closing && (
              <button type="button" className="btn btn-danger" onClick={() => setClosing(true)}>
                Close ticket
              </button>
            )
          )
        }
      >
        <div className="header-meta">
          <StatusBadge status={t.status} />
          <PriorityBadge priority={t.priority} />
          <span className="muted">
            <CustomerName id={t.customerId} />
            {t.siteId && (
              <>
                {' · '}
                <SiteName id={t.siteId} />
              </>
            )}
          </span>
          <span className="muted">
            {SOURCE_LABEL[t.source] ?? t.source} · opened <time dateTime={t.openedAt} title={formatDateTime(t.openedAt)}>{formatAgo(t.openedAt)}</time>
            {t.closedAt && (
              <>
                {' · closed '}
                <time dateTime={t.closedAt} title={formatDateTime(t.closedAt)}>{formatAgo(t.closedAt)}</time>
              </>
            )}
          </span>
          {alert && (
            <Badge tone="purple">
              Datto alert{alerts.length > 1 ? `s × ${alerts.length}` : ` · ${alert.occurrences} ${alert.occurrences === 1 ? 'occurrence' : 'occurrences'}`}
            </Badge>
          )}
        </div>
      </PageHeader>
      <InlineError error={reopen.error} />
      {closing && t.status !== 'closed' && (
        <CloseForm
          ticket={t}
          onCancel={() => setClosing(false)}
          onClosed={(next) => {
            setClosing(false);
            updated(next);
          }}
        />
      )}
      {failedAlerts.map((f) => (
        <Callout key={f.alertUid} tone="danger" title="The alert was not resolved in Datto RMM.">
          {f.lastError ?? 'No reason was recorded.'} If the credentials were the problem, fix them under Configuration &gt; Integrations &gt; Datto RMM first.{' '}
          <RetryResolveButton alertUid={f.alertUid} onDone={refresh} />
        </Callout>
      ))}

      <div className="detail-grid">
        <div className="detail-main">
          <Card title="Details">
            {t.details ? <div className="pre-text">{t.details}</div> : <p className="muted">No details.</p>}
          </Card>
          <Attachments ticketId={id} />
          <Card
            title="History"
            actions={
              <button type="button" className="btn btn-small" onClick={history.reload} disabled={history.loading}>
                Refresh
              </button>
            }
          >
            <ListStates list={history} errorTitle="Could not load the history" loadingLabel="Loading history…" empty={<Empty title="No history yet" />} />
            <ol className="history" aria-label="Ticket history">
              {history.items.map((a) => (
                <HistoryItem key={a.id} action={a} />
              ))}
            </ol>
            {history.hasMore && <LoadMoreButton list={history} label="Show later entries" busyLabel="Loading…" />}
            <NoteForm ticketId={id} onAdded={history.reload} />
          </Card>
        </div>
        <aside className="detail-side">
          {alertError ? <ErrorBox error={alertError} title="Could not load the Datto RMM alert" onRetry={() => setTick((n) => n + 1)} /> : null}
          {alerts.slice(0, 3).map((a) => (
            <DattoAlertPanel key={a.alertUid} alert={a} />
          ))}
          {alerts.length > 3 && (
            <p className="muted small">
              {alerts.length - 3} more alerts belong to this ticket; see Configuration &gt; Integrations &gt; Datto RMM &gt; Alerts.
            </p>
          )}
          <Card title="Properties">
            <PropertiesForm ticket={t} onSaved={updated} />
          </Card>
          <AssetPanel assetId={t.assetId} alert={alert} />
        </aside>
      </div>
    </>
  );
}
