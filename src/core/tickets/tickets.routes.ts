import { z } from 'zod';
import type { HttpApp } from '../../integrations/registry.ts';
import { actorOf } from '../../http/auth.ts';
import { idParams, pageOf, pageQuery, positiveId, wholeNumber } from '../../http/schemas.ts';
import type { TicketService } from './ticket.service.ts';
import type { TicketTypeService } from './ticket-type.service.ts';
import { recordId } from '../../db/record-id.ts';

const status = z.enum(['new', 'in_progress', 'waiting', 'closed']);
const source = z.enum(['email', 'webhook', 'api', 'web', 'reconcile']);
const priority = z.number().int().min(1).max(4);

export const ticketShape = z.object({
  id: z.number(), number: z.number(), summary: z.string(), details: z.string(), status, priority: z.number(),
  ticketTypeId: z.number(), customerId: z.number().nullable(), siteId: z.number().nullable(), assetId: z.number().nullable(),
  source, parentTicketId: z.number().nullable(), openedAt: z.string(), closedAt: z.string().nullable(), updatedAt: z.string(),
  workedByAgent: z.boolean(),
});
const actionShape = z.object({
  id: z.number(), ticketId: z.number(), kind: z.string(), body: z.string(), agentId: z.number().nullable(),
  agentName: z.string().nullable(), data: z.unknown(), createdAt: z.string(),
});
const typeShape = z.object({ id: z.number(), name: z.string(), isDefault: z.boolean() });
const optInt = positiveId().optional();

const filterQuery = {
  status: z.string().optional().transform((s, ctx) => {
    if (!s) return undefined;
    const parts = s.split(',');
    for (const p of parts) if (!status.safeParse(p).success) ctx.addIssue({ code: 'custom', message: `unknown status "${p}"` });
    return parts as Array<z.infer<typeof status>>;
  }),
  open: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
  ticketTypeId: optInt, customerId: optInt, siteId: optInt, assetId: optInt, parentTicketId: optInt,
  source: source.optional(), priority: wholeNumber().pipe(z.number().int().min(1).max(4)).optional(), q: z.string().max(200).optional(),
};

export function ticketsRoutes(app: HttpApp, tickets: TicketService, types: TicketTypeService) {
  app.get('/api/ticket-types', { schema: { tags: ['tickets'], response: { 200: z.object({ items: z.array(typeShape), nextCursor: z.null() }) } } },
    async () => ({ items: await types.list(), nextCursor: null }));

  app.post('/api/ticket-types', {
    config: { access: 'admin' },
    schema: { tags: ['tickets'], body: z.object({ name: z.string().trim().min(1).max(100), isDefault: z.boolean().optional() }), response: { 201: typeShape } },
  }, async (req, reply) => reply.status(201).send(await types.create(req.body, actorOf(req))));

  app.patch('/api/ticket-types/:id', {
    config: { access: 'admin' },
    schema: { tags: ['tickets'], params: idParams, body: z.object({ name: z.string().trim().min(1).max(100).optional(), isDefault: z.boolean().optional() }), response: { 200: typeShape } },
  }, async (req) => types.update(req.params.id, req.body, actorOf(req)));

  app.get('/api/tickets', {
    schema: {
      tags: ['tickets'],
      querystring: z.object({ ...pageQuery, ...filterQuery, sort: z.string().optional() }),
      response: { 200: pageOf(ticketShape) },
    },
  }, async (req) => tickets.list(req.query));

  app.get('/api/tickets/counts', {
    schema: {
      tags: ['tickets'], querystring: z.object(filterQuery),
      response: { 200: z.object({ byStatus: z.record(z.string(), z.number()), open: z.number(), total: z.number() }) },
    },
  }, async (req) => tickets.counts(req.query));

  app.post('/api/tickets', {
    schema: {
      tags: ['tickets'],
      body: z.object({
        summary: z.string().trim().min(1).max(500), details: z.string().max(100_000).optional(), priority: priority.optional(),
        ticketTypeId: recordId().optional(), customerId: recordId().nullable().optional(),
        siteId: recordId().nullable().optional(), assetId: recordId().nullable().optional(),
        source: z.enum(['api', 'web']).default('api'),
      }),
      response: { 201: ticketShape },
    },
  }, async (req, reply) => reply.status(201).send(await tickets.create(req.body, actorOf(req))));

  app.get('/api/tickets/:id', { schema: { tags: ['tickets'], params: idParams, response: { 200: ticketShape } } }, async (req) => tickets.get(req.params.id));

  app.patch('/api/tickets/:id', {
    schema: {
      tags: ['tickets'], params: idParams,
      body: z.object({
        summary: z.string().trim().min(1).max(500).optional(), details: z.string().max(100_000).optional(), status: status.optional(),
        priority: priority.optional(), ticketTypeId: recordId().optional(),
        customerId: recordId().nullable().optional(), siteId: recordId().nullable().optional(),
        assetId: recordId().nullable().optional(),
      }),
      response: { 200: ticketShape },
    },
  }, async (req) => tickets.update(req.params.id, req.body, actorOf(req)));

  app.post('/api/tickets/:id/close', {
    schema: { tags: ['tickets'], params: idParams, body: z.object({ note: z.string().max(100_000).optional() }).nullish(), response: { 200: ticketShape } },
  }, async (req) => tickets.close(req.params.id, actorOf(req), { note: req.body?.note }));

  app.get('/api/tickets/:id/actions', {
    schema: { tags: ['tickets'], params: idParams, querystring: z.object(pageQuery), response: { 200: pageOf(actionShape) } },
  }, async (req) => tickets.actions(req.params.id, req.query));

  app.post('/api/tickets/:id/actions', {
    schema: { tags: ['tickets'], params: idParams, body: z.object({ body: z.string().trim().min(1).max(100_000) }), response: { 201: actionShape } },
  }, async (req, reply) => reply.status(201).send(await tickets.addNote(req.params.id, req.body.body, actorOf(req))));
}
