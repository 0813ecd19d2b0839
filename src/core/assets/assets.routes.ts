import { z } from 'zod';
import type { HttpApp } from '../../integrations/registry.ts';
import { boolQuery, idParams, pageOf, pageQuery, positiveId } from '../../http/schemas.ts';
import type { AssetService } from './asset.service.ts';

export const assetShape = z.object({
  id: z.number(), customerId: z.number().nullable(), siteId: z.number().nullable(), hostname: z.string(), type: z.string().nullable(),
  os: z.string().nullable(), intIp: z.string().nullable(), extIp: z.string().nullable(), lastSeenAt: z.string().nullable(),
  online: z.boolean().nullable(), lastUser: z.string().nullable(), description: z.string().nullable(), portalUrl: z.string().nullable(),
  webRemoteUrl: z.string().nullable(), retiredAt: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
});

export function assetsRoutes(app: HttpApp, assets: AssetService) {
  app.get('/api/assets', {
    schema: {
      tags: ['assets'],
      querystring: z.object({
        ...pageQuery, q: z.string().optional(), customerId: positiveId().optional(), siteId: positiveId().optional(),
        includeRetired: boolQuery.optional(),
      }),
      response: { 200: pageOf(assetShape) },
    },
  }, async (req) => assets.list(req.query));

  app.get('/api/assets/:id', { schema: { tags: ['assets'], params: idParams, response: { 200: assetShape } } }, async (req) => assets.get(req.params.id));
}
