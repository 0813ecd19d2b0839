import { useEffect, useState } from 'react';
import { api, ApiError, withQuery, type Page } from '../api.ts';
import type { Asset, Customer, Site } from '../types.ts';
import { PRIORITIES, PRIORITY_LABEL } from '../format.ts';
import { cachedGet, useTicketTypes } from './names.tsx';

export type Option = { id: number; label: string };
type Loaded = { options: Option[]; more: boolean };

type CommonProps = {
  id?: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
  value: number | null;
  onChange(id: number | null): void;
  noneLabel?: string;
  allowNone?: boolean;
  disabled?: boolean;
};

type SearchSelectProps = CommonProps & {
  what: string;
  /** One of them, for a chosen one that no longer exists: "(deleted customer #8)". */
  one: string;
  load(q: string): Promise<Loaded>;
  resolve(id: number): Promise<Option>;
};

/** A select over a list that may be long: it shows a filter box when the server has more than one page. */
export function SearchSelect({ what, one, load, resolve, value, onChange, noneLabel = '— None —', allowNone = true, disabled, ...aria }: SearchSelectProps) {
  const [q, setQ] = useState('');
  const [data, setData] = useState<Loaded | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [selected, setSelected] = useState<Option | null>(null);
  const [searchable, setSearchable] = useState(false);

  useEffect(() => {
    let live = true;
    const t = window.setTimeout(() => {
      load(q).then(
        (d) => {
          if (!live) return;
          setData(d);
          setFailed(null);
          if (!q && d.more) setSearchable(true);
        },
        (err: Error) => live && setFailed(err.message),
      );
    }, q ? 250 : 0);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
    // Callers rebuild `load` on every render; what it depends on is part of `what`.
  }, [q, what]);

  useEffect(() => {
    if (value === null) return setSelected(null);
    if (data?.options.some((o) => o.id === value)) return;
    let live = true;
    resolve(value).then(
      (o) => live && setSelected(o),
      (err: unknown) => live && setSelected({ id: value, label: err instanceof ApiError && err.status === 404 ? `(deleted ${one} #${value})` : `#${value}` }),
    );
    return () => {
      live = false;
    };
  }, [value, data]);

  const options = data?.options ?? [];
  const shown = value !== null && !options.some((o) => o.id === value) && selected?.id === value ? [selected, ...options] : options;

  return (
    <span className="search-select">
      {(searchable || q) && (
        <input
          type="search"
          className="search-select-filter"
          placeholder={`Find ${what}…`}
          aria-label={`Find ${what}`}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          disabled={disabled}
        />
      )}
      <select
        {...aria}
        value={value ?? ''}
        disabled={disabled || (!data && !failed)}
        onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)}
      >
        {!data && !failed && <option value={value ?? ''}>Loading…</option>}
        {failed && <option value={value ?? ''}>Could not load {what}</option>}
        {data && (allowNone || value === null) && <option value="">{noneLabel}</option>}
        {shown.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
        {data?.more && <option disabled>… type in the box to find more</option>}
      </select>
    </span>
  );
}

const customerLabel = (c: Customer) => (c.hasMainSite ? c.name : `${c.name} (no main site)`);

export function CustomerSelect(props: CommonProps) {
  return (
    <SearchSelect
      {...props}
      what="customers"
      one="customer"
      load={async (q) => {
        const page = await api.get<Page<Customer>>(withQuery('/api/customers', { q, limit: 100 }));
        return { options: page.items.map((c) => ({ id: c.id, label: customerLabel(c) })), more: page.nextCursor !== null };
      }}
      resolve={async (id) => {
        const c = await cachedGet<Customer>(`/api/customers/${id}`);
        return { id, label: customerLabel(c) };
      }}
    />
  );
}

export function SiteSelect({ customerId, ...props }: CommonProps & { customerId?: number | null }) {
  const label = (s: Site) => (customerId ? `${s.name}${s.isMainSite ? ' (main site)' : ''}` : `${s.customerName ?? `Customer ${s.customerId}`} — ${s.name}`);
  return (
    <SearchSelect
      {...props}
      what={customerId ? `sites of customer ${customerId}` : 'sites'}
      one="site"
      load={async (q) => {
        const page = await api.get<Page<Site>>(withQuery('/api/sites', { q, customerId: customerId ?? undefined, limit: 100 }));
        return { options: page.items.map((s) => ({ id: s.id, label: label(s) })), more: page.nextCursor !== null };
      }}
      resolve={async (id) => ({ id, label: label(await cachedGet<Site>(`/api/sites/${id}`)) })}
    />
  );
}

export function AssetSelect({ customerId, siteId, ...props }: CommonProps & { customerId?: number | null; siteId?: number | null }) {
  return (
    <SearchSelect
      {...props}
      what={`assets${customerId ? ` of customer ${customerId}` : ''}${siteId ? ` at site ${siteId}` : ''}`}
      one="asset"
      load={async (q) => {
        const page = await api.get<Page<Asset>>(withQuery('/api/assets', { q, customerId: customerId ?? undefined, siteId: siteId ?? undefined, limit: 100 }));
        return { options: page.items.map((a) => ({ id: a.id, label: a.hostname })), more: page.nextCursor !== null };
      }}
      resolve={async (id) => ({ id, label: (await cachedGet<Asset>(`/api/assets/${id}`)).hostname })}
    />
  );
}

export function TicketTypeSelect({ value, onChange, allowNone = false, noneLabel = '— Any type —', ...aria }: CommonProps) {
  const types = useTicketTypes();
  return (
    <select {...aria} value={value ?? ''} disabled={!types || aria.disabled} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)}>
      {!types && <option value={value ?? ''}>Loading…</option>}
      {types && (allowNone || value === null) && <option value="">{noneLabel}</option>}
      {/* A type that no longer exists stays chosen and says so, instead of the first option seeming chosen. */}
      {types && value !== null && !types.some((t) => t.id === value) && <option value={value}>(deleted ticket type #{value})</option>}
      {types?.map((t) => (
        <option key={t.id} value={t.id}>
          {t.name}
          {t.isDefault ? ' (default)' : ''}
        </option>
      ))}
    </select>
  );
}

/** A ticket priority by name; with noneLabel, an empty first choice that gives null. */
export function PrioritySelect({ value, onChange, noneLabel, allowNone: _allowNone, ...rest }: CommonProps) {
  return (
    <select {...rest} value={value ?? ''} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)}>
      {noneLabel !== undefined && <option value="">{noneLabel}</option>}
      {PRIORITIES.map((p) => (
        <option key={p} value={p}>
          {PRIORITY_LABEL[p]}
        </option>
      ))}
    </select>
  );
}
