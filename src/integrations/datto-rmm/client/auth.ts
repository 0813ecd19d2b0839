import crypto from 'node:crypto';
import type { AccountState, CachedToken } from './account-state.ts';
import { dattoError } from './errors.ts';
import { tokenSchema } from './models.ts';
import type { ResolvedOptions } from './options.ts';

/** Datto's API tokens live 100 hours. */
const defaultLifetimeSeconds = 100 * 3600;
/** Refresh once less than this share of a token's life remains (5 h of 100 h). */
const refreshShare = 0.05;

/** Datto's fixed public OAuth client. */
export const publicClientAuthorization = `Basic ${Buffer.from('public-client:public').toString('base64')}`;

export function tokenRequestBody(options: ResolvedOptions): string {
  return new URLSearchParams({
    grant_type: 'password',
    username: options.apiKey,
    password: options.apiSecret,
  }).toString();
}

/** Reads a token reply; anything without an access token is not Datto's token endpoint. */
export function readToken(options: ResolvedOptions, body: unknown, path: string): CachedToken {
  const parsed = tokenSchema.safeParse(body);
  if (!parsed.success) {
    throw dattoError('not-datto', { host: options.baseUrl, path, detail: 'the token endpoint did not return an access token' });
  }
  const lifetimeMs = (parsed.data.expires_in ?? defaultLifetimeSeconds) * 1000;
  const now = options.clock.now();
  return {
    token: parsed.data.access_token,
    expiresAt: now + lifetimeMs,
    refreshAt: now + lifetimeMs * (1 - refreshShare),
    secretHash: secretHash(options.apiSecret),
  };
}

/**
 * The account's bearer token, from the process-wide cache while it is fresh;
 * concurrent callers share one token request.
 */
export async function bearerToken(
  options: ResolvedOptions,
  state: AccountState,
  requestToken: () => Promise<CachedToken>,
): Promise<string> {
  const hash = secretHash(options.apiSecret);
  const cached = state.token;
  if (cached && cached.secretHash === hash && options.clock.now() < cached.refreshAt) return cached.token;

  if (!state.tokenRequest || state.tokenRequest.secretHash !== hash) {
    const promise = requestToken().finally(() => {
      if (state.tokenRequest?.promise === promise) state.tokenRequest = null;
    });
    state.tokenRequest = { secretHash: hash, promise };
  }
  const fresh = await state.tokenRequest.promise;
  state.token = fresh;
  return fresh.token;
}

/** Drops the cached token after Datto refused it, unless another caller already replaced it. */
export function invalidateToken(state: AccountState, token: string): void {
  if (state.token?.token === token) state.token = null;
}

function secretHash(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('base64url');
}
