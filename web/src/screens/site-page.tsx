import { useState } from 'react';
import { api, type Page } from '../api.ts';
import { Badge, NoMainSiteFlag } from '../components/badges.tsx';
import { Field } from '../components/field.tsx';
import { invalidateCache, useCached } from '../components/names.tsx';
import { Card, Facts, PageHeader, useTitle } from '../components/page.tsx';
import { isMissing, RecordError } from '../components/record-error.tsx';
import { pageOf, PagedTable } from '../components/paged-table.tsx';
import { Empty, InlineError, Loading } from '../components/states.tsx';
import { CompactTicketRow } from '../components/ticket-row.tsx';
import { toast } from '../components/toasts.tsx';
import { formatAgo } from '../format.ts';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import { Link } from '../router.tsx';
import type { Asset, Customer, Site, Ticket } from '../types.ts';

export function SitePage({ id }: { id: number }) {
  const site = useApi<Site>(`/api/sites/${id}`);
  const s = site.data;
  const customer = useCached<Customer>(s ? `/api/customers/${s.customerId}` : null);
  const tickets = useApi<Page<Ticket>>(`/api/tickets?siteId=${id}&open=true&limit=20&sort=-updatedAt`);
  const assets = useApi<Page<Asset>>(`/api/assets?siteId=${id}&limit=100`);
  const [name, setName] = useState<string | null>(null);
  useTitle(s ? s.name : isMissing(site.error) ? `Site #${id} does not exist` : 'Site');

  const rename = useAction(async () => {
    const next = await api.patch<Site>(`/api/sites/${id}`, { name: (name ?? '').trim() });
    invalidateCache(`/api/sites/${id}`);
    site.setData(next);
    setName(null);
    toast('Site renamed');
  });
  const makeMain = useAction(async () => {
    await api.patch<Customer>(`/api/customers/${s!.customerId}`, { mainSiteId: id });
    invalidateCache('/api/');
    site.reload();
    toast('Main site set');
  });

  if (site.error) {
    return <RecordError error={site.error} onRetry={site.reload} name={`Site #${id}`} what="site" list={{ crumb: 'Sites', to: '/sites', label: 'site list' }} />;
  }
  if (!s) return <Loading label="Loading site…" />;

  return (
    <>
      <PageHeader
        title={s.name}
        crumbs={[
          { label: 'Customers', to: '/customers' },
          { label: customer?.name ?? s.customerName ?? `Customer ${s.customerId}`, to: `/customers/${s.customerId}` },
        ]}
        actions={
          <Link to={`/tickets/new?customerId=${s.customerId}&siteId=${s.id}`} className="btn btn-primary">
            New ticket
          </Link>
        }
      >
        <div className="header-meta">
          {s.isMainSite ? <Badge tone="green">Main site</Badge> : customer && !customer.hasMainSite && <NoMainSiteFlag />}
        </div>
      </PageHeader>
      <div className="detail-grid">
        <div className="detail-main">
          <Card title="Open tickets" actions={<Link to={`/tickets?siteId=${id}&customerId=${s.customerId}`}>All tickets</Link>}>
            <PagedTable list={pageOf(tickets)} empty={<Empty title="No open tickets at this site" />} className="table table-compact" wrap={false} row={(t) => <CompactTicketRow key={t.id} ticket={t} />} />
          </Card>
          <Card title={`Assets${assets.data ? ` (${assets.data.items.length}${assets.data.nextCursor ? '+' : ''})` : ''}`}>
            <PagedTable
              list={pageOf(assets)}
              empty={<Empty title="No assets at this site">Devices imported from Datto RMM appear here.</Empty>}
              className="table table-compact"
              wrap={false}
              head={
                <>
                  <th scope="col">Hostname</th>
                  <th scope="col">Type</th>
                  <th scope="col" className="col-optional">OS</th>
                  <th scope="col">Last seen</th>
                </>
              }
              row={(a) => (
                <tr key={a.id}>
                  <td><Link to={`/assets/${a.id}`}>{a.hostname}</Link></td>
                  <td>{a.type ?? '—'}</td>
                  <td className="col-optional">{a.os ?? '—'}</td>
                  <td className="nowrap">{formatAgo(a.lastSeenAt)}</td>
                </tr>
              )}
            />
          </Card>
        </div>
        <aside className="detail-side">
          <Card title="Site">
            <Facts
              items={[
                ['Customer', <Link to={`/customers/${s.customerId}`}>{customer?.name ?? s.customerName ?? `Customer ${s.customerId}`}</Link>],
                ['Main site', s.isMainSite ? 'Yes' : 'No'],
              ]}
            />
            {!s.isMainSite && (
              <div className="form-actions">
                <button type="button" className="btn" onClick={() => void makeMain.run()} disabled={makeMain.busy}>
                  Make this the main site
                </button>
              </div>
            )}
            <InlineError error={makeMain.error} />
            <form
              className="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                if (name?.trim()) void rename.run();
              }}
            >
              <Field label="Name">
                <input value={name ?? s.name} onChange={(e) => setName(e.target.value)} required />
              </Field>
              <div className="form-actions">
                <button type="submit" className="btn" disabled={name === null || name.trim() === s.name || rename.busy}>
                  Rename
                </button>
              </div>
              <InlineError error={rename.error} />
            </form>
          </Card>
        </aside>
      </div>
    </>
  );
}
