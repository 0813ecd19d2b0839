import type { AppContext } from './app-context.ts';
import type { RouteSet } from './http/app.ts';
import type { RecurringJob } from './jobs/scheduler.ts';

/**
 * The parts of the service desk that are not integration modules but run in the background
 * (the mail pipeline): their routes, job kinds, schedules and receivers.
 */
export type Background = { routes: RouteSet[]; schedules: RecurringJob[]; start(): Promise<() => Promise<void>> };

export function createBackground(_ctx: AppContext): Background {
  return { routes: [], schedules: [], start: async () => async () => {} };
}
