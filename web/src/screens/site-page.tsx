import { useState } from 'react';
import { api, ApiError, type Page } from '../api.ts';
import { Badge, NoMainSiteFlag, PriorityBadge, StatusBadge } from '../components/badges.tsx';
import { Field } from '../components/field.tsx';
import { invalidateCache, useCached } from '../components/names.tsx';
import { Card, Facts, PageHeader, useTitle } from '../components/page.tsx';
import { Empty, ErrorBox, InlineError, Loading } from '../components/states.tsx';
import { toast } from '../components/toasts.tsx';
import { formatAgo, formatShort } from '../format.ts';
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
  useTitle(s?.name ?? 'Site');

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
    return (
      <>
        <PageHeader title="Site" crumbs={[{ label: 'Sites', to: '/sites' }]} />
        <ErrorBox error={site.error} onRetry={site.reload} title={site.error instanceof ApiError && site.error.status === 404 ? 'This site does not exist' : 'Could not load the site'} />
      </>
    );
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
            {tickets.error && <ErrorBox error={tickets.error} onRetry={tickets.reload} />}
            {tickets.data && tickets.data.items.length === 0 && <Empty title="No open tickets at this site" />}
            {tickets.data && tickets.data.items.length > 0 && (
              <table className="table table-compact">
                <tbody>
                  {tickets.data.items.map((t) => (
                    <tr key={t.id}>
                      <td className="col-num">{t.number}</td>
                      <td><Link to={`/tickets/${t.id}`}>{t.summary}</Link></td>
                      <td><PriorityBadge priority={t.priority} /></td>
                      <td><StatusBadge status={t.status} /></td>
                      <td className="nowrap muted">{formatShort(t.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
          <Card title={`Assets${assets.data ? ` (${assets.data.items.length}${assets.data.nextCursor ? '+' : ''})` : ''}`}>
            {assets.error && <ErrorBox error={assets.error} onRetry={assets.reload} />}
            {assets.data && assets.data.items.length === 0 && <Empty title="No assets at this site">Devices imported from Datto RMM appear here.</Empty>}
            {assets.data && assets.data.items.length > 0 && (
              <table className="table table-compact">
                <thead>
                  <tr>
                    <th scope="col">Hostname</th>
                    <th scope="col">Type</th>
                    <th scope="col" className="col-optional">OS</th>
                    <th scope="col">Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {assets.data.items.map((a) => (
                    <tr key={a.id}>
                      <td><Link to={`/assets/${a.id}`}>{a.hostname}</Link></td>
                      <td>{a.type ?? '—'}</td>
                      <td className="col-optional">{a.os ?? '—'}</td>
                      <td className="nowrap">{formatAgo(a.lastSeenAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
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
