import { useState } from 'react';
import { withQuery, type Query } from '../api.ts';
import { PriorityBadge, StatusBadge } from '../components/badges.tsx';
import { CustomerName, SiteName, TicketTypeName } from '../components/names.tsx';
import { PageHeader, useTitle } from '../components/page.tsx';
import { CustomerSelect, PrioritySelect, SiteSelect, TicketTypeSelect } from '../components/pickers.tsx';
import { LoadMoreButton, PagedTable } from '../components/paged-table.tsx';
import { Empty } from '../components/states.tsx';
import { formatDateTime, formatShort, SOURCE_LABEL, SOURCES, STATUS_LABEL, STATUSES } from '../format.ts';
import { useApi } from '../hooks/use-api.ts';
import { useAutoRefresh } from '../hooks/use-auto-refresh.ts';
import { usePaged } from '../hooks/use-paged.ts';
import { Link, setQuery, useLocation } from '../router.tsx';
import type { Ticket, TicketCounts, TicketStatus } from '../types.ts';
import { useSearchText } from '../hooks/use-search-text.ts';

const SORTS: Array<[string, string]> = [
  ['-id', 'Newest first'],
  ['id', 'Oldest first'],
  ['-updatedAt', 'Recently updated'],
  ['updatedAt', 'Least recently updated'],
  ['priority', 'Priority: critical first'],
  ['-priority', 'Priority: low first'],
  ['-openedAt', 'Opened: newest first'],
  ['openedAt', 'Opened: oldest first'],
];

type StatusTab = { key: string; label: string; count(c: TicketCounts): number };
const TABS: StatusTab[] = [
  { key: 'open', label: 'Open', count: (c) => c.open },
  ...STATUSES.map((s) => ({ key: s, label: STATUS_LABEL[s], count: (c: TicketCounts) => c.byStatus[s] ?? 0 })),
  { key: 'all', label: 'All', count: (c) => c.total },
];

/** How often the list and its counts are read again while the page is open. */
const REFRESH_MS = 20_000;

const num = (v: string | null) => (v && /^\d+$/.test(v) ? Number(v) : null);

function statusQuery(status: string): Query {
  if (status === 'all') return {};
  if (status === 'open') return { open: 'true' };
  const parts = status.split(',').filter((s) => (STATUSES as string[]).includes(s));
  return parts.length ? { status: parts.join(',') } : { open: 'true' };
}

function totalFor(status: string, c: TicketCounts) {
  if (status === 'all') return c.total;
  const only = statusQuery(status).status;
  return only ? String(only).split(',').reduce((n, s) => n + (c.byStatus[s] ?? 0), 0) : c.open;
}

