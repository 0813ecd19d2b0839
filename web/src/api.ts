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
   * Field-level messages of a validation error, keyed by the last part of the field path, and for a
   * field inside a list by the list too ("conditions": "Condition 2 (value): …"), so a form can show
   * it beside the list's card.
   */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (!Array.isArray(this.details)) return out;
    for (const d of this.details as Array<{ field?: string; message?: string }>) {
      if (!d?.field || !d.message) continue;
      const path = d.field.split('.');
      if (['body', 'querystring', 'params'].includes(path[0]!)) path.shift();
      out[path[path.length - 1]!] ??= d.message;
      const at = path.findIndex((p, i) => i > 0 && /^\d+$/.test(p));
      if (at > 0) {
        const list = path[at - 1]!;
        const rest = path.slice(at + 1);
        const item = `${list.replace(/(es|s)$/, '').replace(/^./, (c) => c.toUpperCase())} ${Number(path[at]) + 1}${rest.length ? ` (${rest.join('.')})` : ''}: ${d.message}`;
        out[list] = out[list] ? `${out[list]}; ${item}` : item;
      }
    }
    return out;
  }
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
