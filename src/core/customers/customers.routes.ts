import { z } from 'zod';
import type { HttpApp } from '../../integrations/registry.ts';
import { actorOf } from '../../http/auth.ts';
import { boolQuery, idParams, pageOf, pageQuery, positiveId } from '../../http/schemas.ts';
import type { CustomerService } from './customer.service.ts';
import { recordId } from '../../db/record-id.ts';

const customerShape = z.object({
  id: z.number(), name: z.string(), mainSiteId: z.number().nullable(), hasMainSite: z.boolean(), isTopLevel: z.boolean(),
  createdAt: z.string(), updatedAt: z.string(),
});
const siteShape = z.object({
  id: z.number(), customerId: z.number(), name: z.string(), isMainSite: z.boolean(), customerName: z.string().optional(),
  createdAt: z.string(), updatedAt: z.string(),
});
const name = z.string().trim().min(1).max(200);

export function customersRoutes(app: HttpApp, customers: CustomerService) {
  app.get('/api/customers', {
    schema: { tags: ['customers'], querystring: z.object({ ...pageQuery, q: z.string().optional(), withoutMainSite: boolQuery.optional() }), response: { 200: pageOf(customerShape) } },
  }, async (req) => customers.list(req.query));

  app.post('/api/customers', {
    schema: {
      tags: ['customers'],
      body: z.object({ name, isTopLevel: z.boolean().optional(), mainSiteName: name.nullable().optional() }),
      response: { 201: customerShape },
    },
  }, async (req, reply) => reply.status(201).send(await customers.create(req.body, actorOf(req))));

  app.get('/api/customers/:id', { schema: { tags: ['customers'], params: idParams, response: { 200: customerShape } } },
    async (req) => customers.get(req.params.id));

  app.patch('/api/customers/:id', {
    schema: {
      tags: ['customers'], params: idParams,
      body: z.object({ name: name.optional(), mainSiteId: recordId().nullable().optional(), isTopLevel: z.boolean().optional() }),
      response: { 200: customerShape },
    },
  }, async (req) => customers.update(req.params.id, req.body, actorOf(req)));

  app.get('/api/customers/:id/sites', {
    schema: { tags: ['sites'], params: idParams, querystring: z.object(pageQuery), response: { 200: pageOf(siteShape) } },
  }, async (req) => customers.listSites({ ...req.query, customerId: req.params.id }));

  app.post('/api/customers/:id/sites', {
    schema: { tags: ['sites'], params: idParams, body: z.object({ name, makeMain: z.boolean().optional() }), response: { 201: siteShape } },
  }, async (req, reply) => reply.status(201).send(await customers.createSite(req.params.id, req.body, actorOf(req))));

  app.get('/api/sites', {
    schema: { tags: ['sites'], querystring: z.object({ ...pageQuery, q: z.string().optional(), customerId: positiveId().optional() }), response: { 200: pageOf(siteShape) } },
  }, async (req) => customers.listSites(req.query));

  app.get('/api/sites/:id', { schema: { tags: ['sites'], params: idParams, response: { 200: siteShape } } }, async (req) => customers.getSite(req.params.id));

  app.patch('/api/sites/:id', {
    schema: { tags: ['sites'], params: idParams, body: z.object({ name: name.optional() }), response: { 200: siteShape } },
  }, async (req) => customers.updateSite(req.params.id, req.body, actorOf(req)));
}
