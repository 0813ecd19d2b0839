import { describe, expect, it } from 'vitest';
import { createPacer, type RateLimits, type RequestKind } from '../../src/integrations/datto-rmm/client/pacer.ts';
import type { Clock } from '../../src/integrations/datto-rmm/client/options.ts';

const limits: RateLimits = { windowMs: 60_000, readLimit: 600, cutOffRatio: 0.9, writeLimit: 600, operationLimit: 100 };

function fakeClock(): Clock {
  let now = 0;
  return { now: () => now, sleep: async (ms) => void (now += ms) };
}

/** Runs `count` requests one after another, each taking `latencyMs`; returns when each started. */
async function run(pacer: ReturnType<typeof createPacer>, clock: Clock, kinds: RequestKind[], latencyMs = 5): Promise<number[]> {
  const starts: number[] = [];
  for (const kind of kinds) {
    const slot = await pacer.acquire(kind);
    starts.push(clock.now());
    await clock.sleep(latencyMs);
    slot.release();
  }
  return starts;
}

/** The most requests that started within any one window. */
function busiestWindow(starts: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[j] <= starts[i] - windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

const reads = (n: number): RequestKind[] => Array.from({ length: n }, () => ({ type: 'read' }));

describe('pacer', () => {
  it('keeps reads at the cut-off (540 of 600 per window) and uses the budget fully', async () => {
    const clock = fakeClock();
    const starts = await run(createPacer(limits, 'below-slowdown', clock), clock, reads(2_000));

    expect(busiestWindow(starts, limits.windowMs)).toBe(540);
    // 2,000 reads at 540 per window: three full windows, then the rest.
    expect(starts.at(-1)).toBeLessThan(3 * 60_000 + 540 * 5 + 100);
  });

  it('goes up to 590 per window with the near-limit budget', async () => {
    const clock = fakeClock();
    const starts = await run(createPacer(limits, 'near-limit', clock), clock, reads(1_500));
    expect(busiestWindow(starts, limits.windowMs)).toBe(590);
  });

  it('keeps each write operation under its own limit and all writes under the account budget', async () => {
    const clock = fakeClock();
    const pacer = createPacer({ ...limits, writeLimit: 150 }, 'below-slowdown', clock);
    const kinds: RequestKind[] = Array.from({ length: 400 }, (_, i) => ({ type: 'write', operation: i % 4 === 0 ? 'site-update' : 'alert-resolve' }));

    const starts = await run(pacer, clock, kinds);

    const resolves = starts.filter((_, i) => i % 4 !== 0);
    expect(busiestWindow(starts, limits.windowMs)).toBeLessThanOrEqual(150);
    expect(busiestWindow(resolves, limits.windowMs)).toBe(100);
  });

  it('counts what request_rate reports as already spent', async () => {
    const clock = fakeClock();
    const pacer = createPacer(limits, 'below-slowdown', clock);
    pacer.learn(
      {
        slidingTimeWindowSizeSeconds: 60,
        accountUid: 'a',
        accountCount: 530,
        accountRateLimit: 600,
        accountCutOffRatio: 0.9,
        accountWriteRateLimit: 600,
        accountWriteCount: 0,
        operationWriteStatus: { 'alert-resolve': { limit: 20, count: 0 } },
      },
      1,
    );

    const starts = await run(pacer, clock, reads(20));
    const resolves = await run(pacer, clock, Array.from({ length: 21 }, () => ({ type: 'write', operation: 'alert-resolve' }) as const));

    expect(starts[9]).toBeLessThan(1_000);
    expect(starts[10]).toBeGreaterThanOrEqual(60_000);
    expect(resolves[20] - resolves[0]).toBeGreaterThanOrEqual(60_000);
  });

  it('adopts a learned window scaled by the window factor', async () => {
    const clock = fakeClock();
    const pacer = createPacer({ ...limits, windowMs: 1_000 }, 'below-slowdown', clock);
    pacer.learn({ slidingTimeWindowSizeSeconds: 120, accountRateLimit: 100, accountCutOffRatio: 0.5 } as never, 60);
    expect(pacer.limits).toMatchObject({ windowMs: 2_000, readLimit: 100, cutOffRatio: 0.5 });
  });

  it('holds every request during a pause', async () => {
    const clock = fakeClock();
    const pacer = createPacer(limits, 'below-slowdown', clock);
    pacer.pauseUntil(5_000);
    const [start] = await run(pacer, clock, reads(1));
    expect(start).toBeGreaterThanOrEqual(5_000);
  });

  it('counts requests in flight: concurrent callers wait for a slot to come back', async () => {
    const clock = fakeClock();
    const pacer = createPacer({ ...limits, readLimit: 2, cutOffRatio: 1 }, 'below-slowdown', clock);
    const first = await pacer.acquire({ type: 'read' });
    const second = await pacer.acquire({ type: 'read' });
    let third = false;
    const waiting = pacer.acquire({ type: 'read' }).then((slot) => {
      third = true;
      return slot;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    first.release();
    second.release();
    (await waiting).release();
    expect(third).toBe(true);
    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
  });
});
