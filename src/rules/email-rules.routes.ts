import { z } from 'zod';
import { actorOf } from '../http/auth.ts';
import { boolQuery, idParams } from '../http/schemas.ts';
import type { HttpApp } from '../integrations/registry.ts';
import { emailRuleActionSchema, emailRuleInputSchema, emailRulePatchSchema } from './email-rule.schemas.ts';
import type { EmailRuleService } from './email-rule.service.ts';
import { recordId } from '../db/record-id.ts';

const ruleShape = z.object({
  id: z.number(), name: z.string(), position: z.number(), enabled: z.boolean(), match: z.enum(['all', 'any']),
  conditions: z.array(z.object({ field: z.string(), operator: z.string(), value: z.union([z.string(), z.number()]) })),
  actions: z.array(emailRuleActionSchema), acceptAutomated: z.boolean(), systemKey: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
  /** What the rule names that no longer exists (e.g. a mailbox deleted with force); such a rule cannot work as saved. */
  problems: z.array(z.object({ field: z.string(), message: z.string() })),
});
const listShape = z.object({ items: z.array(ruleShape), nextCursor: z.null() });

export function emailRulesRoutes(app: HttpApp, rules: EmailRuleService) {
  app.get('/api/email-rules', { schema: { tags: ['email'], response: { 200: listShape } } },
    async () => ({ items: await rules.list(), nextCursor: null }));

  app.get('/api/email-rules/action-types', {
    schema: { tags: ['email'], response: { 200: z.object({ items: z.array(z.object({ type: z.string(), label: z.string(), takesParams: z.boolean() })), nextCursor: z.null() }) } },
  }, async () => ({ items: rules.actionTypes(), nextCursor: null }));

  app.post('/api/email-rules', {
    config: { access: 'admin' }, schema: { tags: ['email'], body: emailRuleInputSchema, response: { 201: ruleShape } },
  }, async (req, reply) => reply.status(201).send(await rules.create(req.body, actorOf(req))));

  app.post('/api/email-rules/reorder', {
    config: { access: 'admin' },
    schema: { tags: ['email'], body: z.object({ ids: z.array(recordId()).min(1).max(1000) }), response: { 200: listShape } },
  }, async (req) => ({ items: await rules.reorder(req.body.ids, actorOf(req)), nextCursor: null }));

  app.get('/api/email-rules/:id', { schema: { tags: ['email'], params: idParams, response: { 200: ruleShape } } },
    async (req) => rules.get(req.params.id));

  app.put('/api/email-rules/:id', {
    config: { access: 'admin' }, schema: { tags: ['email'], params: idParams, body: emailRuleInputSchema, response: { 200: ruleShape } },
  }, async (req) => rules.update(req.params.id, req.body, actorOf(req)));

  app.patch('/api/email-rules/:id', {
    config: { access: 'admin' }, schema: { tags: ['email'], params: idParams, body: emailRulePatchSchema, response: { 200: ruleShape } },
  }, async (req) => rules.update(req.params.id, req.body, actorOf(req)));

  app.delete('/api/email-rules/:id', {
    config: { access: 'admin' }, schema: { tags: ['email'], params: idParams, querystring: z.object({ force: boolQuery.optional() }) },
  }, async (req, reply) => {
    await rules.remove(req.params.id, actorOf(req), { force: req.query.force });
    return reply.status(204).send();
  });
}
