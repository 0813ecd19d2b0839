import type { Tx } from '../../../db/database.ts';
import type { EmailRuleCondition } from '../../../rules/email-rule.schemas.ts';
import { ValidationError } from '../../../errors.ts';
import { ensureSystemRule, systemRuleExists, updateSystemRule } from '../../../rules/email-rule.service.ts';
import type { DattoSettings } from '../settings.ts';
import { ALERT_ACTION } from './alert-rule-action.ts';

export const SYSTEM_RULE_KEY = 'datto-rmm-alerts';
export const SYSTEM_RULE_NAME = 'Datto RMM Alerts';

/** With no mailbox chosen ("any mailbox") the rule has no mailbox condition. */
const conditionsFor = (a: DattoSettings['alerting']): EmailRuleCondition[] => [
  ...(a.mailboxId ? [{ field: 'mailbox', operator: 'equals', value: a.mailboxId } as const] : []),
  { field: 'from', operator: 'equals', value: a.fromAddress },
  { field: 'subject', operator: 'contains', value: 'Alert{' },
];

/**
 * A condition that still holds the value the previous settings wrote follows the new value (a
 * mailbox condition goes when "any mailbox" is chosen); one the user changed (another address,
 * another operator) is theirs and stays as it is.
 */
function follow(c: EmailRuleCondition, was: DattoSettings['alerting'], now: DattoSettings['alerting']): EmailRuleCondition | null {
  if (c.operator !== 'equals') return c;
  if (c.field === 'mailbox' && c.value === was.mailboxId) return now.mailboxId ? { ...c, value: now.mailboxId } : null;
  if (c.field === 'from' && typeof c.value === 'string' && was.fromAddress
    && c.value.toLowerCase() === was.fromAddress.toLowerCase()) return { ...c, value: now.fromAddress };
  return c;
}

/**
 * Saving the alerting settings creates the "Datto RMM Alerts" rule once. It is then the user's: it
 * can be edited, reordered, disabled or deleted like any rule. A later change of mailbox or From
 * Address is carried into the condition that still says what Relaydesk wrote there, and into no other.
 */
export async function syncSystemRule(trx: Tx, settings: DattoSettings, before: DattoSettings): Promise<void> {
  const a = settings.alerting;
  if (!a.fromAddress) {
    // Clearing it would leave the rule filtering on the old address while the form shows none.
    if (before.alerting.fromAddress && (await systemRuleExists(trx, SYSTEM_RULE_KEY))) {
      const message = `the "${SYSTEM_RULE_NAME}" email rule takes alert e-mails from this address; to stop taking them, disable or delete that rule rather than clearing the address`;
      throw ValidationError.forFields([{ field: 'alerting.fromAddress', message }]);
    }
    return;
  }
  const alertingChanged = (['mailboxId', 'fromAddress', 'defaultTicketTypeId'] as const).some((k) => a[k] !== before.alerting[k]);
  // Deleted by the user: only a change of the alerting settings brings it back, not a save of anything else.
  if (!alertingChanged && !(await systemRuleExists(trx, SYSTEM_RULE_KEY))) return;
  const rule = await ensureSystemRule(trx, {
    systemKey: SYSTEM_RULE_KEY, name: SYSTEM_RULE_NAME, match: 'all', conditions: conditionsFor(a), actions: [{ type: ALERT_ACTION, params: {} }],
    // Monitoring alerts are machine mail (often Auto-Submitted: auto-generated); the From condition keeps this narrow.
    acceptAutomated: true,
  });
  const followed = rule.conditions.map((c) => follow(c, before.alerting, a)).filter((c): c is EmailRuleCondition => c !== null);
  // A mailbox chosen where there was none: the rule gets the condition, unless it already has one of its own.
  if (a.mailboxId && !before.alerting.mailboxId && !followed.some((c) => c.field === 'mailbox')) {
    followed.unshift({ field: 'mailbox', operator: 'equals', value: a.mailboxId });
  }
  if (JSON.stringify(followed) !== JSON.stringify(rule.conditions)) {
    await updateSystemRule(trx, SYSTEM_RULE_KEY, { conditions: followed });
  }
}
