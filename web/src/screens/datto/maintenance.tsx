import { useState, type FormEvent } from 'react';
import { api, ApiError, type FieldLabels } from '../../api.ts';
import { Badge } from '../../components/badges.tsx';
import { Field } from '../../components/field.tsx';
import { CustomerName, SiteName } from '../../components/names.tsx';
import { Card } from '../../components/page.tsx';
import { CustomerSelect, SiteSelect } from '../../components/pickers.tsx';
import { PagedTable } from '../../components/paged-table.tsx';
import { Empty, InlineError } from '../../components/states.tsx';
import { toast } from '../../components/toasts.tsx';
import type { MaintenanceWindow } from '../../datto-types.ts';
import { formatDateTime } from '../../format.ts';
import { useAction } from '../../hooks/use-action.ts';
import { usePaged } from '../../hooks/use-paged.ts';

const PATH = '/api/integrations/datto-rmm/maintenance-windows';

/** A datetime-local input value for a time `hours` from now. */
function localInput(hoursFromNow: number) {
  const d = new Date(Date.now() + hoursFromNow * 3600_000);
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** The form's names for the request's fields, for its error messages ("Ends must be after Starts"). */
const LABELS: FieldLabels = { name: 'Name', customerId: 'Customer', siteId: 'Site', startsAt: 'Starts', endsAt: 'Ends' };

function NewWindowForm({ onCreated }: { onCreated(): void }) {
  const [name, setName] = useState('');
  const [customerId, setCustomerId] = useState<number | null>(null);
  const [siteId, setSiteId] = useState<number | null>(null);
  const [startsAt, setStartsAt] = useState(localInput(0));
  const [endsAt, setEndsAt] = useState(localInput(2));
  const [fields, setFields] = useState<Record<string, string>>({});
  const create = useAction(async () => {
    setFields({});
    try {
      await api.post(PATH, {
        name: name.trim(),
        ...(customerId ? { customerId } : {}),
        ...(siteId ? { siteId } : {}),
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(endsAt).toISOString(),
      });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setFields(err.fieldErrors(LABELS));
      throw err.withLabels(LABELS);
    }
    toast(`Maintenance window “${name.trim()}” created`);
    setName('');
    onCreated();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  return (
    <form onSubmit={submit} className="subsection">
      <h3>New window</h3>
      <div className="form-grid form-grid-aligned">
        <Field label="Name" error={fields.name}>
          <input value={name} onChange={(e) => setName(e.target.value)} required placeholder="Server patching" />
        </Field>
        <Field label="Customer" error={fields.customerId}>
          <CustomerSelect
            value={customerId}
            onChange={(v) => {
              setCustomerId(v);
              setSiteId(null);
            }}
            noneLabel="— Pick a customer —"
          />
        </Field>
        <Field label="Site" hint="Empty: every site of the customer." error={fields.siteId}>
          <SiteSelect customerId={customerId} value={siteId} onChange={setSiteId} disabled={!customerId} noneLabel="— All sites —" />
        </Field>
        <Field label="Starts" error={fields.startsAt}>
          <input type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} required />
        </Field>
        <Field label="Ends" error={fields.endsAt}>
          <input type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} required />
        </Field>
      </div>
      <InlineError error={create.error} />
      <div className="form-actions">
        <button type="submit" className="btn" disabled={create.busy || !name.trim() || (!customerId && !siteId)}>
          Create window
        </button>
      </div>
    </form>
  );
}

export function MaintenanceSection() {
  const list = usePaged<MaintenanceWindow>(PATH, {}, 50);
  const remove = useAction(async (w: MaintenanceWindow) => {
    if (!window.confirm(`End the window “${w.name}”? Alerts it held that are still open become tickets.`)) return;
    await api.del(`${PATH}/${w.id}`);
    toast(`Window “${w.name}” ended`);
    list.reload();
  });
  return (
    <Card title="Maintenance windows" id="datto-maintenance">
      <p className="muted small">During a window, alerts of the customer or site are held instead of making tickets. When it ends, alerts still open in Datto RMM become tickets.</p>
      <PagedTable
        list={list}
        errorTitle="Could not load maintenance windows"
        empty={<Empty title="No maintenance windows" />}
        className="table table-compact"
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">Applies to</th>
            <th scope="col">From</th>
            <th scope="col">Until</th>
            <th scope="col">State</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </>
        }
        row={(w) => (
          <tr key={w.id}>
            <td>{w.name}</td>
            <td>{w.siteId ? <SiteName id={w.siteId} /> : <CustomerName id={w.customerId} />}</td>
            <td className="nowrap">{formatDateTime(w.startsAt)}</td>
            <td className="nowrap">{formatDateTime(w.endsAt)}</td>
            <td>{w.active ? <Badge tone="amber">Active</Badge> : new Date(w.endsAt) < new Date() ? <Badge tone="gray">Ended</Badge> : <Badge tone="blue">Planned</Badge>}</td>
            <td className="row-actions">
              <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => void remove.run(w)} disabled={remove.busy}>
                {w.active ? 'End now' : 'Delete'}
              </button>
            </td>
          </tr>
        )}
        footer={null}
      />
      <InlineError error={remove.error} />
      <NewWindowForm onCreated={list.reload} />
    </Card>
  );
}
