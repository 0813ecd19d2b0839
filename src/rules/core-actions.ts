import type { Executor, Tx } from '../db/database.ts';
import type { InboundMail, ReferenceProblem, RuleActionDefinition, RuleActionOutcome } from './rule-action.ts';
import { addToTicketParamsSchema, createTicketParamsSchema, ignoreParamsSchema } from './email-rule.schemas.ts';
import { compileRuleRegex, MATCH_LIMITS, type RuleRegex } from './safe-regex.ts';

/** How the core actions reach tickets; the mail pipeline hands in its shared "ticket from mail" path. */
export type MailTicketPort = {
  ticketFromMail(trx: Tx, mail: InboundMail, opts: { ticketTypeId?: number; priority?: number; customerId?: number; siteId?: number; threadKey?: string }): Promise<RuleActionOutcome>;
  addMailToTicket(trx: Tx, ticketId: number, mail: InboundMail, note?: string): Promise<RuleActionOutcome>;
  /** The ticket service's own check of what a ticket may name; the action checks with it at save time. */
  referenceProblems(exec: Executor, refs: { ticketTypeId?: number; customerId?: number; siteId?: number; ticketId?: number }): Promise<ReferenceProblem[]>;
};

const groupPatterns = new Map<string, RuleRegex | null>();
function groupPattern(pattern: string): RuleRegex | null {
  let re = groupPatterns.get(pattern);
  if (re === undefined) {
    const check = compileRuleRegex(pattern);
    re = check.ok ? check.regex : null;
    if (groupPatterns.size > 1000) groupPatterns.clear();
    groupPatterns.set(pattern, re);
  }
  return re;
}

export function createCoreRuleActions(port: MailTicketPort): RuleActionDefinition<any>[] {
  const createTicket: RuleActionDefinition<typeof createTicketParamsSchema._output> = {
    type: 'create-ticket',
    label: 'Create a ticket',
    params: createTicketParamsSchema,
    async run(trx, mail, p) {
      let threadKey: string | undefined;
      if (p.groupBySubject) {
        const key = groupPattern(p.groupBySubject)?.firstGroup(mail.subject.slice(0, MATCH_LIMITS.header));
        if (key) threadKey = `subject:${key.toLowerCase()}`;
      }
      return port.ticketFromMail(trx, mail, { ticketTypeId: p.ticketTypeId, priority: p.priority, customerId: p.customerId, siteId: p.siteId, threadKey });
    },
    checkReferences: (exec, p) => port.referenceProblems(exec, { ticketTypeId: p.ticketTypeId, customerId: p.customerId, siteId: p.siteId }),
  };
  const addToTicket: RuleActionDefinition<typeof addToTicketParamsSchema._output> = {
    type: 'add-to-ticket',
    label: 'Add to an existing ticket',
    params: addToTicketParamsSchema,
    run: (trx, mail, p) => port.addMailToTicket(trx, p.ticketId, mail, 'added by rule'),
    checkReferences: (exec, p) => port.referenceProblems(exec, { ticketId: p.ticketId }),
  };
  const ignore: RuleActionDefinition<typeof ignoreParamsSchema._output> = {
    type: 'ignore',
    label: 'Ignore',
    params: ignoreParamsSchema,
    run: async (_trx, _mail, p) => ({ outcome: 'ignored', reason: p.reason ?? 'ignored by rule' }),
  };
  return [createTicket, addToTicket, ignore];
}
