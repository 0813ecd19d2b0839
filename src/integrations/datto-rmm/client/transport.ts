import { accountState, type AccountState, type CachedToken } from './account-state.ts';
import { bearerToken, invalidateToken, publicClientAuthorization, readToken, tokenRequestBody } from './auth.ts';
import { dattoError, isDattoApiError, type DattoApiError, type DattoErrorKind } from './errors.ts';
import {
  backoffDelay,
  exchange,
  isNetworkFailure,
  looksLikeHtml,
  parseJson,
  retryAfterMs,
  type Exchange,
  type Outgoing,
} from './http.ts';
import { requestRateSchema } from './models.ts';
import { datto, type ResolvedOptions } from './options.ts';
import type { RequestKind } from './pacer.ts';

export type ApiCall = {
  method: 'GET' | 'POST';
  /** Built by `apiUrl` or checked by the pager: always on the configured host. */
  url: URL;
  kind: RequestKind;
};

export type Transport = {
  /** The JSON body of a successful call; undefined when the body is empty. */
  call(call: ApiCall): Promise<unknown>;
  /** `<base>/api<path>?<query>` */
  apiUrl(path: string, query?: Record<string, string>): URL;
  readonly options: ResolvedOptions;
  readonly state: AccountState;
};

export const read: RequestKind = { type: 'read' };

type Request = ApiCall & { endpoint: 'api' | 'token'; learning?: boolean };

/** Answers that are not worth failing a call over when only the live limits were asked for. */
const ignorableWhileLearning: DattoErrorKind[] = ['forbidden', 'not-found', 'invalid-response', 'server-error', 'rate-limited'];

/**
 * Every HTTP call to Datto goes through here: pacing, the bearer token, the
 * timeout, retries and the mapping of failures to `DattoApiError`.
 */
