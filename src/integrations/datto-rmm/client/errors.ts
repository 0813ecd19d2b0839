/** What went wrong, in terms a settings screen can explain and a job can act on. */
export type DattoErrorKind =
  | 'invalid-url'
  | 'unreachable'
  | 'not-datto'
  | 'bad-credentials'
  | 'forbidden'
  | 'rate-limited'
  | 'ip-blocked'
  | 'server-error'
  | 'timeout'
  | 'not-found'
  | 'invalid-response';

export type DattoErrorDetails = {
  /** HTTP status, when Datto answered. */
  status?: number;
  /** API path of the failed call, without query and never with credentials. */
  path?: string;
  /** How long to wait before calling again (rate-limited, ip-blocked). */
  retryAfterMs?: number;
  cause?: unknown;
};

export class DattoApiError extends Error {
  readonly kind: DattoErrorKind;
  readonly status: number | undefined;
  readonly path: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(kind: DattoErrorKind, message: string, details: DattoErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DattoApiError';
    this.kind = kind;
    this.status = details.status;
    this.path = details.path;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isDattoApiError(error: unknown, kind?: DattoErrorKind): error is DattoApiError {
  return error instanceof DattoApiError && (kind === undefined || error.kind === kind);
}

type Context = {
  host: string;
  path?: string;
  status?: number;
  /** A short technical reason (an error code, a content type); never a credential. */
  detail?: string;
  retryAfterMs?: number;
  attempts?: number;
  timeoutMs?: number;
  cause?: unknown;
};

const messages: Record<Exclude<DattoErrorKind, 'invalid-url'>, (c: Context) => string> = {
  unreachable: (c) =>
    `Cannot connect to Datto RMM at ${c.host}${reason(c)}. Check the API URL and that this server can reach it (DNS, firewall, proxy).`,
  'not-datto': (c) =>
    `${c.host} does not answer like the Datto RMM API${reason(c)}. Copy the API URL from Datto RMM (Setup > Global Settings > Access Control), for example https://merlot-api.centrastage.net.`,
  'bad-credentials': () =>
    'Datto RMM rejected the API key and secret. Check that API access is enabled for the API user, generate a new key pair if needed, and enter both again.',
  forbidden: (c) =>
    `Datto RMM refused access to ${c.path ?? 'this resource'} (403)${reason(c)}. The API user's security level does not allow it, or API access is disabled for the account: check the user in Datto RMM.`,
  'rate-limited': (c) =>
    `Datto RMM is limiting requests for this account (429)${waitHint(c)}. Other tools using the same Datto account share the limit; try again later.`,
  'ip-blocked': (c) =>
    `Datto RMM is refusing all requests from this server (403), which it does for about 5 minutes after too many requests${waitHint(c)}. Relaydesk has paused its calls; nothing needs to be done unless it keeps happening.`,
  'server-error': (c) =>
    `Datto RMM answered with a server error${c.status ? ` (${c.status})` : ''}${c.attempts ? ` ${c.attempts} times` : ''} for ${c.path ?? 'the request'}. This is usually temporary; try again later.`,
  timeout: (c) =>
    `Datto RMM did not answer ${c.path ?? 'the request'} within ${Math.round((c.timeoutMs ?? 0) / 100) / 10} s${c.attempts ? ` (${c.attempts} attempts)` : ''}. It may be slow or unreachable; try again later.`,
  'not-found': (c) =>
    `Datto RMM has nothing at ${c.path ?? 'this address'} (404): it may have been deleted or moved.`,
  'invalid-response': (c) =>
    `Datto RMM sent a response Relaydesk cannot read for ${c.path ?? 'the request'}${reason(c)}.`,
};

export function dattoError(kind: Exclude<DattoErrorKind, 'invalid-url'>, context: Context): DattoApiError {
  return new DattoApiError(kind, messages[kind](context), {
    status: context.status,
    path: context.path,
    retryAfterMs: context.retryAfterMs,
    cause: context.cause,
  });
}

/** Datto's own words, in brackets; their closing full stop is dropped, as the sentence goes on after them. */
function reason(c: Context): string {
  const detail = c.detail?.trim().replace(/[.\s]+$/, '');
  return detail ? ` (${detail})` : '';
}

function waitHint(c: Context): string {
  if (c.retryAfterMs === undefined) return '';
  const seconds = Math.ceil(c.retryAfterMs / 1000);
  return `; calls resume in about ${seconds} s`;
}
