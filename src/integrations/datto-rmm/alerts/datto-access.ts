import type { Executor } from '../../../db/database.ts';
import type { DattoClient } from '../client/index.ts';
import type { DattoContext } from '../module-part.ts';
import { readSettingsRow } from '../settings.repository.ts';

export type DattoAccessState = {
  enabled: boolean; client: DattoClient | null; problem: string | null;
  /** When the settings this state was made from were saved. */
  savedAt: string | null;
};
export type DattoAccess = {
  current(): Promise<DattoAccessState>;
  /**
   * Whether the settings were saved again since `state` was read. A call that failed on settings
   * since replaced (new credentials, the module turned on) is tried again rather than failed: the
   * save re-queues failed work, but not work still running on the old settings.
   */
  changedSince(exec: Executor, state: DattoAccessState): Promise<boolean>;
};

const TTL_MS = 2_000;
export const SETTINGS_CHANGED = 'The Datto RMM settings were saved while the call was made: trying again with the saved ones.';

/**
 * Whether the module is on and a client for the saved settings, reused for a couple of seconds:
 * resolve and enrichment jobs run by the hundred per minute and each would otherwise read and
 * decrypt the settings twice. Saving the settings drops the cached one at once.
 */
export function createDattoAccess(ctx: DattoContext): DattoAccess {
  let cached: { at: number; value: DattoAccessState } | null = null;
  ctx.settings.onSaved(async () => {
    cached = null;
  });
  return {
    async current(): Promise<DattoAccessState> {
      if (cached && Date.now() - cached.at < TTL_MS) return cached.value;
      const saved = await ctx.settings.load();
      const { enabled, savedAt } = saved;
      let value: DattoAccessState;
      try {
        // One 429 is waited out in the call; after that the job is rescheduled for Retry-After and
        // gives its worker back, so resolves queued behind a rate limit do not hold up other jobs.
        const client = await ctx.settings.client({ maxRateLimitWaits: 1 }, saved);
        value = { enabled, client, problem: enabled ? null : 'the Datto RMM integration is disabled', savedAt };
      } catch (err) {
        value = { enabled, client: null, problem: (err as Error).message, savedAt };
      }
      cached = { at: Date.now(), value };
      return value;
    },

    async changedSince(exec, state) {
      const changed = ((await readSettingsRow(exec))?.updated_at ?? null) !== state.savedAt;
      // Saved by another process, whose save could not drop this one's cache: the next call reads them.
      if (changed) cached = null;
      return changed;
    },
  };
}
