import type { AppContext } from './app-context.ts';
import type { RouteSet } from './http/app.ts';
import type { RecurringJob } from './jobs/scheduler.ts';
import { createMailPipeline } from './mail/mail-pipeline.ts';

/**
 * The parts of the service desk that are not integration modules but run in the background
 * (the mail pipeline): their routes, job kinds, schedules and receivers.
 */
export type Background = { routes: RouteSet[]; schedules: RecurringJob[]; start(): Promise<() => Promise<void>> };

export function createBackground(ctx: AppContext): Background {
  const mail = createMailPipeline(ctx);
  return { routes: [(app) => mail.routes(app)], schedules: [], start: () => mail.start() };
}
