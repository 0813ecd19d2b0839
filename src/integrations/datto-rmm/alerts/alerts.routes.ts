import { z } from 'zod';
import type { HttpApp } from '../../registry.ts';
import { actorOf } from '../../../http/auth.ts';
import { boolQuery, idParams, pageOf, pageQuery, positiveId } from '../../../http/schemas.ts';
import { findJob } from '../../../jobs/job.repository.ts';
import { jobShape, presentJob } from '../../../jobs/jobs.routes.ts';
import type { DattoContext } from '../module-part.ts';
import {
  alertLinkShape, dattoStates, deliveryShape, heldReasons, presentAlert, resolveStates, ticketAlertShape, windowShape,
} from './alert-presenter.ts';
import type { createAlertQueries } from './alert-query.service.ts';
import type { createAlertResolveService } from './alert-resolve.service.ts';
import { canonicalAlertUid } from './alert-uid.ts';
import { windowInputSchema, windowPatchSchema, type createMaintenanceWindowService } from './maintenance-window.service.ts';
import type { WebhookProcessor } from './webhook-processor.ts';

const base = '/api/integrations/datto-rmm';
const tags = ['datto-rmm'];
const uidParams = z.object({ alertUid: z.string().max(100).transform((s, c) => canonicalAlertUid(s) ?? (c.addIssue({ code: 'custom', message: 'not a Datto alert uid' }), z.NEVER)) });
const optId = positiveId().optional();

export type AlertRouteDeps = {
  queries: ReturnType<typeof createAlertQueries>;
  resolves: ReturnType<typeof createAlertResolveService>;
  windows: ReturnType<typeof createMaintenanceWindowService>;
  webhooks: WebhookProcessor;
  startReconcile(): Promise<number>;
};

export function alertsRoutes(app: HttpApp, ctx: DattoContext, deps: AlertRouteDeps) {
  const { queries, resolves, windows } = deps;

  app.get(`${base}/alerts`, {
    schema: {
      tags, summary: 'Datto RMM alerts and their tickets, newest first',
      querystring: z.object({
        ...pageQuery, ticketId: optId, resolveState: z.enum(resolveStates).optional(), dattoState: z.enum(dattoStates).optional(),
        heldReason: z.enum(heldReasons).optional(),
        /** true: alerts from a Datto site no Relaydesk site is mapped to (their tickets have no customer from it); false: the others. */
        unmappedSite: boolQuery.optional(),
      }),
      response: {
        200: pageOf(alertLinkShape).extend({
          counters: z.object({
            heldForMaintenance: z.number(), rolledUpInStorms: z.number(), resolvedBeforeRaised: z.number(), storms: z.number(),
            resolvePending: z.number(), resolveFailed: z.number(), fromUnmappedSites: z.number(),
          }),
        }),
      },
    },
  }, async (req) => queries.list(req.query));

  app.get(`${base}/alerts/:alertUid`, {
    schema: { tags, params: uidParams, response: { 200: alertLinkShape } },
  }, async (req) => queries.get(req.params.alertUid));

  app.post(`${base}/alerts/:alertUid/retry-resolve`, {
    schema: { tags, summary: 'Queue resolving the alert in Datto RMM again (after a failure)', params: uidParams, response: { 202: alertLinkShape } },
  }, async (req, reply) => reply.status(202).send(presentAlert(await resolves.retry(req.params.alertUid, actorOf(req)))));

  app.get('/api/tickets/:id/datto-alerts', {
    schema: {
      tags, summary: 'The Datto RMM alerts of a ticket, with device links', params: idParams,
      response: { 200: z.object({ items: z.array(ticketAlertShape), nextCursor: z.null() }) },
    },
  }, async (req) => queries.ofTicket(req.params.id));

  app.post(`${base}/reconcile`, {
    config: { access: 'admin' },
    schema: { tags, summary: 'Compare open alerts with Datto RMM now (a job)', response: { 202: jobShape } },
  }, async (_req, reply) => {
    const id = await deps.startReconcile();
    return reply.status(202).send(presentJob((await findJob(ctx.db, id))!));
  });

  app.get(`${base}/webhook-deliveries`, {
    config: { access: 'admin' },
    schema: {
      tags, summary: 'Webhook bodies as Datto sent them, with what became of each',
      querystring: z.object({ ...pageQuery, state: z.enum(['received', 'processed', 'ignored', 'failed']).optional(), alertUid: z.string().max(100).optional() }),
      response: { 200: pageOf(deliveryShape).extend({ backlog: z.number() }) },
    },
  }, async (req) => queries.deliveries({ ...req.query, alertUid: req.query.alertUid ? canonicalAlertUid(req.query.alertUid) ?? req.query.alertUid : undefined }));

  app.post(`${base}/webhook-deliveries/:id/replay`, {
    config: { access: 'admin' },
    schema: { tags, summary: 'Process a failed delivery again', params: idParams, response: { 202: z.object({ deliveryId: z.number(), state: z.literal('received') }) } },
  }, async (req, reply) => {
    await deps.webhooks.replay(req.params.id);
    return reply.status(202).send({ deliveryId: req.params.id, state: 'received' as const });
  });

  const windowQuery = z.object({ ...pageQuery, customerId: optId, siteId: optId, active: z.enum(['true', 'false']).optional().transform((v) => v === 'true') });

  app.get(`${base}/maintenance-windows`, {
    schema: { tags, querystring: windowQuery, response: { 200: pageOf(windowShape) } },
  }, async (req) => windows.list(req.query));

  app.get(`${base}/maintenance-windows/:id`, {
    schema: { tags, params: idParams, response: { 200: windowShape } },
  }, async (req) => windows.get(req.params.id));

  app.post(`${base}/maintenance-windows`, {
    config: { access: 'admin' },
    schema: { tags, summary: 'Hold alerts of a customer or site for a time', body: windowInputSchema, response: { 201: windowShape } },
  }, async (req, reply) => reply.status(201).send(await windows.create(req.body, actorOf(req))));

  app.put(`${base}/maintenance-windows/:id`, {
    config: { access: 'admin' },
    schema: { tags, params: idParams, body: windowInputSchema, response: { 200: windowShape } },
  }, async (req) => windows.update(req.params.id, { ...req.body, customerId: req.body.customerId ?? null, siteId: req.body.siteId ?? null }, actorOf(req)));

  app.patch(`${base}/maintenance-windows/:id`, {
    config: { access: 'admin' },
    schema: { tags, params: idParams, body: windowPatchSchema, response: { 200: windowShape } },
  }, async (req) => windows.update(req.params.id, req.body, actorOf(req)));

  app.delete(`${base}/maintenance-windows/:id`, {
    config: { access: 'admin' },
    schema: { tags, summary: 'Delete (end) a window; alerts it held are ticketed if still open', params: idParams },
  }, async (req, reply) => {
    await windows.remove(req.params.id, actorOf(req));
    return reply.status(204).send();
  });
}
