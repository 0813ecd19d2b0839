import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { Checkbox, Field } from '../components/field.tsx';
import { invalidateCache } from '../components/names.tsx';
import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { pageOf, PagedTable } from '../components/paged-table.tsx';
import { Empty, InlineError } from '../components/states.tsx';
import { toast } from '../components/toasts.tsx';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import { useSession } from '../session.tsx';
import type { TicketType } from '../types.ts';

function TypeRow({ type, admin, onSaved }: { type: TicketType; admin: boolean; onSaved(): void }) {
  const [name, setName] = useState<string | null>(null);
  const save = useAction(async (patch: Partial<TicketType>) => {
    await api.patch(`/api/ticket-types/${type.id}`, patch);
    invalidateCache('/api/ticket-types');
    setName(null);
    toast('Ticket type saved');
    onSaved();
  });
  return (
    <tr>
      <td>
        {name === null ? (
          type.name
        ) : (
          <form
            className="row-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (name.trim()) void save.run({ name: name.trim() });
            }}
          >
            <label className="sr-only" htmlFor={`type-${type.id}`}>
              Name of {type.name}
            </label>
            <input id={`type-${type.id}`} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
            <button type="submit" className="btn btn-small btn-primary" disabled={save.busy}>
              Save
            </button>
            <button type="button" className="btn btn-small" onClick={() => setName(null)}>
              Cancel
            </button>
          </form>
        )}
        <InlineError error={save.error} />
      </td>
      <td>{type.isDefault ? <Badge tone="green">Default</Badge> : null}</td>
      {admin && (
        <td className="row-actions">
          {name === null && (
            <button type="button" className="btn btn-small" onClick={() => setName(type.name)} aria-label={`Rename ${type.name}`}>
              Rename
            </button>
          )}
          {!type.isDefault && (
            <button type="button" className="btn btn-small" onClick={() => void save.run({ isDefault: true })} disabled={save.busy}>
              Make default
            </button>
          )}
        </td>
      )}
    </tr>
  );
}

export function TicketTypes() {
  useTitle('Ticket types');
  const { isAdmin } = useSession();
  const types = useApi<{ items: TicketType[] }>('/api/ticket-types');
  const [name, setName] = useState('');
  const [isDefault, setIsDefault] = useState(false);
  const add = useAction(async () => {
    await api.post('/api/ticket-types', { name: name.trim(), isDefault });
    invalidateCache('/api/ticket-types');
    toast(`Ticket type ${name.trim()} added`);
    setName('');
    setIsDefault(false);
    types.reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) void add.run();
  };

  return (
    <>
      <PageHeader title="Ticket types" />
      <p className="page-intro muted">Every ticket has a type. New tickets get the default type unless a rule or the Datto RMM alert settings pick another.</p>
      <div className="detail-grid">
        <div className="detail-main">
          <Card>
            <PagedTable
              list={pageOf(types)}
              empty={<Empty title="No ticket types" />}
              className="table table-compact"
              wrap={false}
              head={
                <>
                  <th scope="col">Name</th>
                  <th scope="col">Default</th>
                  {isAdmin && <th scope="col"><span className="sr-only">Actions</span></th>}
                </>
              }
              row={(t) => <TypeRow key={t.id} type={t} admin={isAdmin} onSaved={types.reload} />}
            />
          </Card>
        </div>
        {isAdmin && (
          <aside className="detail-side">
            <Card title="Add a ticket type">
              <form onSubmit={submit}>
                <Field label="Name">
                  <input value={name} onChange={(e) => setName(e.target.value)} required />
                </Field>
                <Checkbox label="Make it the default" checked={isDefault} onChange={setIsDefault} />
                <InlineError error={add.error} />
                <div className="form-actions">
                  <button type="submit" className="btn btn-primary" disabled={add.busy || !name.trim()}>
                    Add type
                  </button>
                </div>
              </form>
            </Card>
          </aside>
        )}
      </div>
    </>
  );
}
