import { Badge } from '../components/badges.tsx';
import { Checkbox } from '../components/field.tsx';
import { CustomerName, SiteName } from '../components/names.tsx';
import { PageHeader, useTitle } from '../components/page.tsx';
import { CustomerSelect, SiteSelect } from '../components/pickers.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { Empty } from '../components/states.tsx';
import { formatAgo, formatDateTime } from '../format.ts';
import { usePaged } from '../hooks/use-paged.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import type { Asset } from '../types.ts';
import { useSearchText } from '../hooks/use-search-text.ts';

export function AssetsList() {
  useTitle('Assets');
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const customerId = Number(query.get('customerId')) || null;
  const siteId = Number(query.get('siteId')) || null;
  const retired = query.get('includeRetired') === 'true';
  const [text, setText] = useSearchText(q);
  const list = usePaged<Asset>('/api/assets', { q: q || undefined, customerId: customerId ?? undefined, siteId: siteId ?? undefined, includeRetired: retired ? 'true' : undefined });

  return (
    <>
      <PageHeader title="Assets" />
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="filter filter-grow">
          <label htmlFor="asset-q">Search</label>
          <input id="asset-q" type="search" placeholder="Hostname, IP, user" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="filter">
          <label htmlFor="asset-customer">Customer</label>
          <CustomerSelect id="asset-customer" noneLabel="Any customer" value={customerId} onChange={(v) => setQuery({ customerId: v, siteId: null })} />
        </div>
        <div className="filter">
          <label htmlFor="asset-site">Site</label>
          <SiteSelect id="asset-site" noneLabel="Any site" customerId={customerId} value={siteId} onChange={(v) => setQuery({ siteId: v })} />
        </div>
        <div className="filter filter-check">
          <Checkbox label="Include retired" checked={retired} onChange={(v) => setQuery({ includeRetired: v ? 'true' : null })} />
        </div>
      </form>
      <PagedTable
        list={list}
        errorTitle="Could not load assets"
        loadingLabel="Loading assets…"
        empty={
          <Empty title={q || customerId || siteId ? 'No assets match' : 'No assets yet'}>
            Assets are the devices imported from Datto RMM. Turn on asset import under Configuration &gt; Integrations &gt; Datto RMM.
          </Empty>
        }
        head={
          <>
            <th scope="col">Hostname</th>
            <th scope="col">Customer</th>
            <th scope="col" className="col-optional">Site</th>
            <th scope="col" className="col-optional">Type</th>
            <th scope="col" className="col-optional">OS</th>
            <th scope="col" className="col-optional">IP</th>
            <th scope="col">Last seen</th>
          </>
        }
        row={(a) => (
          <tr key={a.id} className={a.retiredAt ? 'row-muted' : ''}>
            <td>
              <span className={`status-dot ${a.online ? 'on' : a.online === false ? 'off' : ''}`} aria-label={a.online ? 'online' : a.online === false ? 'offline' : 'unknown'} />
              <Link to={`/assets/${a.id}`} className="row-link">
                {a.hostname}
              </Link>
              {a.retiredAt && <Badge tone="gray">Retired</Badge>}
            </td>
            <td><CustomerName id={a.customerId} /></td>
            <td className="col-optional"><SiteName id={a.siteId} /></td>
            <td className="col-optional">{a.type ?? '—'}</td>
            <td className="col-optional">{a.os ?? '—'}</td>
            <td className="col-optional mono">{a.intIp ?? '—'}</td>
            <td className="nowrap" title={formatDateTime(a.lastSeenAt)}>{formatAgo(a.lastSeenAt)}</td>
          </tr>
        )}
      />
    </>
  );
}
