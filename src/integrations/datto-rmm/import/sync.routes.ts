import { z } from 'zod';
import type { HttpApp } from '../../registry.ts';
import { actorOf } from '../../../http/auth.ts';
import { jobShape } from '../../../jobs/jobs.routes.ts';
import type { SyncService } from './sync.service.ts';

const base = '/api/integrations/datto-rmm/sync';

const kindStatus = z.object({
  running: jobShape.nullable(),
  lastJob: jobShape.nullable(),
  lastResult: z.unknown(),
  lastSuccessAt: z.string().nullable(),
});

export function syncRoutes(app: HttpApp, sync: SyncService) {
  app.post(base, {
    config: { access: 'admin' },
    schema: {
      tags: ['datto-rmm'],
      summary: 'Import Datto sites (customers and sites) or devices (assets) now; answers with the job to follow at GET /api/jobs/:id',
      body: z.object({ what: z.enum(['sites', 'devices']) }),
      response: { 202: jobShape },
    },
  }, async (req, reply) => reply.status(202).send(await sync.start(req.body.what, actorOf(req))));

  app.get(base, {
    schema: {
      tags: ['datto-rmm'], summary: 'Running and last imports of sites and devices, and the schedule',
      response: {
        200: z.object({
          sites: kindStatus,
          devices: kindStatus,
          schedule: z.object({ enabled: z.boolean(), everyMinutes: z.number(), includesDevices: z.boolean(), nextRunAt: z.string().nullable() }),
        }),
      },
    },
  }, async () => sync.status());
}
