import { createPacer, type Pacer } from './pacer.ts';
import type { ResolvedOptions } from './options.ts';

export type CachedToken = {
  token: string;
  /** When Datto stops accepting it. */
  expiresAt: number;
  /** When the client asks for the next one. */
  refreshAt: number;
  /** A token obtained with another secret does not prove this one. */
  secretHash: string;
};

/**
 * What every client for one Datto account in this process shares: Datto counts
 * limits and blocks per account (and IP), not per client instance.
 */
export type AccountState = {
  pacer: Pacer;
  token: CachedToken | null;
  tokenRequest: { secretHash: string; promise: Promise<CachedToken> } | null;
  /** The `request_rate` lookup: pending, done, or not yet (null; again after a 429). */
  limitsLearned: Promise<void> | 'done' | null;
  last429At: number;
  blockedUntil: number;
  /** Paths answered 403 since the last success: 403 on everything is a block, not a permission. */
  forbiddenPaths: Set<string>;
};

const accounts = new Map<string, AccountState>();

/** The first client for an account decides its clock and limits; later ones share them. */
export function accountState(options: ResolvedOptions): AccountState {
  const key = `${options.baseUrl}\n${options.apiKey}`;
  let state = accounts.get(key);
  if (!state) {
    state = {
      pacer: createPacer(options.limits, options.readBudget, options.clock),
      token: null,
      tokenRequest: null,
      limitsLearned: options.learnLimits ? null : 'done',
      last429At: -Infinity,
      blockedUntil: -Infinity,
      forbiddenPaths: new Set(),
    };
    accounts.set(key, state);
  }
  return state;
}

/** Forgets every account's token, pacing and block state (tests). */
export function forgetDattoAccounts(): void {
  accounts.clear();
}
