import type { Page } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { DeviceLinks } from '../components/datto-alert-panel.tsx';
import { CustomerName, SiteName } from '../components/names.tsx';
import { Card, Facts, PageHeader, useTitle } from '../components/page.tsx';
import { isMissing, RecordError } from '../components/record-error.tsx';
import { pageOf, PagedTable } from '../components/paged-table.tsx';
import { Empty, Loading } from '../components/states.tsx';
import { CompactTicketRow } from '../components/ticket-row.tsx';
import { formatAgo, formatDateTime, formatShort } from '../format.ts';
import { useApi } from '../hooks/use-api.ts';
import { Link } from '../router.tsx';
import type { Asset, Ticket } from '../types.ts';

export function AssetPage({ id }: { id: number }) {
  const asset = useApi<Asset>(`/api/assets/${id}`);
  const tickets = useApi<Page<Ticket>>(`/api/tickets?assetId=${id}&limit=20`);
  const a = asset.data;
  useTitle(a ? a.hostname : isMissing(asset.error) ? `Asset #${id} does not exist` : 'Asset');

  if (asset.error) {
    return <RecordError error={asset.error} onRetry={asset.reload} name={`Asset #${id}`} what="asset" list={{ crumb: 'Assets', to: '/assets', label: 'asset list' }} />;
  }
  if (!a) return <Loading label="Loading asset…" />;

  return (
    <>
      <PageHeader
        title={a.hostname}
        crumbs={[{ label: 'Assets', to: '/assets' }]}
        actions={
          <Link to={`/tickets/new?assetId=${a.id}${a.customerId ? `&customerId=${a.customerId}` : ''}${a.siteId ? `&siteId=${a.siteId}` : ''}`} className="btn btn-primary">
            New ticket
          </Link>
        }
      >
        <div className="header-meta">
          {a.online !== null && <Badge tone={a.online ? 'green' : 'gray'}>{a.online ? 'Online' : 'Offline'}</Badge>}
          {a.retiredAt && <Badge tone="gray">Retired {formatShort(a.retiredAt)}</Badge>}
          <DeviceLinks asset={a} />
        </div>
      </PageHeader>
      <div className="detail-grid">
        <div className="detail-main">
          <Card title="Tickets for this asset">
            <PagedTable list={pageOf(tickets)} empty={<Empty title="No tickets for this asset" />} className="table table-compact" wrap={false} row={(t) => <CompactTicketRow key={t.id} ticket={t} />} />
          </Card>
          {a.description && (
            <Card title="Description">
              <div className="pre-text">{a.description}</div>
            </Card>
          )}
        </div>
        <aside className="detail-side">
          <Card title="Device">
            <Facts
              items={[
                ['Customer', <CustomerName id={a.customerId} />],
                ['Site', <SiteName id={a.siteId} />],
                ['Type', a.type],
                ['OS', a.os],
                ['Internal IP', a.intIp ? <span className="mono">{a.intIp}</span> : null],
                ['External IP', a.extIp ? <span className="mono">{a.extIp}</span> : null],
                ['Last user', a.lastUser],
                ['Last seen', a.lastSeenAt ? <span title={formatDateTime(a.lastSeenAt)}>{formatAgo(a.lastSeenAt)}</span> : '—'],
                ['Added', formatDateTime(a.createdAt)],
              ]}
            />
          </Card>
        </aside>
      </div>
    </>
  );
}
