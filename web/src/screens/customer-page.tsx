import { useEffect, useState, type FormEvent } from 'react';
import { api, type Page } from '../api.ts';
import { Badge, NoMainSiteFlag } from '../components/badges.tsx';
import { Checkbox, Field } from '../components/field.tsx';
import { invalidateCache } from '../components/names.tsx';
import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { isMissing, RecordError } from '../components/record-error.tsx';
import { pageOf, PagedTable } from '../components/paged-table.tsx';
import { Callout, Empty, InlineError, Loading } from '../components/states.tsx';
import { CompactTicketRow } from '../components/ticket-row.tsx';
import { toast } from '../components/toasts.tsx';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import { Link } from '../router.tsx';
import type { Asset, Customer, Site, Ticket } from '../types.ts';

function MainSitePicker({ customer, sites, onSaved }: { customer: Customer; sites: Site[]; onSaved(c: Customer): void }) {
  const [siteId, setSiteId] = useState<number | null>(customer.mainSiteId);
  useEffect(() => setSiteId(customer.mainSiteId), [customer.mainSiteId]);
  const save = useAction(async () => {
    const c = await api.patch<Customer>(`/api/customers/${customer.id}`, { mainSiteId: siteId });
    invalidateCache('/api/');
    toast(siteId ? 'Main site set' : 'Main site cleared');
    onSaved(c);
  });
  if (!sites.length) return <p className="muted">Add a site below; the first one you mark as main becomes the main site.</p>;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <Field label="Main site" hint="New tickets from alerts and imports for this customer land on this site when nothing more precise is known.">
        <select value={siteId ?? ''} onChange={(e) => setSiteId(e.target.value ? Number(e.target.value) : null)}>
          <option value="">— No main site —</option>
          {sites.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </Field>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.busy || siteId === customer.mainSiteId}>
          {save.busy ? 'Saving…' : 'Save main site'}
        </button>
      </div>
      <InlineError error={save.error} />
    </form>
  );
}

function AddSiteForm({ customerId, hasMainSite, onAdded }: { customerId: number; hasMainSite: boolean; onAdded(): void }) {
  const [name, setName] = useState('');
  const [makeMain, setMakeMain] = useState(!hasMainSite);
  useEffect(() => setMakeMain(!hasMainSite), [hasMainSite]);
  const add = useAction(async () => {
    await api.post<Site>(`/api/customers/${customerId}/sites`, { name: name.trim(), makeMain });
    invalidateCache('/api/');
    toast(`Site ${name.trim()} added`);
    setName('');
    onAdded();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) void add.run();
  };
  return (
    <form onSubmit={submit} className="inline-form">
      <Field label="New site name">
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
      <Checkbox label="Make it the main site" checked={makeMain} onChange={setMakeMain} />
      <div className="form-actions">
        <button type="submit" className="btn" disabled={add.busy || !name.trim()}>
          {add.busy ? 'Adding…' : 'Add site'}
        </button>
      </div>
      <InlineError error={add.error} />
    </form>
  );
}

function RenameForm({ customer, onSaved }: { customer: Customer; onSaved(c: Customer): void }) {
  const [name, setName] = useState(customer.name);
  const [topLevel, setTopLevel] = useState(customer.isTopLevel);
  const save = useAction(async () => {
    const c = await api.patch<Customer>(`/api/customers/${customer.id}`, { name: name.trim(), isTopLevel: topLevel });
    invalidateCache(`/api/customers/${customer.id}`);
    toast('Customer saved');
    onSaved(c);
  });
  const dirty = name.trim() !== customer.name || topLevel !== customer.isTopLevel;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (dirty && name.trim()) void save.run();
      }}
    >
      <Field label="Name">
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </Field>
      <Checkbox label="Top-level customer" hint="(the organisation itself, for internal IT: Datto sites can be imported as its sites)" checked={topLevel} onChange={setTopLevel} />
      <div className="form-actions">
        <button type="submit" className="btn" disabled={!dirty || save.busy}>
          {save.busy ? 'Saving…' : 'Save'}
        </button>
      </div>
      <InlineError error={save.error} />
    </form>
  );
}

