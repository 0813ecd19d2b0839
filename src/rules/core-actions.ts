import type { Executor, Tx } from '../db/database.ts';
import type { InboundMail, RuleActionDefinition, RuleActionOutcome } from './rule-action.ts';
import { addToTicketParamsSchema, createTicketParamsSchema, ignoreParamsSchema } from './email-rule.schemas.ts';
import { compileRuleRegex, MATCH_LIMITS } from './safe-regex.ts';

/** How the core actions reach tickets; the mail pipeline hands in its shared "ticket from mail" path. */
export type MailTicketPort = {
  ticketFromMail(trx: Tx, mail: InboundMail, opts: { ticketTypeId?: number; priority?: number; customerId?: number; siteId?: number; threadKey?: string }): Promise<RuleActionOutcome>;
  addMailToTicket(trx: Tx, ticketId: number, mail: InboundMail, note?: string): Promise<RuleActionOutcome>;
};

const groupPatterns = new Map<string, RegExp | null>();
function groupPattern(pattern: string): RegExp | null {
  let re = groupPatterns.get(pattern);
  if (re === undefined) {
    const check = compileRuleRegex(pattern);
    re = check.ok ? check.regex : null;
    if (groupPatterns.size > 1000) groupPatterns.clear();
    groupPatterns.set(pattern, re);
  }
  return re;
}

type Table = 'ticket_types' | 'customers' | 'sites' | 'tickets';

/** The ids among `refs` whose row does not exist, as reference problems. */
async function missingRows(exec: Executor, refs: Array<{ field: string; table: Table; id: number | undefined; what: string }>) {
  const problems: Array<{ field: string; message: string }> = [];
  for (const r of refs) {
    if (r.id === undefined) continue;
    const row = await exec.selectFrom(r.table).select('id').where('id', '=', r.id).executeTakeFirst();
    if (!row) problems.push({ field: r.field, message: `no ${r.what} ${r.id}` });
  }
  return problems;
}

export function createCoreRuleActions(port: MailTicketPort): RuleActionDefinition<any>[] {
  const createTicket: RuleActionDefinition<typeof createTicketParamsSchema._output> = {
    type: 'create-ticket',
    label: 'Create a ticket',
    params: createTicketParamsSchema,
    async run(trx, mail, p) {
      let threadKey: string | undefined;
      if (p.groupBySubject) {
        const m = groupPattern(p.groupBySubject)?.exec(mail.subject.slice(0, MATCH_LIMITS.header));
        const key = m?.slice(1).find((g) => g !== undefined);
        if (key) threadKey = `subject:${key.toLowerCase()}`;
      }
      return port.ticketFromMail(trx, mail, { ticketTypeId: p.ticketTypeId, priority: p.priority, customerId: p.customerId, siteId: p.siteId, threadKey });
    },
    async checkReferences(exec, p) {
      const problems = await missingRows(exec, [
        { field: 'ticketTypeId', table: 'ticket_types', id: p.ticketTypeId, what: 'ticket type' },
        { field: 'customerId', table: 'customers', id: p.customerId, what: 'customer' },
        { field: 'siteId', table: 'sites', id: p.siteId, what: 'site' },
      ]);
      if (!problems.length && p.siteId !== undefined && p.customerId !== undefined) {
        const site = await exec.selectFrom('sites').select('customer_id').where('id', '=', p.siteId).executeTakeFirstOrThrow();
        if (site.customer_id !== p.customerId) problems.push({ field: 'siteId', message: `site ${p.siteId} belongs to another customer than ${p.customerId}` });
      }
      return problems;
    },
  };
  const addToTicket: RuleActionDefinition<typeof addToTicketParamsSchema._output> = {
    type: 'add-to-ticket',
    label: 'Add to an existing ticket',
    params: addToTicketParamsSchema,
    run: (trx, mail, p) => port.addMailToTicket(trx, p.ticketId, mail, 'added by rule'),
    checkReferences: (exec, p) => missingRows(exec, [{ field: 'ticketId', table: 'tickets', id: p.ticketId, what: 'ticket' }]),
  };
  const ignore: RuleActionDefinition<typeof ignoreParamsSchema._output> = {
    type: 'ignore',
    label: 'Ignore',
    params: ignoreParamsSchema,
    run: async (_trx, _mail, p) => ({ outcome: 'ignored', reason: p.reason ?? 'ignored by rule' }),
  };
  return [createTicket, addToTicket, ignore];
}
