import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { Field } from '../components/field.tsx';
import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { AssetSelect, CustomerSelect, PrioritySelect, SiteSelect, TicketTypeSelect } from '../components/pickers.tsx';
import { InlineError } from '../components/states.tsx';
import { toast } from '../components/toasts.tsx';
import { navigate, useLocation } from '../router.tsx';
import { useTicketTypes } from '../components/names.tsx';
import type { Ticket } from '../types.ts';

const num = (v: string | null) => (v && /^\d+$/.test(v) ? Number(v) : null);

export function TicketNew() {
  useTitle('New ticket');
  const { query } = useLocation();
  const types = useTicketTypes();
  const [summary, setSummary] = useState('');
  const [details, setDetails] = useState('');
  const [priority, setPriority] = useState(3);
  const [typeId, setTypeId] = useState<number | null>(null);
  const [customerId, setCustomerId] = useState<number | null>(num(query.get('customerId')));
  const [siteId, setSiteId] = useState<number | null>(num(query.get('siteId')));
  const [assetId, setAssetId] = useState<number | null>(num(query.get('assetId')));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const effectiveType = typeId ?? types?.find((t) => t.isDefault)?.id ?? null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!summary.trim()) return setFields({ summary: 'Write a short summary of the problem.' });
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const t = await api.post<Ticket>('/api/tickets', {
        summary: summary.trim(),
        details,
        priority,
        ...(effectiveType ? { ticketTypeId: effectiveType } : {}),
        customerId,
        siteId,
        assetId,
        source: 'web',
      });
      toast(`Ticket #${t.number} created`);
      navigate(`/tickets/${t.id}`, { replace: true });
    } catch (err) {
      if (err instanceof ApiError) setFields(err.fieldErrors());
      setError(err);
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title="New ticket" crumbs={[{ label: 'Tickets', to: '/tickets' }]} />
      <form onSubmit={submit} className="form-page">
        <Card>
          <Field label="Summary" error={fields.summary}>
            <input value={summary} onChange={(e) => setSummary(e.target.value)} maxLength={500} required autoFocus />
          </Field>
          <Field label="Details" error={fields.details}>
            <textarea rows={6} value={details} onChange={(e) => setDetails(e.target.value)} />
          </Field>
          <div className="form-grid">
            <Field label="Type" error={fields.ticketTypeId}>
              <TicketTypeSelect value={effectiveType} onChange={setTypeId} />
            </Field>
            <Field label="Priority" error={fields.priority}>
              <PrioritySelect value={priority} onChange={(v) => v && setPriority(v)} />
            </Field>
            <Field label="Customer" error={fields.customerId}>
              <CustomerSelect
                value={customerId}
                onChange={(v) => {
                  setCustomerId(v);
                  setSiteId(null);
                  setAssetId(null);
                }}
              />
            </Field>
            <Field label="Site" error={fields.siteId}>
              <SiteSelect customerId={customerId} value={siteId} onChange={setSiteId} disabled={!customerId} noneLabel={customerId ? '— None —' : 'Pick a customer first'} />
            </Field>
            <Field label="Asset" error={fields.assetId}>
              <AssetSelect customerId={customerId} siteId={siteId} value={assetId} onChange={setAssetId} />
            </Field>
          </div>
          <InlineError error={error} />
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create ticket'}
            </button>
            <button type="button" className="btn" onClick={() => history.back()}>
              Cancel
            </button>
          </div>
        </Card>
      </form>
    </>
  );
}
