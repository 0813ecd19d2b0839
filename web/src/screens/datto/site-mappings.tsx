import { useEffect, useState } from 'react';
import { api } from '../../api.ts';
import { Badge, NoMainSiteFlag } from '../../components/badges.tsx';
import { Checkbox } from '../../components/field.tsx';
import { CustomerName, invalidateCache } from '../../components/names.tsx';
import { Card } from '../../components/page.tsx';
import { SiteSelect } from '../../components/pickers.tsx';
import { LoadMoreButton, PagedTable } from '../../components/paged-table.tsx';
import { Empty, InlineError } from '../../components/states.tsx';
import { toast } from '../../components/toasts.tsx';
import type { SiteMapping } from '../../datto-types.ts';
import { useAction } from '../../hooks/use-action.ts';
import { usePaged } from '../../hooks/use-paged.ts';

const LINK_SOURCE: Record<string, string> = { import: 'Import', manual: 'Manual', user: 'Manual', web: 'Manual' };

function MappingRow({ mapping, onSaved }: { mapping: SiteMapping; onSaved(m: SiteMapping): void }) {
  const [siteId, setSiteId] = useState<number | null>(mapping.siteId);
  useEffect(() => setSiteId(mapping.siteId), [mapping.siteId]);
  const save = useAction(async () => {
    const m = await api.put<SiteMapping>(`/api/integrations/datto-rmm/site-mappings/${encodeURIComponent(mapping.dattoSiteUid)}`, { siteId });
    invalidateCache('/api/');
    toast(siteId ? `${mapping.dattoSiteName} mapped` : `${mapping.dattoSiteName} unmapped`);
    onSaved(m && typeof m === 'object' && 'dattoSiteUid' in m ? m : { ...mapping, siteId });
  });
  const dirty = siteId !== mapping.siteId;
  return (
    <tr className={mapping.deletedInDatto ? 'row-muted' : mapping.siteId ? '' : 'row-warn'} data-testid="mapping-row">
      <td>
        <div className="cell-title">{mapping.dattoSiteName}</div>
        <div className="muted small mono">{mapping.dattoSiteUid}</div>
        {mapping.deletedInDatto && <Badge tone="gray">Deleted in Datto</Badge>}
      </td>
      <td className="cell-picker">
        <form
          className="row-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (dirty) void save.run();
          }}
        >
          <SiteSelect id={`map-${mapping.dattoSiteUid}`} aria-describedby={undefined} value={siteId} onChange={setSiteId} noneLabel="— Not mapped —" />
          <label className="sr-only" htmlFor={`map-${mapping.dattoSiteUid}`}>
            Relaydesk site for {mapping.dattoSiteName}
          </label>
          {dirty && (
            <>
              <button type="submit" className="btn btn-small btn-primary" disabled={save.busy}>
                Save
              </button>
              <button type="button" className="btn btn-small" onClick={() => setSiteId(mapping.siteId)}>
                Undo
              </button>
            </>
          )}
        </form>
        <InlineError error={save.error} />
      </td>
      <td>
        {mapping.customerId ? (
          <>
            {mapping.customerName ?? <CustomerName id={mapping.customerId} />} {mapping.customerHasMainSite === false && <NoMainSiteFlag />}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="col-optional">{mapping.linkSource ? LINK_SOURCE[mapping.linkSource] ?? mapping.linkSource : <span className="muted">—</span>}</td>
    </tr>
  );
}

/** `version` changes when an import finished: the table is read again. */
export function SiteMappingsSection({ version = 0 }: { version?: number }) {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [unmapped, setUnmapped] = useState(false);
  useEffect(() => {
    const t = window.setTimeout(() => setQ(text.trim()), 300);
    return () => window.clearTimeout(t);
  }, [text]);
  const list = usePaged<SiteMapping>('/api/integrations/datto-rmm/site-mappings', { q: q || undefined, unmapped: unmapped ? 'true' : undefined }, 200);
  const { reload } = list;
  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);
  const needle = q.toLowerCase();
  const items = list.items.filter(
    (m) => (!unmapped || m.siteId === null) && (!needle || m.dattoSiteName.toLowerCase().includes(needle) || m.dattoSiteUid.toLowerCase().includes(needle)),
  );
  const missingMain = list.items.filter((m) => m.customerHasMainSite === false).length;

  return (
    <Card title="Site mapping" id="datto-mappings">
      <p className="muted small">
        Each Datto RMM site points to one Relaydesk site; several Datto sites can belong to the same customer. Alerts from a device go to the customer and site its Datto site
        maps to.
      </p>
      <div className="filters filters-inline">
        <div className="filter filter-grow">
          <label htmlFor="mapping-q">Search Datto sites</label>
          <input id="mapping-q" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Name or UID" />
        </div>
        <div className="filter filter-check">
          <Checkbox label="Only unmapped" checked={unmapped} onChange={setUnmapped} />
        </div>
      </div>
      {missingMain > 0 && (
        <div className="callout callout-warn small">
          {missingMain === 1 ? 'One mapped customer has' : `${missingMain} mapped customers have`} no main site. Open the customer and pick one, or alerts for it cannot be placed.
        </div>
      )}
      <PagedTable
        list={list}
        rows={items}
        errorTitle="Could not load the site mapping"
        empty={
          <Empty title={list.items.length === 0 && !q && !unmapped ? 'No Datto RMM sites yet' : 'No Datto sites match'}>
            {list.items.length === 0 && !q && !unmapped ? 'Press “Sync sites now” above to read the sites from Datto RMM.' : unmapped ? 'Every Datto site is mapped.' : ''}
          </Empty>
        }
        className="table table-compact mapping-table"
        head={
          <>
            <th scope="col">Datto RMM site</th>
            <th scope="col">Relaydesk site</th>
            <th scope="col">Customer</th>
            <th scope="col" className="col-optional">Linked by</th>
          </>
        }
        row={(m) => <MappingRow key={m.dattoSiteUid} mapping={m} onSaved={(next) => list.replace((all) => all.map((x) => (x.dattoSiteUid === next.dattoSiteUid ? next : x)))} />}
        footer={list.hasMore && <LoadMoreButton list={list} />}
      />
    </Card>
  );
}
