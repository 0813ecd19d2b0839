import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { LoadMoreButton, PagedTable } from '../components/paged-table.tsx';
import { Empty } from '../components/states.tsx';
import { formatDateTime } from '../format.ts';
import { usePaged } from '../hooks/use-paged.ts';
import { Link } from '../router.tsx';
import type { AuditEntry } from '../types.ts';

const entityLink = (e: AuditEntry) => {
  if (!e.entityId) return null;
  const base: Record<string, string> = { ticket: '/tickets', customer: '/customers', site: '/sites', asset: '/assets' };
  return base[e.entity] ? `${base[e.entity]}/${e.entityId}` : null;
};

function summarize(changes: unknown): string {
  if (!changes || typeof changes !== 'object') return '';
  return Object.entries(changes as Record<string, unknown>)
    .filter(([k]) => !/secret|password|token/i.test(k))
    .map(([k, v]) => {
      if (v && typeof v === 'object' && 'to' in (v as object)) return `${k} → ${JSON.stringify((v as { to: unknown }).to)}`;
      return `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
    })
    .join(', ');
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
            return (
              <tr key={e.id}>
                <td className="nowrap">{formatDateTime(e.createdAt)}</td>
                <td>{e.agentName ?? <span className="muted">system</span>}</td>
                <td><code>{e.action}</code></td>
                <td>{to ? <Link to={to}>{`${e.entity} ${e.entityId}`}</Link> : `${e.entity}${e.entityId ? ` ${e.entityId}` : ''}`}</td>
                <td className="col-optional cell-clip" title={summarize(e.changes)}>{summarize(e.changes)}</td>
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
