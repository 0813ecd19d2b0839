import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { Badge, NoMainSiteFlag } from '../components/badges.tsx';
import { Checkbox, Field } from '../components/field.tsx';
import { SiteName } from '../components/names.tsx';
import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { PagedTable } from '../components/paged-table.tsx';
import { Empty, InlineError } from '../components/states.tsx';
import { toast } from '../components/toasts.tsx';
import { usePaged } from '../hooks/use-paged.ts';
import { Link, navigate, setQuery, useLocation } from '../router.tsx';
import type { Customer } from '../types.ts';
import { useSearchText } from '../hooks/use-search-text.ts';

function NewCustomerForm({ onCancel }: { onCancel(): void }) {
  const [name, setName] = useState('');
  const [site, setSite] = useState('Main office');
  const [withSite, setWithSite] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const c = await api.post<Customer>('/api/customers', { name: name.trim(), ...(withSite && site.trim() ? { mainSiteName: site.trim() } : {}) });
      toast(`Customer ${c.name} created`);
      navigate(`/customers/${c.id}`);
    } catch (err) {
      if (err instanceof ApiError) setFields(err.fieldErrors());
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Card title="New customer">
      <form onSubmit={submit} className="inline-form">
        <Field label="Name" error={fields.name}>
          <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
        </Field>
        <Checkbox label="Create a main site" checked={withSite} onChange={setWithSite} />
        {withSite && (
          <Field label="Main site name" error={fields.mainSiteName}>
            <input value={site} onChange={(e) => setSite(e.target.value)} required />
          </Field>
        )}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create customer'}
          </button>
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        </div>
        <InlineError error={error} />
        {!withSite && <p className="muted small">Without a main site, alerts and imports cannot place this customer's tickets on a site until you add one.</p>}
      </form>
    </Card>
  );
}

export function CustomersList() {
  useTitle('Customers');
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const withoutMain = query.get('withoutMainSite') === 'true';
  const [text, setText] = useSearchText(q);
  const [adding, setAdding] = useState(false);
  const list = usePaged<Customer>('/api/customers', { q: q || undefined, withoutMainSite: withoutMain ? 'true' : undefined });

  return (
    <>
      <PageHeader
        title="Customers"
        actions={
          !adding && (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              New customer
            </button>
          )
        }
      />
      {adding && <NewCustomerForm onCancel={() => setAdding(false)} />}
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="filter filter-grow">
          <label htmlFor="customer-q">Search</label>
          <input id="customer-q" type="search" placeholder="Customer name" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="filter filter-check">
          <Checkbox label="Only customers without a main site" checked={withoutMain} onChange={(v) => setQuery({ withoutMainSite: v ? 'true' : null })} />
        </div>
      </form>
      <PagedTable
        list={list}
        errorTitle="Could not load customers"
        loadingLabel="Loading customers…"
        empty={
          <Empty title={q || withoutMain ? 'No customers match' : 'No customers yet'}>
            {withoutMain ? 'Every customer has a main site.' : q ? 'Try another name.' : 'Create one, or import them from Datto RMM under Configuration > Integrations.'}
          </Empty>
        }
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">Main site</th>
            <th scope="col">Flags</th>
            <th scope="col" className="col-optional">Tickets</th>
          </>
        }
        row={(c) => (
          <tr key={c.id} className={c.hasMainSite ? '' : 'row-warn'}>
            <td>
              <Link to={`/customers/${c.id}`} className="row-link">
                {c.name}
              </Link>
            </td>
            <td>{c.mainSiteId ? <SiteName id={c.mainSiteId} /> : <span className="muted">none</span>}</td>
            <td>
              <div className="badges">
                {!c.hasMainSite && <NoMainSiteFlag />}
                {c.isTopLevel && <Badge tone="blue">Top-level</Badge>}
              </div>
            </td>
            <td className="col-optional">
              <Link to={`/tickets?customerId=${c.id}`}>Open tickets</Link>
            </td>
          </tr>
        )}
      />
    </>
  );
}
