import type { TicketSource, TicketStatus } from './types.ts';

export const STATUSES: TicketStatus[] = ['new', 'in_progress', 'waiting', 'closed'];
export const STATUS_LABEL: Record<TicketStatus, string> = { new: 'New', in_progress: 'In progress', waiting: 'Waiting', closed: 'Closed' };

export const PRIORITIES = [1, 2, 3, 4] as const;
export const PRIORITY_LABEL: Record<number, string> = { 1: 'Critical', 2: 'High', 3: 'Medium', 4: 'Low' };

export const SOURCES: TicketSource[] = ['email', 'webhook', 'api', 'web', 'reconcile'];
export const SOURCE_LABEL: Record<TicketSource, string> = {
  email: 'E-mail',
  webhook: 'Webhook',
  api: 'API',
  web: 'Web',
  reconcile: 'Reconcile',
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** Today's times as "14:05", older ones as a date. */
export function formatShort(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date();
  return d.toDateString() === today.toDateString() ? timeOnly.format(d) : dateOnly.format(d);
}

export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${d} d ago`;
  return dateOnly.format(new Date(t));
}

export function plural(n: number, one: string, many = `${one}s`) {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** Only http(s) URLs become links; anything else from outside stays text. */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}
