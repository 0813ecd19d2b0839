import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { LoadMoreButton, PagedTable } from '../components/paged-table.tsx';
import { Empty } from '../components/states.tsx';
import { AssetName, CustomerName, SiteName, TicketTypeName } from '../components/names.tsx';
import { formatDateTime, PRIORITY_LABEL, STATUS_LABEL } from '../format.ts';
import { usePaged } from '../hooks/use-paged.ts';
import { Link } from '../router.tsx';
import type { AuditEntry, TicketStatus } from '../types.ts';

const entityLink = (e: AuditEntry) => {
  if (!e.entityId) return null;
  const base: Record<string, string> = { ticket: '/tickets', customer: '/customers', site: '/sites', asset: '/assets' };
  return base[e.entity] ? `${base[e.entity]}/${e.entityId}` : null;
};

const ENTITY_LABEL: Record<string, string> = {
  ticket: 'Ticket',
  ticket_type: 'Ticket type',
  customer: 'Customer',
  site: 'Site',
  asset: 'Asset',
  agent: 'Agent',
  mailbox: 'Mailbox',
  email_rule: 'Email rule',
  integration: 'Integration',
  datto_maintenance_window: 'Maintenance window',
  datto_site_link: 'Datto RMM site link',
};

const VERB: Record<string, string> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  close: 'closed',
  reorder: 'reordered',
  sync: 'sync started',
  link: 'linked',
  unlink: 'unlinked',
  webhook_token_rotated: 'webhook token replaced',
};

const FIELD_LABEL: Record<string, string> = {
  status: 'status',
  priority: 'priority',
  ticketTypeId: 'type',
  customerId: 'customer',
  siteId: 'site',
  assetId: 'asset',
  mainSiteId: 'main site',
  ids: 'order',
  jobId: 'job',
};

/** "mainSiteName" → "main site name", for fields without a label of their own. */
const words = (key: string) => key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const entityLabel = (entity: string) => ENTITY_LABEL[entity] ?? sentence(words(entity));

/** "ticket.update" → "Ticket updated". */
function actionLabel(e: AuditEntry): string {
  const dot = e.action.indexOf('.');
  const verb = dot < 0 ? e.action : e.action.slice(dot + 1);
  return `${entityLabel(dot < 0 ? e.entity : e.action.slice(0, dot))} ${VERB[verb] ?? words(verb)}`;
}

const hidden = (key: string) => /secret|password|token/i.test(key);

function visibleChanges(changes: unknown): Array<[string, unknown]> {
  if (!changes || typeof changes !== 'object' || Array.isArray(changes)) return [];
  return Object.entries(changes as Record<string, unknown>).filter(([k, v]) => !hidden(k) && v !== undefined);
}

/** The changes as recorded, for the tooltip. */
const rawChanges = (changes: unknown) => {
  const entries = visibleChanges(changes);
  return entries.length ? JSON.stringify(Object.fromEntries(entries)) : '';
};

const isChange = (v: unknown): v is { from?: unknown; to: unknown } => !!v && typeof v === 'object' && !Array.isArray(v) && 'to' in v;

/** A recorded value in the words the rest of the app uses for it. */
function Value({ field, value }: { field: string; value: unknown }) {
  if (value === null || value === undefined || value === '') return <>none</>;
  const id = typeof value === 'number' ? value : null;
  switch (field) {
    case 'status':
      return <>{STATUS_LABEL[value as TicketStatus] ?? String(value)}</>;
    case 'priority':
      return <>{PRIORITY_LABEL[Number(value)] ?? String(value)}</>;
    case 'ticketTypeId':
      return <TicketTypeName id={id} />;
    case 'customerId':
      return <CustomerName id={id} link={false} />;
    case 'siteId':
    case 'mainSiteId':
      return <SiteName id={id} link={false} />;
    case 'assetId':
      return <AssetName id={id} link={false} />;
  }
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (Array.isArray(value)) return <>{value.map((v) => (typeof v === 'number' ? `#${v}` : typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')}</>;
  if (typeof value === 'object') {
    const parts = visibleChanges(value).map(([k, v]) => `${words(k)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
    return <>{parts.join(', ') || 'none'}</>;
  }
  return <>{String(value)}</>;
}

/** "status New → In progress, priority High → Critical". */
function Changes({ changes }: { changes: unknown }) {
  const entries = visibleChanges(changes);
  return (
    <>
      {entries.map(([k, v], i) => (
        <span key={k}>
          {i > 0 && ', '}
          {FIELD_LABEL[k] ?? words(k)}{' '}
          {isChange(v) ? (
            <>
              {'from' in v && (
                <>
                  <Value field={k} value={v.from} /> →{' '}
                </>
              )}
              <Value field={k} value={v.to} />
            </>
          ) : (
            <Value field={k} value={v} />
          )}
        </span>
      ))}
    </>
  );
}

export function AuditLog() {
  useTitle('Audit log');
  const list = usePaged<AuditEntry>('/api/audit-log', {}, 100);
  return (
    <>
      <PageHeader title="Audit log" />
      <p className="page-intro muted">Who changed which setting or ticket, and when. Newest first.</p>
      <Card>
        <PagedTable
          list={list}
          empty={<Empty title="Nothing recorded yet" />}
          className="table table-compact"
          head={
            <>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Record</th>
              <th scope="col" className="col-optional">Changes</th>
            </>
          }
          row={(e) => {
            const to = entityLink(e);
            const record = `${entityLabel(e.entity)}${e.entityId ? ` ${/^\d+$/.test(e.entityId) ? '#' : ''}${e.entityId}` : ''}`;
            return (
              <tr key={e.id}>
                <td className="nowrap">{formatDateTime(e.createdAt)}</td>
                <td>{e.agentName ?? <span className="muted">system</span>}</td>
                <td title={e.action}>{actionLabel(e)}</td>
                <td>{to ? <Link to={to}>{record}</Link> : record}</td>
                <td className="col-optional cell-clip" title={rawChanges(e.changes)}>
                  <Changes changes={e.changes} />
                </td>
              </tr>
            );
          }}
          footer={
            list.hasMore && (
              <div className="list-footer">
                <LoadMoreButton list={list} label="Load older entries" />
              </div>
            )
          }
        />
      </Card>
    </>
  );
}
