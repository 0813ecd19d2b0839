import type { ModuleDeps } from '../../app-context.ts';
import type { IntegrationModule } from '../registry.ts';
import type { DattoClientOptions } from './client/index.ts';
import { createSiteLinkEvents, type DattoContext, type ModulePart } from './module-part.ts';
import { createAlertsPart } from './alerts/alerts.part.ts';
import { createImportPart } from './import/import.part.ts';
import { createSettingsService } from './settings.service.ts';
import { settingsRoutes } from './settings.routes.ts';
import { MODULE_KEY } from './settings.ts';

export type DattoModuleOptions = { client?: Partial<DattoClientOptions> };

export function createDattoRmmModule(deps: ModuleDeps, options: DattoModuleOptions = {}): IntegrationModule {
  const ctx: DattoContext = { ...deps, settings: createSettingsService(deps, options.client), siteLinks: createSiteLinkEvents() };
  const parts: ModulePart[] = [{ routes: (app) => settingsRoutes(app, ctx) }, createImportPart(ctx), createAlertsPart(ctx)];

  return {
    key: MODULE_KEY,
    name: 'Datto RMM',
    description: 'Alerts become tickets, closing a ticket resolves the alert, Datto sites and devices become customers, sites and assets.',
    jobs: parts.flatMap((p) => p.jobs ?? []),
    ruleActions: parts.flatMap((p) => p.ruleActions ?? []),
    ticketHooks: {
      async onClosed(trx, change) {
        for (const p of parts) await p.ticketHooks?.onClosed?.(trx, change);
      },
      async onReopened(trx, change) {
        for (const p of parts) await p.ticketHooks?.onReopened?.(trx, change);
      },
    },
    async routes(app) {
      for (const p of parts) await p.routes?.(app);
    },
    async schedules() {
      const { settings, enabled } = await ctx.settings.load();
      return parts.flatMap((p) => p.schedules?.(settings, enabled) ?? []);
    },
    isEnabled: async () => (await ctx.settings.load()).enabled,
    async start() {
      const stops = await Promise.all(parts.map((p) => p.start?.() ?? Promise.resolve(async () => {})));
      return async () => {
        for (const s of stops) await s();
      };
    },
  };
}
