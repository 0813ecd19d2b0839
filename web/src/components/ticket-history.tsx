import type { ReactNode } from 'react';
import { formatAgo, formatDateTime, PRIORITY_LABEL, STATUS_LABEL } from '../format.ts';
import type { TicketAction, TicketStatus } from '../types.ts';
import { AssetName, CustomerName, SiteName, TicketTypeName } from './names.tsx';

type Change = { from: unknown; to: unknown };

const KIND: Record<string, { label: string; tone: string }> = {
  note: { label: 'Note', tone: 'note' },
  email: { label: 'E-mail', tone: 'email' },
  status_change: { label: 'Status', tone: 'status' },
  field_change: { label: 'Changed', tone: 'status' },
  system: { label: 'System', tone: 'system' },
  alert_occurrence: { label: 'Alert occurrence', tone: 'alert' },
  alert_details: { label: 'Alert details', tone: 'alert' },
  alert_event: { label: 'Datto RMM', tone: 'system' },
  alert_storm: { label: 'Alert storm', tone: 'alert' },
  alert_resolved: { label: 'Datto RMM', tone: 'ok' },
  alert_resolve_failed: { label: 'Datto RMM', tone: 'danger' },
};

function kindOf(a: TicketAction) {
  if (KIND[a.kind]) return KIND[a.kind]!;
  if (a.kind.includes('fail')) return { label: a.kind, tone: 'danger' };
  if (a.kind.includes('alert')) return { label: 'Alert', tone: 'alert' };
  return { label: a.kind.replace(/[._]/g, ' '), tone: 'system' };
}

const FIELD_LABEL: Record<string, string> = {
  summary: 'Summary',
  details: 'Details',
  priority: 'Priority',
  ticketTypeId: 'Type',
  customerId: 'Customer',
  siteId: 'Site',
  assetId: 'Asset',
};

function value(field: string, v: unknown): ReactNode {
  if (v === null || v === undefined || v === '') return <span className="muted">none</span>;
  const id = typeof v === 'number' ? v : null;
  switch (field) {
    case 'priority':
      return PRIORITY_LABEL[Number(v)] ?? String(v);
    case 'ticketTypeId':
      return <TicketTypeName id={id} />;
    case 'customerId':
      return <CustomerName id={id} />;
    case 'siteId':
      return <SiteName id={id} />;
    case 'assetId':
      return <AssetName id={id} />;
    case 'details':
      return <span className="muted">(edited)</span>;
    default:
      return String(v);
  }
}

function FieldChanges({ data, fallback }: { data: unknown; fallback: string }) {
  if (!data || typeof data !== 'object') return <>{fallback}</>;
  const entries = Object.entries(data as Record<string, Change>).filter(([, c]) => c && typeof c === 'object' && 'to' in c);
  if (!entries.length) return <>{fallback}</>;
  return (
    <ul className="change-list">
      {entries.map(([field, c]) => (
        <li key={field}>
          <span className="change-field">{FIELD_LABEL[field] ?? field}</span> {value(field, c.from)} <span aria-label="changed to">→</span> {value(field, c.to)}
        </li>
      ))}
    </ul>
  );
}

type EmailData = { from?: string | null; fromName?: string | null; subject?: string | null; to?: string[]; cc?: string[]; date?: string | null };

const sender = (d: EmailData) => (d.fromName ? `${d.fromName} <${d.from}>` : d.from);

function EmailHeader({ data }: { data: unknown }) {
  const d = data as EmailData | null;
  if (!d || (!d.from && !d.subject)) return null;
  const row = (label: string, value: ReactNode) => (
    <div>
      <span className="muted">{label}</span> {value}
    </div>
  );
  return (
    <div className="email-head">
      {d.from && row('From', sender(d))}
      {!!d.to?.length && row('To', d.to.join(', '))}
      {!!d.cc?.length && row('Cc', d.cc.join(', '))}
      {d.date && row('Date', formatDateTime(d.date))}
      {d.subject && row('Subject', <strong>{d.subject}</strong>)}
    </div>
  );
}

function StatusChange({ data, fallback }: { data: unknown; fallback: string }) {
  const d = data as { from?: string; to?: string; origin?: string | null } | null;
  if (!d?.to) return <>{fallback}</>;
  const label = (s?: string) => (s ? STATUS_LABEL[s as TicketStatus] ?? s : '—');
  return (
    <>
      {label(d.from)} <span aria-label="changed to">→</span> <strong>{label(d.to)}</strong>
      {d.origin && <span className="muted"> (from {d.origin === 'datto-rmm' ? 'Datto RMM' : d.origin})</span>}
    </>
  );
}

export function HistoryItem({ action }: { action: TicketAction }) {
  const kind = kindOf(action);
  const mail = action.kind === 'email' ? (action.data as EmailData | null) : null;
  // An e-mail is the sender's words, whoever filed it.
  const who = (mail?.from && (mail.fromName || mail.from)) || action.agentName || (action.agentId ? `Agent ${action.agentId}` : 'Relaydesk');
  let body: ReactNode;
  if (action.kind === 'status_change') body = <StatusChange data={action.data} fallback={action.body} />;
  else if (action.kind === 'field_change') body = <FieldChanges data={action.data} fallback={action.body} />;
  else if (action.kind === 'email') {
    body = (
      <>
        <EmailHeader data={action.data} />
        <div className="history-text">{action.body}</div>
      </>
    );
  } else body = <div className="history-text">{action.body}</div>;
  return (
    <li className={`history-item history-${kind.tone}`}>
      <div className="history-meta">
        <span className={`history-kind kind-${kind.tone}`}>{kind.label}</span>
        <span className="history-who">{who}</span>
        <time dateTime={action.createdAt} title={formatDateTime(action.createdAt)} className="muted">
          {formatAgo(action.createdAt)}
        </time>
      </div>
      <div className="history-body">{body}</div>
    </li>
  );
}