export function TicketsList() {
  useTitle('Tickets');
  const { query } = useLocation();
  const status = query.get('status') ?? 'open';
  const q = query.get('q') ?? '';
  const filters = {
    ticketTypeId: num(query.get('ticketTypeId')),
    customerId: num(query.get('customerId')),
    siteId: num(query.get('siteId')),
    source: query.get('source') ?? '',
    priority: num(query.get('priority')),
  };
  const sort = query.get('sort') ?? '-id';
  const filterQuery: Query = { ...filters, q: q.trim() || undefined };

  const [text, setText] = useSearchText(q);
  const [showFilters, setShowFilters] = useState(false);

  const list = usePaged<Ticket>('/api/tickets', { ...filterQuery, ...statusQuery(status), sort });
  const counts = useApi<TicketCounts>(withQuery('/api/tickets/counts', filterQuery));
  // New tickets (an alert e-mail, another agent) show up without a reload: the counts and the first
  // page are read again in the background. Once "Load more" has added pages, the rows stay put and a
  // button offers the new ones instead.
  useAutoRefresh(() => {
    counts.reload();
    list.refresh();
  }, REFRESH_MS);
  const showNewer = () => {
    list.reload();
    window.scrollTo({ top: 0 });
  };
  const shownTotal = counts.data ? totalFor(status, counts.data) : null;
  const activeFilters = Object.values(filters).filter((v) => v !== null && v !== '').length;
  const anyFilter = activeFilters > 0 || q !== '';

  return (
    <>
      <PageHeader title="Tickets" />
      <nav className="tabs" aria-label="Ticket status">
        {TABS.map((t) => (
          <button
            key={t.key}
            type="button"
            className={`tab ${status === t.key ? 'active' : ''}`}
            aria-pressed={status === t.key}
            onClick={() => setQuery({ status: t.key === 'open' ? null : t.key })}
          >
            {t.label}
            <span className="tab-count" aria-label={counts.data ? `${t.count(counts.data)} tickets` : undefined}>
              {counts.data ? t.count(counts.data).toLocaleString() : '–'}
            </span>
          </button>
        ))}
      </nav>

      <form
        className={`filters ${showFilters ? 'filters-open' : ''}`}
        role="search"
        aria-label="Filter tickets"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ q: text.trim() || null });
        }}
      >
        <div className="filter filter-grow">
          <label htmlFor="ticket-q">Search</label>
          <div className="filter-search-row">
            <input id="ticket-q" type="search" placeholder="Summary, details or number" value={text} onChange={(e) => setText(e.target.value)} />
            <button type="button" className="btn filters-toggle" aria-expanded={showFilters} aria-controls="ticket-filters-more" onClick={() => setShowFilters((v) => !v)}>
              Filters{activeFilters ? ` (${activeFilters})` : ''}
            </button>
          </div>
        </div>
        <div className="filters-more" id="ticket-filters-more">
        <div className="filter">
          <label htmlFor="ticket-type">Type</label>
          <TicketTypeSelect id="ticket-type" allowNone noneLabel="Any type" value={filters.ticketTypeId} onChange={(v) => setQuery({ ticketTypeId: v })} />
        </div>
        <div className="filter">
          <label htmlFor="ticket-customer">Customer</label>
          <CustomerSelect id="ticket-customer" noneLabel="Any customer" value={filters.customerId} onChange={(v) => setQuery({ customerId: v, siteId: null })} />
        </div>
        <div className="filter">
          <label htmlFor="ticket-site">Site</label>
          <SiteSelect id="ticket-site" noneLabel="Any site" customerId={filters.customerId} value={filters.siteId} onChange={(v) => setQuery({ siteId: v })} />
        </div>
        <div className="filter">
          <label htmlFor="ticket-source">Source</label>
          <select id="ticket-source" value={filters.source} onChange={(e) => setQuery({ source: e.target.value })}>
            <option value="">Any source</option>
            {SOURCES.map((s) => (
              <option key={s} value={s}>
                {SOURCE_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="ticket-priority">Priority</label>
          <PrioritySelect id="ticket-priority" value={filters.priority ?? null} onChange={(v) => setQuery({ priority: v })} noneLabel="Any priority" />
        </div>
        <div className="filter">
          <label htmlFor="ticket-sort">Sort</label>
          <select id="ticket-sort" value={sort} onChange={(e) => setQuery({ sort: e.target.value === '-id' ? null : e.target.value })}>
            {SORTS.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </div>
        </div>
        {anyFilter && (
          <div className="filter filter-end">
            <button type="button" className="btn btn-link" onClick={() => setQuery({ q: null, ticketTypeId: null, customerId: null, siteId: null, source: null, priority: null })}>
              Clear filters
            </button>
          </div>
        )}
      </form>

      {list.hasNewer && (
        <div className="newer-pill-row" role="status">
          <button type="button" className="btn btn-small newer-pill" onClick={showNewer}>
            New tickets — show
          </button>
        </div>
      )}
      <PagedTable
        list={list}
        errorTitle="Could not load tickets"
        loadingLabel="Loading tickets…"
        empty={
          <Empty title={anyFilter || status !== 'open' ? 'No tickets match these filters' : 'No open tickets'}>
            {anyFilter ? 'Clear the filters or widen the search. ' : status === 'open' ? 'New tickets from e-mail, Datto RMM alerts and agents appear here. ' : ''}
            <Link to="/tickets/new">Create a ticket</Link>
          </Empty>
        }
        className="table tickets-table"
        caption="Tickets"
        stale={list.loading}
        head={
          <>
            <th scope="col" className="col-num">#</th>
            <th scope="col">Summary</th>
            <th scope="col" className="col-mid">Customer</th>
            <th scope="col" className="col-optional">Site</th>
            <th scope="col" className="col-optional">Type</th>
            <th scope="col">Priority</th>
            <th scope="col">Status</th>
            <th scope="col" className="col-optional">Source</th>
            <th scope="col" className="col-optional">Updated</th>
          </>
        }
        row={(t) => (
          <tr key={t.id}>
            <td className="col-num">
              <Link to={`/tickets/${t.id}`} tabIndex={-1} aria-hidden="true">
                {t.number}
              </Link>
            </td>
            <td className="col-summary">
              <Link to={`/tickets/${t.id}`} className="row-link">
                {t.summary}
              </Link>
            </td>
            <td className="col-mid"><CustomerName id={t.customerId} /></td>
            <td className="col-optional"><SiteName id={t.siteId} /></td>
            <td className="col-optional"><TicketTypeName id={t.ticketTypeId} /></td>
            <td><PriorityBadge priority={t.priority} /></td>
            <td><StatusBadge status={t.status as TicketStatus} /></td>
            <td className="col-optional">{SOURCE_LABEL[t.source] ?? t.source}</td>
            <td className="col-optional nowrap" title={formatDateTime(t.updatedAt)}>{formatShort(t.updatedAt)}</td>
          </tr>
        )}
        footer={
          list.items.length > 0 && (
            <div className="list-footer">
              <span className="muted" aria-live="polite">
                Showing {list.items.length.toLocaleString()}
                {shownTotal !== null ? ` of ${shownTotal.toLocaleString()}` : ''} tickets
              </span>
              {list.hasMore && <LoadMoreButton list={list} busyLabel="Loading…" />}
            </div>
          )
        }
      />
    </>
  );
}
