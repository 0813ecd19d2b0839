import type { DattoContext, ModulePart } from '../module-part.ts';

/** Alerts by e-mail and webhook, enrichment, close → resolve, reconciliation and the lifecycle policies. */
export function createAlertsPart(_ctx: DattoContext): ModulePart {
  return {};
}
