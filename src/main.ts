import type { AddressInfo } from 'node:net';
import { createAppContext, type AppContext, type ContextOptions } from './app-context.ts';
import type { Config } from './config.ts';
import { buildHttpApp } from './http/app.ts';
import { startWorker, type Worker } from './jobs/job-worker.ts';
import { startScheduler, upsertSchedule } from './jobs/scheduler.ts';
import { createBackground } from './background.ts';

export type Running = {
  ctx: AppContext;
  url: string;
  worker: Worker | null;
  /** Re-reads every module's schedules (after a settings change). */
  refreshSchedules(): Promise<void>;
  stop(): Promise<void>;
};

export type StartOptions = ContextOptions & { workerPollMs?: number; schedulerEveryMs?: number };

/** config → database → migrations → first admin → HTTP → workers, schedules and receivers. */
export async function startRelaydesk(config: Config, options: StartOptions = {}): Promise<Running> {
  const ctx = await createAppContext(config, options);
  const log = ctx.logger;

  if (config.RELAYDESK_ADMIN_EMAIL && config.RELAYDESK_ADMIN_PASSWORD && (await ctx.services.agents.needsSetup())) {
    await ctx.services.agents.createFirstAdmin({ email: config.RELAYDESK_ADMIN_EMAIL, name: 'Administrator', password: config.RELAYDESK_ADMIN_PASSWORD });
    log.info({ email: config.RELAYDESK_ADMIN_EMAIL }, 'created the first administrator');
  }

  const background = createBackground(ctx);
  const app = await buildHttpApp(ctx, background.routes);
  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  const refreshSchedules = async () => {
    for (const m of ctx.modules) for (const s of await m.schedules()) await upsertSchedule(ctx.queue, s, s.enabled);
    for (const s of background.schedules) await upsertSchedule(ctx.queue, s, true);
  };

  let worker: Worker | null = null;
  let scheduler: { stop(): void } | null = null;
  const stops: Array<() => Promise<void>> = [];
  if (config.RELAYDESK_WORKERS) {
    await refreshSchedules();
    worker = startWorker(ctx.queue, { concurrency: config.RELAYDESK_JOB_CONCURRENCY, pollMs: options.workerPollMs, logger: log.child({ component: 'jobs' }) });
    scheduler = startScheduler(ctx.queue, log, options.schedulerEveryMs);
    for (const m of ctx.modules) if (m.start) stops.push(await m.start());
    stops.push(await background.start());
  }
  log.info({ url, database: ctx.dialect }, 'Relaydesk is listening');

  let stopped = false;
  return {
    ctx, url, worker, refreshSchedules,
    async stop() {
      if (stopped) return;
      stopped = true;
      scheduler?.stop();
      await app.close();
      for (const s of stops.reverse()) await s().catch((err) => log.warn({ err }, 'stopping a receiver failed'));
      await worker?.stop();
      await ctx.close();
    },
  };
}
