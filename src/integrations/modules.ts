import type { ModuleDeps } from '../app-context.ts';
import { createDattoRmmModule, type DattoModuleOptions } from './datto-rmm/index.ts';
import type { IntegrationModule } from './registry.ts';

/** Per-module options a test or benchmark may pass (e.g. a Datto client window factor matching an emulator). */
export type ModuleOptions = { 'datto-rmm'?: DattoModuleOptions };

/** The integration modules this build ships; each is a folder under src/integrations. */
export function createModules(deps: ModuleDeps, options: ModuleOptions = {}): IntegrationModule[] {
  return [createDattoRmmModule(deps, options['datto-rmm'])];
}