export function CustomerPage({ id }: { id: number }) {
  const customer = useApi<Customer>(`/api/customers/${id}`);
  const sites = useApi<Page<Site>>(`/api/customers/${id}/sites?limit=200`);
  const tickets = useApi<Page<Ticket>>(`/api/tickets?customerId=${id}&open=true&limit=10&sort=-updatedAt`);
  const assets = useApi<Page<Asset>>(`/api/assets?customerId=${id}&limit=10`);
  const c = customer.data;
  useTitle(c ? c.name : isMissing(customer.error) ? `Customer #${id} does not exist` : 'Customer');

  if (customer.error) {
    return <RecordError error={customer.error} onRetry={customer.reload} name={`Customer #${id}`} what="customer" list={{ crumb: 'Customers', to: '/customers', label: 'customer list' }} />;
  }
  if (!c) return <Loading label="Loading customer…" />;
  const siteList = sites.data?.items ?? [];

  return (
    <>
      <PageHeader
        title={c.name}
        crumbs={[{ label: 'Customers', to: '/customers' }]}
        actions={
          <Link to={`/tickets/new?customerId=${c.id}${c.mainSiteId ? `&siteId=${c.mainSiteId}` : ''}`} className="btn btn-primary">
            New ticket
          </Link>
        }
      >
        <div className="header-meta">
          {!c.hasMainSite && <NoMainSiteFlag />}
          {c.isTopLevel && <Badge tone="blue">Top-level customer</Badge>}
        </div>
      </PageHeader>
      {!c.hasMainSite && (
        <Callout tone="warn" title="This customer has no main site.">
          Alerts, e-mails and Datto RMM imports matched to {c.name} cannot be placed on a site until it has one. Pick a main site below{siteList.length ? '' : ', or add a site first'}.
        </Callout>
      )}
      <div className="detail-grid">
        <div className="detail-main">
          <Card title={`Sites (${siteList.length})`}>
            <PagedTable
              list={pageOf(sites)}
              empty={<Empty title="No sites yet" />}
              className="table table-compact"
              wrap={false}
              head={
                <>
                  <th scope="col">Site</th>
                  <th scope="col">Role</th>
                  <th scope="col">Tickets</th>
                </>
              }
              row={(s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/sites/${s.id}`}>{s.name}</Link>
                  </td>
                  <td>{s.isMainSite ? <Badge tone="green">Main site</Badge> : <span className="muted">—</span>}</td>
                  <td>
                    <Link to={`/tickets?siteId=${s.id}&customerId=${c.id}`}>Open tickets</Link>
                  </td>
                </tr>
              )}
            />
            <AddSiteForm
              customerId={c.id}
              hasMainSite={c.hasMainSite}
              onAdded={() => {
                sites.reload();
                customer.reload();
              }}
            />
          </Card>
          <Card title="Open tickets" actions={<Link to={`/tickets?customerId=${c.id}`}>All tickets</Link>}>
            <PagedTable list={pageOf(tickets)} empty={<Empty title="No open tickets" />} className="table table-compact" wrap={false} row={(t) => <CompactTicketRow key={t.id} ticket={t} />} />
          </Card>
        </div>
        <aside className="detail-side">
          <Card title="Main site">
            {sites.data && <MainSitePicker customer={c} sites={siteList} onSaved={(next) => { customer.setData(next); sites.reload(); }} />}
          </Card>
          <Card title="Customer">
            <RenameForm key={c.updatedAt} customer={c} onSaved={(next) => customer.setData(next)} />
          </Card>
          <Card title="Assets" actions={<Link to={`/assets?customerId=${c.id}`}>All assets</Link>}>
            {assets.data && assets.data.items.length === 0 && <p className="muted">No assets. Devices imported from Datto RMM appear here.</p>}
            <ul className="plain-list">
              {assets.data?.items.map((a) => (
                <li key={a.id}>
                  <Link to={`/assets/${a.id}`}>{a.hostname}</Link> <span className="muted small">{a.os ?? a.type ?? ''}</span>
                </li>
              ))}
            </ul>
          </Card>
        </aside>
      </div>
    </>
  );
}
