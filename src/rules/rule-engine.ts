import type { InboundMail } from './rule-action.ts';
import type { EmailRuleAction, EmailRuleCondition } from './email-rule.schemas.ts';
import { compileRuleRegex, MATCH_LIMITS } from './safe-regex.ts';

/** A rule ready to evaluate: regexes compiled once per load, not once per mail. */
export type CompiledRule = {
  id: number; name: string; match: 'all' | 'any'; actions: EmailRuleAction[]; acceptAutomated: boolean;
  test(mail: InboundMail, view: MailView): boolean;
};

/** Lower-cased views of a mail, computed once and shared by every rule; what regexes see is capped. */
export type MailView = { from: string[]; to: string[]; cc: string[]; subject: string; body: string; bodyForRegex: string };

export function viewOf(mail: InboundMail): MailView {
  const from = mail.from ? [mail.from.address, `${mail.from.name} <${mail.from.address}>`.trim()] : [];
  return {
    from: from.map((f) => f.toLowerCase().slice(0, MATCH_LIMITS.header)),
    to: [...mail.to, ...mail.cc].map((a) => a.toLowerCase().slice(0, MATCH_LIMITS.header)),
    cc: mail.cc.map((a) => a.toLowerCase().slice(0, MATCH_LIMITS.header)),
    subject: mail.subject.toLowerCase(),
    body: mail.text.toLowerCase(),
    bodyForRegex: mail.text.slice(0, MATCH_LIMITS.body),
  };
}

type Predicate = (mail: InboundMail, view: MailView) => boolean;

function compileCondition(c: EmailRuleCondition): Predicate {
  if (c.field === 'mailbox') return (mail) => mail.mailboxId === c.value;
  const needle = c.value.toLowerCase();
  let test: (text: string) => boolean;
  if (c.operator === 'regex') {
    const check = compileRuleRegex(c.value);
    // A stored pattern that no longer passes the checks matches nothing rather than risking the worker.
    if (!check.ok) return () => false;
    const re = check.regex;
    test = (text) => re.test(text);
  } else if (c.operator === 'equals') {
    test = (text) => text.trim() === needle.trim();
  } else {
    test = (text) => text.includes(needle);
  }
  switch (c.field) {
    case 'from':
      // equals compares the address; contains and regex also see the display name.
      return c.operator === 'equals' ? (_m, v) => v.from.length > 0 && test(v.from[0]!) : (_m, v) => v.from.some(test);
    case 'to':
      return (_m, v) => v.to.some(test);
    case 'cc':
      return (_m, v) => v.cc.some(test);
    case 'subject':
      return (mail, v) => test(c.operator === 'regex' ? mail.subject.slice(0, MATCH_LIMITS.header) : v.subject);
    case 'body':
      return (_m, v) => test(c.operator === 'regex' ? v.bodyForRegex : v.body);
  }
}

export function compileRule(rule: Omit<CompiledRule, 'test'> & { conditions: EmailRuleCondition[] }): CompiledRule {
  const predicates = rule.conditions.map(compileCondition);
  const test: CompiledRule['test'] = predicates.length === 0
    ? () => true
    : rule.match === 'any'
      ? (mail, view) => predicates.some((p) => p(mail, view))
      : (mail, view) => predicates.every((p) => p(mail, view));
  return { id: rule.id, name: rule.name, match: rule.match, actions: rule.actions, acceptAutomated: rule.acceptAutomated, test };
}

/** Rules in order; the first that matches wins. */
export function firstMatch(rules: CompiledRule[], mail: InboundMail): CompiledRule | null {
  const view = viewOf(mail);
  return rules.find((r) => r.test(mail, view)) ?? null;
}
