import type { DattoContext, ModulePart } from '../module-part.ts';

/** Customer/site import, the site mapping table and devices as assets. */
export function createImportPart(_ctx: DattoContext): ModulePart {
  return {};
}
