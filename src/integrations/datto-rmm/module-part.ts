import type { ModuleDeps } from '../../app-context.ts';
import type { Tx } from '../../db/database.ts';
import type { TicketHooks } from '../../core/tickets/ticket-hooks.ts';
import type { JobDefinition } from '../../jobs/job-definition.ts';
import type { RecurringJob } from '../../jobs/scheduler.ts';
import type { RuleActionDefinition } from '../../rules/rule-action.ts';
import type { HttpApp } from '../registry.ts';
import type { DattoSettings } from './settings.ts';
import type { SettingsService } from './settings.service.ts';

/** Datto sites that now point at a Relaydesk site (by hand or by the import), told in the transaction that linked them. */
export type SiteLinkEvents = {
  onMapped(handler: (trx: Tx, dattoSiteUids: string[]) => Promise<void>): void;
  mapped(trx: Tx, dattoSiteUids: string[]): Promise<void>;
};

/** What every part of the Datto RMM module (settings, import, alerts) is handed. */
export type DattoContext = ModuleDeps & { settings: SettingsService; siteLinks: SiteLinkEvents };

export function createSiteLinkEvents(): SiteLinkEvents {
  const handlers: Array<(trx: Tx, uids: string[]) => Promise<void>> = [];
  return {
    onMapped: (handler) => void handlers.push(handler),
    async mapped(trx, uids) {
      if (uids.length === 0) return;
      for (const h of handlers) await h(trx, uids);
    },
  };
}

/** One capability of the module; index.ts joins the parts into the module the registry sees. */
export type ModulePart = {
  jobs?: JobDefinition<any>[];
  ruleActions?: RuleActionDefinition<any>[];
  ticketHooks?: TicketHooks;
  routes?(app: HttpApp): void | Promise<void>;
  schedules?(settings: DattoSettings, enabled: boolean): Array<RecurringJob & { enabled: boolean }>;
  start?(): Promise<() => Promise<void>>;
};
