import { z } from 'zod';
import type { HttpApp } from '../../registry.ts';
import { actorOf } from '../../../http/auth.ts';
import { boolQuery, pageOf, pageQuery } from '../../../http/schemas.ts';
import type { SiteMappingService } from './site-mapping.service.ts';
import { recordId } from '../../../db/record-id.ts';

const base = '/api/integrations/datto-rmm/site-mappings';

export const siteMappingShape = z.object({
  dattoSiteUid: z.string(), dattoSiteId: z.number().nullable(), dattoSiteName: z.string(),
  siteId: z.number().nullable(), siteName: z.string().nullable(), customerId: z.number().nullable(), customerName: z.string().nullable(),
  customerHasMainSite: z.boolean().nullable(), linkSource: z.enum(['import', 'manual']).nullable(),
  deletedInDatto: z.boolean(), deletedInDattoAt: z.string().nullable(), deviceCount: z.number().nullable(), updatedAt: z.string(),
});

const uidParams = z.object({ dattoSiteUid: z.string().trim().min(1).max(100) });

export function siteMappingsRoutes(app: HttpApp, mappings: SiteMappingService) {
  app.get(base, {
    schema: {
      tags: ['datto-rmm'], summary: 'Every Datto site seen and the Relaydesk site it is linked to, by Datto site name',
      querystring: z.object({
        ...pageQuery,
        q: z.string().trim().max(200).optional(),
        unmapped: boolQuery.optional(),
      }),
      response: { 200: pageOf(siteMappingShape) },
    },
  }, async (req) => mappings.list(req.query));

  app.get(`${base}/:dattoSiteUid`, {
    schema: { tags: ['datto-rmm'], summary: 'One Datto site and its link', params: uidParams, response: { 200: siteMappingShape } },
  }, async (req) => mappings.get(req.params.dattoSiteUid));

  app.put(`${base}/:dattoSiteUid`, {
    config: { access: 'admin' },
    schema: {
      tags: ['datto-rmm'],
      summary: 'Link a Datto site to any site (its customer needs a main site), or unlink it with null; imports keep links made here',
      params: uidParams,
      body: z.object({ siteId: recordId().nullable() }),
      response: { 200: siteMappingShape },
    },
  }, async (req) => mappings.setLink(req.params.dattoSiteUid, req.body.siteId, actorOf(req)));
}
