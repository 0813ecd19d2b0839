import type { Tx } from '../../../db/database.ts';
import type { EmailRuleCondition } from '../../../rules/email-rule.schemas.ts';
import { ensureSystemRule, updateSystemRule } from '../../../rules/email-rule.service.ts';
import type { DattoSettings } from '../settings.ts';
import { ALERT_ACTION } from './alert-rule-action.ts';

export const SYSTEM_RULE_KEY = 'datto-rmm-alerts';
export const SYSTEM_RULE_NAME = 'Datto RMM Alerts';

const conditionsFor = (a: DattoSettings['alerting']): EmailRuleCondition[] => [
  { field: 'mailbox', operator: 'equals', value: a.mailboxId! },
  { field: 'from', operator: 'equals', value: a.fromAddress },
  { field: 'subject', operator: 'contains', value: 'Alert{' },
];

/** The rule still has the three conditions Relaydesk wrote (values aside): it is safe to follow new settings. */
function untouchedShape(conditions: EmailRuleCondition[]): boolean {
  return conditions.length === 3
    && conditions[0]?.field === 'mailbox'
    && conditions[1]?.field === 'from' && conditions[1].operator === 'equals'
    && conditions[2]?.field === 'subject' && conditions[2].operator === 'contains' && conditions[2].value === 'Alert{';
}

/**
 * Saving the alerting settings creates the "Datto RMM Alerts" rule once. It is then the user's: it
 * can be edited, reordered or disabled like any rule. A later change of mailbox or From Address is
 * carried into it only while its conditions still have the shape Relaydesk wrote.
 */
export async function syncSystemRule(trx: Tx, settings: DattoSettings): Promise<void> {
  const a = settings.alerting;
  if (!a.mailboxId || !a.fromAddress) return;
  const wanted = conditionsFor(a);
  const rule = await ensureSystemRule(trx, {
    systemKey: SYSTEM_RULE_KEY, name: SYSTEM_RULE_NAME, match: 'all', conditions: wanted, actions: [{ type: ALERT_ACTION, params: {} }],
    // Monitoring alerts are machine mail (often Auto-Submitted: auto-generated); the From condition keeps this narrow.
    acceptAutomated: true,
  });
  if (untouchedShape(rule.conditions) && JSON.stringify(rule.conditions) !== JSON.stringify(wanted)) {
    await updateSystemRule(trx, SYSTEM_RULE_KEY, { conditions: wanted });
  }
}
