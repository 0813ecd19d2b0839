import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TicketHooks } from '../core/tickets/ticket-hooks.ts';
import type { JobDefinition } from '../jobs/job-definition.ts';
import type { RecurringJob } from '../jobs/scheduler.ts';
import type { RuleActionDefinition } from '../rules/rule-action.ts';

export type HttpApp = FastifyInstance<any, any, any, any, ZodTypeProvider>;

/**
 * What an integration module provides. The core wires these in at start; nothing outside a
 * module's folder knows the system it integrates.
 */
export type IntegrationModule = {
  key: string;
  name: string;
  description: string;
  /** Job kinds the module's work runs as. */
  jobs: JobDefinition<any>[];
  /** Email-rule actions the module offers (e.g. "datto-rmm.alert"). */
  ruleActions: RuleActionDefinition<any>[];
  /** Called inside ticket transactions (e.g. close → resolve the alert). */
  ticketHooks: TicketHooks;
  /** Routes under /api/integrations/<key> and /hooks/<key>. */
  routes(app: HttpApp): Promise<void> | void;
  /** Recurring jobs, read again when the module's settings change. */
  schedules(): Promise<Array<RecurringJob & { enabled: boolean }>>;
  isEnabled(): Promise<boolean>;
  /** Background work that is not a job (receivers, listeners); returns its stop function. */
  start?(): Promise<() => Promise<void>>;
};

export type IntegrationSummary = { key: string; name: string; description: string; enabled: boolean };

export async function summarize(modules: IntegrationModule[]): Promise<IntegrationSummary[]> {
  return Promise.all(modules.map(async (m) => ({ key: m.key, name: m.name, description: m.description, enabled: await m.isEnabled() })));
}
