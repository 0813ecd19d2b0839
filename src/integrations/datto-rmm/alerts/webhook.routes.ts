import crypto from 'node:crypto';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorReply } from '../../../http/schemas.ts';
import type { HttpApp } from '../../registry.ts';
import type { DattoContext } from '../module-part.ts';
import { MODULE_KEY } from '../settings.ts';
import type { WebhookProcessor } from './webhook-processor.ts';
import { storableText } from '../../../db/storable-text.ts';

/** Datto's bodies are a few hundred bytes; anything near this is not an alert. */
export const WEBHOOK_BODY_LIMIT = 64 * 1024;

const digest = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest();

/** Equal-length digests compared in constant time, so the answer time says nothing about the token. */
export function tokenMatches(given: string, expected: string | undefined): boolean {
  const a = digest(given);
  const b = digest(expected ?? crypto.randomBytes(24).toString('base64url'));
  return crypto.timingSafeEqual(a, b) && expected !== undefined;
}

/**
 * `POST /hooks/datto-rmm/:token`: Datto's webhook. Public (Datto cannot sign its webhooks), so the
 * secret token in the path is the credential. A wrong token, or the module being off, answers
 * exactly like a route that does not exist. Any body is stored as it came before the 202.
 */
/** How long this process trusts what it last read of the token and the module's switch (a rotation takes effect within it). */
const TOKEN_TTL_MS = 1_000;

export function webhookRoutes(app: HttpApp, ctx: DattoContext, processor: WebhookProcessor) {
  let known: { at: number; token: string | undefined; enabled: boolean } | null = null;
  const current = async () => {
    if (known && Date.now() - known.at < TOKEN_TTL_MS) return known;
    const { secrets, enabled } = await ctx.settings.load();
    known = { at: Date.now(), token: secrets.webhookToken, enabled };
    return known;
  };
  ctx.settings.onSaved(async () => {
    known = null;
  });

  return app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    // Datto sends JSON with whatever content type the monitor's author chose: read every body as text.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

    scope.post(`/hooks/${MODULE_KEY}/:token`, {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      config: { access: 'public' },
      schema: {
        tags: ['datto-rmm'],
        summary: 'Datto RMM webhook (raise and resolve bodies); the token comes from GET /api/integrations/datto-rmm',
        params: z.object({ token: z.string() }),
        response: { 202: z.object({ deliveryId: z.number(), state: z.literal('received') }), 404: errorReply },
      },
    }, async (req, reply) => {
      const { token, enabled } = await current();
      if (!tokenMatches(req.params.token, token) || !enabled) {
        return reply.status(404).send({ error: { code: 'not_found', message: `No route POST ${req.url.split('?')[0]}` } });
      }
      const text = typeof req.body === 'string' ? req.body : req.body === undefined || req.body === null ? '' : JSON.stringify(req.body);
      // A raw NUL byte is never valid JSON, and PostgreSQL text cannot store it: kept visible as U+FFFD.
      const body = storableText(text, '\uFFFD');
      const deliveryId = await processor.store(body);
      return reply.status(202).send({ deliveryId, state: 'received' as const });
    });
  });
}
