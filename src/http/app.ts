import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController } from 'fastify';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../app-context.ts';
import type { HttpApp } from '../integrations/registry.ts';
import { authHook } from './auth.ts';
import { clientErrorHandler, errorHandler, frameworkErrorHandler } from './error-handler.ts';
import { refuseNul } from './nul-guard.ts';
import { refuseBodyWithoutSchema, strictBodyValidatorCompiler } from './strict-body.ts';
import { httpDuration, metricsRegistry } from './metrics.ts';
import { coreRoutes } from './core-routes.ts';

const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export type HttpOptions = { bodyLimit?: number };

/** Extra route sets (mail, rules) that are not integration modules register through this list. */
export type RouteSet = (app: HttpApp) => Promise<void> | void;

export async function buildHttpApp(ctx: AppContext, extraRoutes: RouteSet[] = [], options: HttpOptions = {}) {
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 30 * 1024 * 1024,
    trustProxy: true,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(strictBodyValidatorCompiler);
  // Replies are built by explicit presenters; the zod response schemas document them in OpenAPI,
  // and plain JSON serialization keeps list endpoints fast.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler);
  app.decorateRequest('agent', null);
  // A JSON content type with an empty body is a request without a body (many clients send the
  // header on every POST); the route's schema then says whether a body was needed.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    (body === '' ? done(null, undefined) : json(req, body as string, done)));

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Relaydesk API', version: '1', description: 'Service desk with a first-class Datto RMM integration' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'relaydesk_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', authHook(ctx.services.agents));
  app.addHook('preValidation', refuseNul);
  app.addHook('preValidation', refuseBodyWithoutSchema);
  app.addHook('onResponse', async (request, reply) => {
    httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', metricsRegistry.contentType);
    return metricsRegistry.metrics();
  });

  await app.register(async (scope) => {
    await coreRoutes(scope as HttpApp, ctx);
    for (const m of ctx.modules) await m.routes(scope as HttpApp);
    for (const r of extraRoutes) await r(scope as HttpApp);
  });

  const hasWeb = fs.existsSync(path.join(webDist, 'index.html'));
  if (hasWeb) {
    await app.register(fastifyStatic, { root: webDist, wildcard: false, index: false });
  }
  app.setNotFoundHandler((request, reply) => {
    const p = request.url.split('?')[0]!;
    const apiLike = p.startsWith('/api/') || p.startsWith('/hooks/') || p === '/api';
    if (!apiLike && request.method === 'GET' && hasWeb) {
      const file = path.join(webDist, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
      if (p !== '/' && fs.existsSync(file) && fs.statSync(file).isFile()) return reply.sendFile(path.relative(webDist, file));
      return reply.type('text/html').sendFile('index.html');
    }
    if (!apiLike && request.method === 'GET' && !hasWeb) {
      return reply.type('text/html').send('<!doctype html><title>Relaydesk</title><p>The web app is not built. Run <code>npm run build:web</code>. The API is at <a href="/docs">/docs</a>.</p>');
    }
    return reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${p}` } });
  });

  return app;
}
