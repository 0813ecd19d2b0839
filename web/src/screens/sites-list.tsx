import { useEffect, useState } from 'react';
import { Badge } from '../components/badges.tsx';
import { CustomerName } from '../components/names.tsx';
import { PageHeader, useTitle } from '../components/page.tsx';
import { CustomerSelect } from '../components/pickers.tsx';
import { Empty, ErrorBox, Loading } from '../components/states.tsx';
import { usePaged } from '../hooks/use-paged.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import type { Site } from '../types.ts';

export function SitesList() {
  useTitle('Sites');
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const customerId = Number(query.get('customerId')) || null;
  const [text, setText] = useState(q);
  useEffect(() => {
    if (text === q) return;
    const t = window.setTimeout(() => setQuery({ q: text.trim() || null }), 300);
    return () => window.clearTimeout(t);
  }, [text, q]);
  const list = usePaged<Site>('/api/sites', { q: q || undefined, customerId: customerId ?? undefined });

  return (
    <>
      <PageHeader title="Sites" />
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="filter filter-grow">
          <label htmlFor="site-q">Search</label>
          <input id="site-q" type="search" placeholder="Site name" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="filter">
          <label htmlFor="site-customer">Customer</label>
          <CustomerSelect id="site-customer" noneLabel="Any customer" value={customerId} onChange={(v) => setQuery({ customerId: v })} />
        </div>
      </form>
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} title="Could not load sites" />}
      {list.loading && list.items.length === 0 && <Loading label="Loading sites…" />}
      {!list.loading && !list.error && list.items.length === 0 && (
        <Empty title={q || customerId ? 'No sites match' : 'No sites yet'}>Sites are added on a customer's page, or imported from Datto RMM.</Empty>
      )}
      {list.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Customer</th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/sites/${s.id}`} className="row-link">
                      {s.name}
                    </Link>
                  </td>
                  <td>{s.customerName ? <Link to={`/customers/${s.customerId}`}>{s.customerName}</Link> : <CustomerName id={s.customerId} />}</td>
                  <td>{s.isMainSite ? <Badge tone="green">Main site</Badge> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasMore && (
        <div className="list-footer">
          <span className="muted">Showing {list.items.length}</span>
          <button type="button" className="btn" onClick={list.loadMore} disabled={list.loadingMore}>
            {list.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </>
  );
}
