export type Page<T> = { items: T[]; nextCursor: string | null };

export type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue>;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    // "body.name: …" names the request part; on a form only the field matters.
    super(message.replace(/(^|; )body\./g, '$1'));
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /**
   * Field-level messages of a validation error, keyed by the last part of the field path, by the whole
   * path ("actions.0.params.groupBySubject"), and for a field inside a list by the list too
   * ("conditions": "Condition 2 (value): …"), so a form can show it beside the field or the list's card.
   * Paths are named with the form's labels (see fieldLabel). An error without details whose message
   * starts with a field the form knows is that field's: "smtp.port: another SMTP mailbox already
   * listens on port 25" gives port (and smtp.port) "another SMTP mailbox already listens on port 25";
   * "endsAt must be after startsAt" gives endsAt the message named with the labels.
   */
  fieldErrors(labels: FieldLabels = {}): Record<string, string> {
    const out: Record<string, string> = {};
    if (!Array.isArray(this.details)) {
      const lead = leadingField(this.message, labels);
      if (lead) {
        out[lead.key] = lead.text;
        out[lead.path] = lead.text;
        return out;
      }
      const first = /^([A-Za-z]\w*) /.exec(this.message)?.[1];
      if (first && first in labels) out[first] = this.withLabels(labels).message;
      return out;
    }
    for (const d of this.details as Array<{ field?: string; message?: string }>) {
      if (!d?.field || !d.message) continue;
      const path = requestPath(d.field);
      out[path[path.length - 1]!] ??= d.message;
      out[path.join('.')] ??= d.message;
      const at = path.findIndex((p, i) => i > 0 && /^\d+$/.test(p));
      if (at > 0) {
        const list = path[at - 1]!;
        const item = `${fieldLabel(d.field, labels)}: ${d.message}`;
        out[list] = out[list] ? `${out[list]}; ${item}` : item;
      }
    }
    return out;
  }

  /**
   * The same error, its message naming fields as the form does ("Action 1 (Group by subject): …" for
   * "actions.0.params.groupBySubject: …", "Port: …" for "smtp.port: …"). Only field names are replaced,
   * never words of the message ("listens on port 25" stays as written).
   */
  withLabels(labels: FieldLabels): ApiError {
    let message = this.message;
    const details = Array.isArray(this.details) ? (this.details as Array<{ field?: string; message?: string }>) : null;
    const lead = leadingField(message, labels);
    if (details?.length && details.every((d) => d?.field && d.message)) {
      message = details.map((d) => `${fieldLabel(d.field!, labels)}: ${d.message}`).join('; ');
    } else if (lead) {
      message = `${lead.label}: ${lead.text}`;
    } else {
      // Names of the API's fields written in the text ("endsAt must be after startsAt"): the first
      // word, and camelCase words anywhere, which are never ordinary words.
      for (const [key, label] of Object.entries(labels)) {
        if (!label || !/^[A-Za-z]\w*$/.test(key)) continue;
        message = message.replace(new RegExp(/[A-Z]/.test(key) ? `\\b${key}\\b` : `^${key}\\b`, 'g'), label);
      }
    }
    return new ApiError(this.status, this.code, message, this.details);
  }
}

/**
 * The field a message without details begins with ("smtp.port: another SMTP mailbox …"), when the form
 * knows it: its key as the form indexes its errors (the last part of the path, matched to the form's
 * keys, or to its labels without regard to case: "Port: …" is port's), the path without the request
 * part, the form's name for it, and the message without it.
 */
function leadingField(message: string, labels: FieldLabels): { key: string; path: string; label: string; text: string } | null {
  const m = /^([A-Za-z][\w.]*): (.+)$/s.exec(message);
  if (!m) return null;
  const path = requestPath(m[1]!);
  const last = path[path.length - 1]!.toLowerCase();
  const key = Object.keys(labels).find((k) => labels[k] && (k.toLowerCase() === last || labels[k]!.toLowerCase() === last));
  // Every segment before the field must be one the form leaves out ("smtp", "imap") or a list index.
  if (!key || !path.slice(0, -1).every((p) => labels[p] === '' || /^\d+$/.test(p))) return null;
  return { key, path: [...path.slice(0, -1), key].join('.'), label: fieldLabel([...path.slice(0, -1), key].join('.'), labels), text: m[2]! };
}

