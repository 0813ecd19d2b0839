import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import type { HttpApp } from '../integrations/registry.ts';
import { summarize } from '../integrations/registry.ts';
import { agentsRoutes } from '../core/agents/agents.routes.ts';
import { assetsRoutes } from '../core/assets/assets.routes.ts';
import { listAudit } from '../core/audit/audit.repository.ts';
import { customersRoutes } from '../core/customers/customers.routes.ts';
import { decodeCursor, toPage } from '../core/paging.ts';
import { ticketsRoutes } from '../core/tickets/tickets.routes.ts';
import { UnavailableError } from '../errors.ts';
import { jobsRoutes } from '../jobs/jobs.routes.ts';
import { pageOf, pageQuery } from './schemas.ts';

export async function coreRoutes(app: HttpApp, ctx: AppContext) {
  app.get('/api/health', {
    config: { access: 'public' },
    schema: { tags: ['system'], response: { 200: z.object({ status: z.literal('ok'), database: z.enum(['sqlite', 'postgres']), version: z.string() }) } },
  }, async () => {
    try {
      await sql`select 1`.execute(ctx.db);
    } catch {
      throw new UnavailableError('database_unavailable', 'The database does not answer');
    }
    return { status: 'ok' as const, database: ctx.dialect, version: '0.1.0' };
  });

  const secureCookies = ctx.config.RELAYDESK_PUBLIC_URL?.startsWith('https://') ?? false;
  agentsRoutes(app, ctx.services.agents, { secureCookies });
  customersRoutes(app, ctx.services.customers);
  assetsRoutes(app, ctx.services.assets);
  ticketsRoutes(app, ctx.services.tickets, ctx.services.ticketTypes);
  jobsRoutes(app, ctx.db, () => ctx.queue.wake());

  app.get('/api/integrations', {
    schema: {
      tags: ['integrations'],
      response: { 200: z.object({ items: z.array(z.object({ key: z.string(), name: z.string(), description: z.string(), enabled: z.boolean() })), nextCursor: z.null() }) },
    },
  }, async () => ({ items: await summarize(ctx.modules), nextCursor: null }));

  app.get('/api/audit-log', {
    config: { access: 'admin' },
    schema: {
      tags: ['system'],
      querystring: z.object({ ...pageQuery, entity: z.string().optional(), entityId: z.string().optional() }),
      response: {
        200: pageOf(z.object({
          id: z.number(), agentId: z.number().nullable(), agentName: z.string().nullable(), action: z.string(), entity: z.string(),
          entityId: z.string().nullable(), changes: z.unknown(), createdAt: z.string(),
        })),
      },
    },
  }, async (req) => {
    const c = decodeCursor(req.query.cursor);
    const rows = await listAudit(ctx.db, { entity: req.query.entity, entityId: req.query.entityId, beforeId: c?.id, limit: req.query.limit + 1 });
    return toPage(rows, req.query.limit, (r) => ({
      id: r.id, agentId: r.agent_id, agentName: r.agent_name, action: r.action, entity: r.entity, entityId: r.entity_id,
      changes: r.changes ? JSON.parse(r.changes) : null, createdAt: r.created_at,
    }), (r) => ({ id: r.id }));
  });
}
