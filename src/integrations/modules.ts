import type { ModuleDeps } from '../app-context.ts';
import type { IntegrationModule } from './registry.ts';

/** The integration modules this build ships; each is a folder under src/integrations. */
export function createModules(_deps: ModuleDeps): IntegrationModule[] {
  return [];
}