export function createTransport(options: ResolvedOptions): Transport {
  const state = accountState(options);
  const { clock, logger, baseUrl: host } = options;

  function apiUrl(path: string, query: Record<string, string> = {}): URL {
    const url = new URL(`/api${path}`, host);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  }

  async function requestToken(): Promise<CachedToken> {
    const url = new URL('/auth/oauth/token', host);
    const reply = await send({ method: 'POST', url, kind: read, endpoint: 'token' });
    return readToken(options, parseJson(reply.body), url.pathname);
  }

  async function learnLimits(): Promise<void> {
    if (state.limitsLearned === 'done') return;
    await (state.limitsLearned ??= askLimits());
  }

  async function askLimits(): Promise<void> {
    try {
      const reply = await send({ method: 'GET', url: apiUrl('/v2/system/request_rate'), kind: read, endpoint: 'api', learning: true });
      const rate = requestRateSchema.safeParse(parseJson(reply.body));
      if (rate.success) state.pacer.learn(rate.data, options.windowFactor);
      state.limitsLearned = 'done';
    } catch (error) {
      if (isDattoApiError(error) && ignorableWhileLearning.includes(error.kind)) {
        logger.warn({ kind: error.kind }, 'datto: could not read the live rate limits; using the published ones');
        state.limitsLearned = 'done';
        return;
      }
      state.limitsLearned = null;
      throw error;
    }
  }

  function assertNotBlocked(path: string): void {
    const wait = state.blockedUntil - clock.now();
    if (wait > 0) throw dattoError('ip-blocked', { host, path, status: 403, retryAfterMs: wait });
  }

  /** The request's headers (and body): the public client for the token endpoint, the bearer token elsewhere. */
  async function authorize(request: Request): Promise<{ init: Outgoing; token?: string }> {
    if (request.endpoint === 'token') {
      return {
        init: {
          method: 'POST',
          headers: {
            Authorization: publicClientAuthorization,
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json',
          },
          body: tokenRequestBody(options),
        },
      };
    }
    if (!request.learning) await learnLimits();
    const token = await bearerToken(options, state, requestToken);
    return { init: { method: request.method, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }, token };
  }

  async function send(request: Request): Promise<Exchange> {
    const path = request.url.pathname;
    const isToken = request.endpoint === 'token';
    let attempt = 0;
    let rateLimited = 0;
    let refreshed = false;

    for (;;) {
      assertNotBlocked(path);
      const { init, token } = await authorize(request);
      const slot = isToken ? undefined : await state.pacer.acquire(request.kind);
      const started = clock.now();
      let reply: Awaited<ReturnType<typeof exchange>>;
      try {
        assertNotBlocked(path);
        reply = await exchange(options, request.url, init);
      } finally {
        slot?.release();
      }
      attempt++;
      const ms = Math.round(clock.now() - started);

      if (isNetworkFailure(reply)) {
        logger.warn({ method: request.method, path, attempt, ms, failure: reply.detail }, 'datto: no answer');
        if (reply.retryable && attempt < options.retry.attempts) {
          await clock.sleep(backoffDelay(options, attempt));
          continue;
        }
        throw dattoError(reply.kind, {
          host,
          path,
          detail: reply.kind === 'timeout' ? undefined : reply.detail,
          attempts: attempt,
          timeoutMs: options.timeoutMs,
          cause: reply.cause,
        });
      }

      const { status } = reply;
      logger.debug({ method: request.method, path, query: request.url.search, status, attempt, ms }, 'datto: call');
      if (status >= 200 && status < 300) {
        state.forbiddenPaths.clear();
        return reply;
      }
      if (status === 401 && !isToken && !refreshed && token !== undefined) {
        // The token expired early or was revoked: one fresh token, then the answer counts.
        refreshed = true;
        attempt--;
        invalidateToken(state, token);
        continue;
      }
      if (status === 429) {
        const now = clock.now();
        state.last429At = now;
        rateLimited++;
        const wait = retryAfterMs(reply, options.windowFactor) ?? state.pacer.limits.windowMs / 6;
        if (rateLimited > options.retry.rateLimitRetries) {
          throw dattoError('rate-limited', { host, path, status, retryAfterMs: wait });
        }
        logger.warn({ method: request.method, path, waitMs: Math.round(wait) }, 'datto: rate limited, waiting');
        state.pacer.pauseUntil(now + wait);
        // Something else spends this account's budget: look at the live counts again.
        if (options.learnLimits && !request.learning) state.limitsLearned = null;
        attempt--;
        continue;
      }
      if (status >= 500) {
        if (attempt < options.retry.attempts) {
          logger.warn({ method: request.method, path, status, attempt }, 'datto: server error, retrying');
          await clock.sleep(backoffDelay(options, attempt));
          continue;
        }
        throw dattoError('server-error', { host, path, status, attempts: attempt });
      }
      throw failure(request, reply);
    }
  }

  function failure(request: Request, reply: Exchange): DattoApiError {
    const path = request.url.pathname;
    const { status } = reply;
    if (status >= 300 && status < 400) {
      return dattoError('not-datto', { host, path, status, detail: `redirected (${status}) instead of answering` });
    }
    if (status === 403) return forbiddenOrBlocked(path, reply);
    if (request.endpoint === 'token') {
      if ((status === 400 || status === 401) && !looksLikeHtml(reply)) return dattoError('bad-credentials', { host, path, status });
      return dattoError('not-datto', { host, path, status, detail: `the token endpoint answered ${status}` });
    }
    if (status === 401) return dattoError('bad-credentials', { host, path, status });
    if (status === 404) return dattoError('not-found', { host, path, status });
    return dattoError('invalid-response', { host, path, status, detail: `refused with ${status}${serverMessage(reply)}` });
  }

  function forbiddenOrBlocked(path: string, reply: Exchange): DattoApiError {
    const now = clock.now();
    state.forbiddenPaths.add(path);
    const after429 = now - state.last429At < 2 * state.pacer.limits.windowMs;
    if (after429 || looksLikeHtml(reply) || state.forbiddenPaths.size >= 3) {
      const wait = datto.ipBlockMs / options.windowFactor;
      state.blockedUntil = now + wait;
      logger.error({ path, pauseMs: Math.round(wait) }, 'datto: requests from this IP are blocked; pausing all calls');
      return dattoError('ip-blocked', { host, path, status: 403, retryAfterMs: wait });
    }
    return dattoError('forbidden', { host, path, status: 403, detail: serverMessage(reply).replace(/^: /, '') || undefined });
  }

  /** Datto's own short explanation, if it gave one, without anything that could be a credential. */
  function serverMessage(reply: Exchange): string {
    const body = parseJson(reply.body) as Record<string, unknown> | undefined;
    const text = body && typeof body === 'object' ? (body.message ?? body.error_description ?? body.error) : undefined;
    if (typeof text !== 'string' || text === '') return '';
    let safe = text.slice(0, 200);
    for (const secret of [options.apiSecret, state.token?.token]) {
      if (secret) safe = safe.split(secret).join('[redacted]');
    }
    return `: ${safe}`;
  }

  return {
    options,
    state,
    apiUrl,
    async call(call) {
      const reply = await send({ ...call, endpoint: 'api' });
      if (reply.body.trim() === '') return undefined;
      if (looksLikeHtml(reply)) {
        throw dattoError('not-datto', { host, path: call.url.pathname, detail: 'an HTML page instead of JSON' });
      }
      const body = parseJson(reply.body);
      if (body === undefined) {
        throw dattoError('invalid-response', { host, path: call.url.pathname, detail: 'the body is not JSON' });
      }
      return body;
    },
  };
}
