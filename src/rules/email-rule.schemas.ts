import { z } from 'zod';
import { compileRuleRegex } from './safe-regex.ts';
import { recordId } from '../db/record-id.ts';

/** What an email rule looks at: the mailbox, the From address, To/Cc recipients, the subject or the text body. */
export const conditionFields = ['from', 'to', 'cc', 'subject', 'body'] as const;
export const conditionOperators = ['equals', 'contains', 'regex'] as const;

const textCondition = z.object({
  field: z.enum(conditionFields),
  operator: z.enum(conditionOperators),
  value: z.string().min(1).max(1000),
}).superRefine((c, ctx) => {
  if (c.operator !== 'regex') return;
  const check = compileRuleRegex(c.value);
  if (!check.ok) ctx.addIssue({ code: 'custom', path: ['value'], message: check.message });
});

const mailboxCondition = z.object({
  field: z.literal('mailbox'),
  operator: z.literal('equals').default('equals'),
  value: recordId(),
});

/** One condition; `to` matches any To or Cc recipient, text comparisons ignore case. */
export const emailRuleConditionSchema = z.discriminatedUnion('field', [mailboxCondition, textCondition]);
export type EmailRuleCondition = z.infer<typeof emailRuleConditionSchema>;

/** An action to run: `type` names a core action (create-ticket, add-to-ticket, ignore) or a module's (e.g. datto-rmm.alert). */
export const emailRuleActionSchema = z.object({
  type: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, 'an action type such as "create-ticket" or "datto-rmm.alert"'),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type EmailRuleAction = z.infer<typeof emailRuleActionSchema>;

export const matchModeSchema = z.enum(['all', 'any']);

/** A rule as a client writes it (create or full replace). */
export const emailRuleInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  enabled: z.boolean().default(true),
  match: matchModeSchema.default('all'),
  conditions: z.array(emailRuleConditionSchema).max(20).default([]),
  actions: z.array(emailRuleActionSchema).min(1).max(5),
  /** Let machine-sent mail (Auto-Submitted, Precedence bulk/junk/list) that matches this rule run its actions. */
  acceptAutomated: z.boolean().default(false),
});
export type EmailRuleInput = z.input<typeof emailRuleInputSchema>;
export type EmailRuleCreate = z.output<typeof emailRuleInputSchema>;

/** A change of some fields; an unknown field (or `position`: use reorder) is refused, not ignored. */
export const emailRulePatchSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  enabled: z.boolean().optional(),
  match: matchModeSchema.optional(),
  conditions: z.array(emailRuleConditionSchema).max(20).optional(),
  actions: z.array(emailRuleActionSchema).min(1).max(5).optional(),
  acceptAutomated: z.boolean().optional(),
});
export type EmailRulePatch = z.infer<typeof emailRulePatchSchema>;

/** Parameters of the core actions. */
export const createTicketParamsSchema = z.object({
  ticketTypeId: recordId().optional(),
  priority: z.number().int().min(1).max(4).optional(),
  customerId: recordId().optional(),
  siteId: recordId().optional(),
  /**
   * A regex with one capture group over the subject: mails whose captured key is the same are
   * added to the open ticket the first one made, instead of making a ticket each.
   */
  groupBySubject: z.string().min(1).max(500).optional().superRefine((p, ctx) => {
    if (p === undefined) return;
    const check = compileRuleRegex(p);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: check.message });
    else if (check.regex.groups === 0) ctx.addIssue({ code: 'custom', message: 'needs one capture group, e.g. Alert\\{([0-9a-f-]+)\\}' });
  }),
}).strict();
export const addToTicketParamsSchema = z.object({ ticketId: recordId() }).strict();
export const ignoreParamsSchema = z.object({ reason: z.string().max(500).optional() }).strict();
