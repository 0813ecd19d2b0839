import { z } from 'zod';
import type { Tx } from '../../../db/database.ts';
import type { RuleActionDefinition } from '../../../rules/rule-action.ts';
import type { DattoContext } from '../module-part.ts';
import type { DattoSettings } from '../settings.ts';
import type { AlertIntake } from './alert-intake.service.ts';
import { alertSummaryOf, alertTagOf } from './alert-uid.ts';

export const ALERT_ACTION = 'datto-rmm.alert';

/**
 * The "Datto RMM alert" rule action: takes the alert uid from the subject's `Alert{…}` and hands the
 * mail to the alert intake, in the transaction that records the message's outcome.
 */
export function alertRuleAction(ctx: DattoContext, intake: AlertIntake): RuleActionDefinition<Record<string, never>> {
  // Read at most once a second (mail comes in bursts); a save in this process is seen at once.
  let cached: { at: number; settings: DattoSettings; enabled: boolean } | null = null;
  ctx.settings.onSaved(async () => {
    cached = null;
  });
  const settingsIn = async (trx: Tx) => {
    if (!cached || Date.now() - cached.at > 1_000) {
      const loaded = await ctx.settings.load(trx);
      cached = { at: Date.now(), settings: loaded.settings, enabled: loaded.enabled };
    }
    return cached;
  };

  return {
    type: ALERT_ACTION,
    label: 'Datto RMM alert (one ticket per alert, linked to Datto)',
    params: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
    async run(trx, mail) {
      const tag = alertTagOf(mail.subject);
      if (!tag.found) return { outcome: 'ignored', reason: 'not a Datto RMM alert: the subject has no Alert{…} tag' };
      if (!tag.uid) return { outcome: 'ignored', reason: `not a Datto RMM alert: Alert{${tag.raw.slice(0, 60)}} does not hold an alert uid` };
      const { settings, enabled } = await settingsIn(trx);
      const outcome = await intake.raiseIn(trx, {
        alertUid: tag.uid,
        via: 'email',
        event: 'raised',
        at: new Date(),
        summary: alertSummaryOf(mail.subject, tag.uid),
        details: mail.text,
        facts: {},
        ref: { inboundMessageId: mail.inboundMessageId, messageId: mail.messageId, from: mail.from?.address ?? null, subject: mail.subject },
      }, settings, enabled);
      switch (outcome.outcome) {
        case 'ticket_created':
        case 'ticket_updated':
          return { outcome: outcome.outcome, ticketId: outcome.ticketId, ...(outcome.note ? { note: `alert ${outcome.alertUid}: ${outcome.note}` } : {}) };
        case 'held':
          return outcome.ticketId
            ? { outcome: 'ticket_updated', ticketId: outcome.ticketId, note: outcome.reason }
            : { outcome: 'ignored', reason: `Datto RMM alert ${outcome.alertUid} ${outcome.reason}` };
        case 'ignored':
          return { outcome: 'ignored', reason: `Datto RMM alert ${outcome.alertUid}: ${outcome.reason}` };
      }
    },
    afterCommit: () => ctx.queue.wake(),
  };
}