/**
 * What a form calls the parts of its request's field paths: a label per path segment, '' to leave a
 * segment out (e.g. { smtp: '', addresses: 'Accepted addresses', params: '', groupBySubject: 'Group by subject' }).
 */
export type FieldLabels = Record<string, string>;

function requestPath(field: string): string[] {
  const path = field.split('.');
  if (path.length > 1 && ['body', 'querystring', 'params'].includes(path[0]!)) path.shift();
  return path;
}

/**
 * A field path as the form names it, list items counted from 1 as the form counts them:
 * "conditions.3.value" → "Condition 4 (value)", "actions.0.params.groupBySubject" → "Action 1 (Group by
 * subject)", "smtp.addresses.1" → "Accepted addresses, address 2", "endsAt" → "Ends".
 */
export function fieldLabel(field: string, labels: FieldLabels = {}): string {
  const path = requestPath(field);
  const name = (segment: string) => (segment in labels ? labels[segment]! : segment);
  const at = path.findIndex((p, i) => i > 0 && /^\d+$/.test(p));
  if (at < 0) return path.map(name).filter(Boolean).join(', ') || field;
  const list = path[at - 1]!;
  const item = `${list.replace(/(es|s)$/, '').replace(/^./, (c) => c.toUpperCase())} ${Number(path[at]) + 1}`;
  const before = path.slice(0, at - 1).map(name).filter(Boolean);
  const head = labels[list] ? [...before, labels[list], item.toLowerCase()] : [...before, item];
  const rest = path.slice(at + 1).map(name).filter(Boolean);
  return `${head.join(', ')}${rest.length ? ` (${rest.join(', ')})` : ''}`;
}

type Options = {
  query?: Query;
  body?: unknown;
  raw?: Blob | string;
  contentType?: string;
  signal?: AbortSignal;
  /** A 401 is an answer the caller handles itself (sign-in form, the first /api/me). */
  quiet401?: boolean;
  accept?: 'json' | 'text';
};

let unauthorizedHandler: (() => void) | null = null;

/** Called when any request finds the session gone; the app sends the user to sign-in. */
export function onUnauthorized(handler: (() => void) | null) {
  unauthorizedHandler = handler;
}

export function withQuery(path: string, query?: Query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

const statusMessages: Record<number, string> = {
  403: 'Your role does not allow this. Ask an administrator.',
  404: 'Not found. It may have been deleted, or the link is wrong.',
  413: 'That is larger than the server accepts.',
  429: 'Too many requests. Wait a moment and try again.',
  502: 'The server is not reachable right now. Try again in a moment.',
  503: 'The server is temporarily unavailable. Try again in a moment.',
};

async function request<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  const headers: Record<string, string> = { accept: opts.accept === 'text' ? 'text/plain, */*' : 'application/json' };
  let body: BodyInit | undefined;
  if (opts.raw !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/octet-stream';
    body = opts.raw;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server did not answer. Check your connection or that Relaydesk is running, then try again.');
  }
  const text = await res.text();
  if (!res.ok) {
    let parsed: { error?: { code?: string; message?: string; details?: unknown } } | null = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    const e = parsed?.error;
    const error = new ApiError(
      res.status,
      e?.code ?? `http_${res.status}`,
      e?.message || statusMessages[res.status] || `The server answered ${res.status} ${res.statusText}.`,
      e?.details,
    );
    if (res.status === 401 && !opts.quiet401) unauthorizedHandler?.();
    throw error;
  }
  if (opts.accept === 'text') return text as T;
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

export const api = {
  get: <T>(path: string, opts?: Omit<Options, 'body' | 'raw'>) => request<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown, opts?: Options) => request<T>('POST', path, { ...opts, body: body ?? opts?.body }),
  put: <T>(path: string, body?: unknown, opts?: Options) => request<T>('PUT', path, { ...opts, body }),
  patch: <T>(path: string, body?: unknown, opts?: Options) => request<T>('PATCH', path, { ...opts, body }),
  del: <T = void>(path: string, opts?: Options) => request<T>('DELETE', path, opts),
  upload: <T>(path: string, raw: Blob | string, contentType: string) => request<T>('POST', path, { raw, contentType }),
  text: (path: string) => request<string>('GET', path, { accept: 'text' }),
};

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
