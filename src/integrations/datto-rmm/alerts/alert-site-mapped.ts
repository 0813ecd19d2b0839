import { systemActor } from '../../../core/actor.ts';
import type { Tx } from '../../../db/database.ts';
import type { DattoContext } from '../module-part.ts';
import { openTicketAlertsOfSites } from './alert.repository.ts';
import { ORIGIN } from './alert-intake.service.ts';
import { placementPatch, targetsOf } from './alert-targets.ts';

const actor = systemActor('Datto RMM');

/**
 * A Datto site that gets mapped (by hand, or by an import) places the open tickets its alerts made
 * while it was not: customer, site and asset are filled where the ticket has no customer yet. A
 * ticket someone already gave a customer keeps it.
 */
export async function placeTicketsOfMappedSites(ctx: DattoContext, trx: Tx, dattoSiteUids: string[]): Promise<void> {
  const done = new Set<number>();
  for (const alert of await openTicketAlertsOfSites(trx, dattoSiteUids)) {
    if (done.has(alert.ticket_id)) continue;
    done.add(alert.ticket_id);
    const targets = await targetsOf(trx, alert);
    const patch = placementPatch({ customer_id: null, asset_id: alert.ticket_asset_id }, targets);
    if (patch.customerId === undefined) continue;
    await ctx.services.tickets.updateIn(trx, alert.ticket_id, patch, actor, ORIGIN);
    await ctx.services.tickets.addActionIn(trx, alert.ticket_id, 'alert_event',
      `The Datto site ${targets.siteName ?? ''} (${targets.dattoSiteUid}) is now mapped: the ticket's customer and site are filled in from it.`,
      actor, { dattoSiteUid: targets.dattoSiteUid, mapped: true });
  }
}

export const placeAlertTicketsOnMapping = (ctx: DattoContext) =>
  ctx.siteLinks.onMapped((trx, uids) => placeTicketsOfMappedSites(ctx, trx, uids));
