import type { ResolvedOptions } from './options.ts';

export type Exchange = {
  status: number;
  headers: Headers;
  body: string;
};

export type Outgoing = { method: string; headers: Record<string, string>; body?: string };

/** A request that got no HTTP answer. */
export type NetworkFailure = {
  kind: 'timeout' | 'unreachable';
  /** An error code or short reason for the message, e.g. `ECONNREFUSED`, `connection dropped`. */
  detail: string;
  /** Worth another attempt: a dropped connection or a timeout, not a wrong host name or certificate. */
  retryable: boolean;
  cause: unknown;
};

/** One HTTP round trip with a timeout; the body is read in full before returning. */
export async function exchange(
  options: ResolvedOptions,
  url: URL,
  init: Outgoing,
): Promise<Exchange | NetworkFailure> {
  try {
    const response = await options.fetch(url, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    return classifyNetworkError(error);
  }
}

export function isNetworkFailure(value: Exchange | NetworkFailure): value is NetworkFailure {
  return 'kind' in value;
}

/** A wrong host name or a certificate problem: another attempt would fail the same way. */
const permanentCodes = /^(ENOTFOUND|ERR_INVALID_URL|EPROTO)$|CERT|TLS|SSL|UNABLE_TO_VERIFY/;

export function classifyNetworkError(error: unknown): NetworkFailure {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'timeout', detail: 'timed out', retryable: true, cause: error };
  }
  const code = errorCode(error);
  if (code && permanentCodes.test(code)) return { kind: 'unreachable', detail: code, retryable: false, cause: error };
  if (code === 'ECONNREFUSED' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return { kind: 'unreachable', detail: code, retryable: true, cause: error };
  }
  return { kind: 'unreachable', detail: code ? `connection dropped: ${code}` : 'connection dropped', retryable: true, cause: error };
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Full jitter: a random wait between 0 and the exponential step. */
export function backoffDelay(options: ResolvedOptions, attempt: number): number {
  const step = Math.min(options.retry.maxDelayMs, options.retry.baseDelayMs * 2 ** (attempt - 1));
  return Math.random() * step;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function looksLikeHtml(exchange: Exchange): boolean {
  const type = exchange.headers.get('content-type') ?? '';
  return type.includes('html') || /^\s*</.test(exchange.body);
}

/** Retry-After as seconds or an HTTP date; Datto's seconds are divided by the window factor. */
export function retryAfterMs(exchange: Exchange, windowFactor: number): number | undefined {
  const header = exchange.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, (seconds * 1000) / windowFactor);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now()) / windowFactor;
}
