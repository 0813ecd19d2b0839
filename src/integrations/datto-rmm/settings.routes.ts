import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { HttpApp } from '../registry.ts';
import { actorOf } from '../../http/auth.ts';
import { settingsUpdateSchema } from './settings.ts';
import type { DattoContext } from './module-part.ts';

const base = '/api/integrations/datto-rmm';

export function publicBaseUrl(ctx: DattoContext, req: FastifyRequest): string {
  return (ctx.config.RELAYDESK_PUBLIC_URL ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
}

export function settingsRoutes(app: HttpApp, ctx: DattoContext) {
  const present = (req: FastifyRequest) =>
    ctx.settings.present({ admin: req.agent?.role === 'admin', publicBaseUrl: publicBaseUrl(ctx, req) });

  app.get(base, { schema: { tags: ['datto-rmm'], summary: 'Datto RMM settings (the secret is never returned)' } }, async (req) => present(req));

  app.put(base, {
    config: { access: 'admin' },
    schema: { tags: ['datto-rmm'], summary: 'Change Datto RMM settings; omit apiSecret to keep the stored one', body: settingsUpdateSchema },
  }, async (req) => {
    await ctx.settings.update(req.body, actorOf(req));
    return present(req);
  });

  app.post(`${base}/test`, {
    config: { access: 'admin' },
    schema: {
      tags: ['datto-rmm'], summary: 'Test the connection with the typed or saved credentials',
      body: z.object({ apiUrl: z.string().max(500).optional(), apiKey: z.string().max(500).optional(), apiSecret: z.string().max(500).optional() }).nullish(),
    },
  }, async (req) => ctx.settings.testConnection(req.body ?? {}));

  app.post(`${base}/webhook-token`, {
    config: { access: 'admin' }, schema: { tags: ['datto-rmm'], summary: 'Rotate the secret token in the webhook URL' },
  }, async (req) => {
    await ctx.settings.rotateWebhookToken(actorOf(req));
    return present(req);
  });
}
