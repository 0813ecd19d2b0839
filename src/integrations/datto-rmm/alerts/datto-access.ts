import type { DattoClient } from '../client/index.ts';
import type { DattoContext } from '../module-part.ts';

export type DattoAccessState = { enabled: boolean; client: DattoClient | null; problem: string | null };
export type DattoAccess = { current(): Promise<DattoAccessState> };

const TTL_MS = 2_000;

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
      const { enabled } = await ctx.settings.load();
      let value: DattoAccessState;
      try {
        // One 429 is waited out in the call; after that the job is rescheduled for Retry-After and
        // gives its worker back, so resolves queued behind a rate limit do not hold up other jobs.
        value = { enabled, client: await ctx.settings.client({ maxRateLimitWaits: 1 }), problem: enabled ? null : 'the Datto RMM integration is disabled' };
      } catch (err) {
        value = { enabled, client: null, problem: (err as Error).message };
      }
      cached = { at: Date.now(), value };
      return value;
    },
  };
}
