import type { ModuleDeps } from '../../app-context.ts';
import type { TicketHooks } from '../../core/tickets/ticket-hooks.ts';
import type { JobDefinition } from '../../jobs/job-definition.ts';
import type { RecurringJob } from '../../jobs/scheduler.ts';
import type { RuleActionDefinition } from '../../rules/rule-action.ts';
import type { HttpApp } from '../registry.ts';
import type { DattoSettings } from './settings.ts';
import type { SettingsService } from './settings.service.ts';

/** What every part of the Datto RMM module (settings, import, alerts) is handed. */
export type DattoContext = ModuleDeps & { settings: SettingsService };

/** One capability of the module; index.ts joins the parts into the module the registry sees. */
export type ModulePart = {
  jobs?: JobDefinition<any>[];
  ruleActions?: RuleActionDefinition<any>[];
  ticketHooks?: TicketHooks;
  routes?(app: HttpApp): void | Promise<void>;
  schedules?(settings: DattoSettings, enabled: boolean): Array<RecurringJob & { enabled: boolean }>;
  start?(): Promise<() => Promise<void>>;
};
