import { Badge } from '../components/badges.tsx';
import { CustomerName } from '../components/names.tsx';
import { PageHeader, useTitle } from '../components/page.tsx';
import { CustomerSelect } from '../components/pickers.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { Empty } from '../components/states.tsx';
import { usePaged } from '../hooks/use-paged.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import type { Site } from '../types.ts';
import { useSearchText } from '../hooks/use-search-text.ts';

export function SitesList() {
  useTitle('Sites');
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const customerId = Number(query.get('customerId')) || null;
  const [text, setText] = useSearchText(q);
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
      <PagedTable
        list={list}
        errorTitle="Could not load sites"
        loadingLabel="Loading sites…"
        empty={<Empty title={q || customerId ? 'No sites match' : 'No sites yet'}>Sites are added on a customer's page, or imported from Datto RMM.</Empty>}
        head={
          <>
            <th scope="col">Site</th>
            <th scope="col">Customer</th>
            <th scope="col">Role</th>
          </>
        }
        row={(s) => (
          <tr key={s.id}>
            <td>
              <Link to={`/sites/${s.id}`} className="row-link">
                {s.name}
              </Link>
            </td>
            <td>{s.customerName ? <Link to={`/customers/${s.customerId}`}>{s.customerName}</Link> : <CustomerName id={s.customerId} />}</td>
            <td>{s.isMainSite ? <Badge tone="green">Main site</Badge> : <span className="muted">—</span>}</td>
          </tr>
        )}
      />
    </>
  );
}
