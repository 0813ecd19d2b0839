import { z } from 'zod';
import type { AgentService } from './agent.service.ts';
import type { HttpApp } from '../../integrations/registry.ts';
import { actorOf, SESSION_COOKIE } from '../../http/auth.ts';
import { idParams, pageOf, pageQuery } from '../../http/schemas.ts';

const agentShape = z.object({
  id: z.number(), email: z.string(), name: z.string(), role: z.enum(['admin', 'agent']), active: z.boolean(), createdAt: z.string(),
});
const password = z.string().min(8, 'must be at least 8 characters').max(200);
const credentials = z.object({ email: z.email(), password: z.string().min(1).max(200) });

export function agentsRoutes(app: HttpApp, agents: AgentService, opts: { secureCookies: boolean }) {
  const setSession = (reply: any, token: string, expiresAt: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secureCookies, expires: new Date(expiresAt),
    });

  app.get('/api/setup', { config: { access: 'public' }, schema: { tags: ['auth'], response: { 200: z.object({ needsSetup: z.boolean() }) } } },
    async () => ({ needsSetup: await agents.needsSetup() }));

  app.post('/api/setup', {
    config: { access: 'public' },
    schema: { tags: ['auth'], body: z.object({ email: z.email(), name: z.string().min(1).max(200), password }), response: { 201: agentShape } },
  }, async (req, reply) => {
    const agent = await agents.createFirstAdmin(req.body);
    const s = await agents.login(req.body.email, req.body.password);
    setSession(reply, s.token, s.expiresAt);
    return reply.status(201).send(agent);
  });

  app.post('/api/auth/login', {
    config: { access: 'public' },
    schema: { tags: ['auth'], body: credentials, response: { 200: z.object({ agent: agentShape, expiresAt: z.string() }) } },
  }, async (req, reply) => {
    const s = await agents.login(req.body.email, req.body.password);
    setSession(reply, s.token, s.expiresAt);
    return { agent: s.agent, expiresAt: s.expiresAt };
  });

  app.post('/api/auth/logout', { config: { access: 'public' }, schema: { tags: ['auth'] } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await agents.logout(token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/me', { schema: { tags: ['auth'], response: { 200: agentShape } } }, async (req) => agents.get(req.agent!.id));

  app.post('/api/me/password', {
    schema: { tags: ['auth'], summary: 'Change your own password; your other sessions end', body: z.object({ currentPassword: z.string().min(1).max(200), newPassword: password }) },
  }, async (req, reply) => {
    await agents.changeOwnPassword(req.agent!.id, req.body.currentPassword, req.body.newPassword, req.cookies[SESSION_COOKIE] ?? null);
    return reply.status(204).send();
  });

  app.get('/api/agents', {
    schema: { tags: ['agents'], querystring: z.object(pageQuery), response: { 200: pageOf(agentShape) } },
  }, async (req) => agents.list(req.query));

  app.get('/api/agents/:id', { schema: { tags: ['agents'], params: idParams, response: { 200: agentShape } } }, async (req) => agents.get(req.params.id));

  app.post('/api/agents', {
    config: { access: 'admin' },
    schema: { tags: ['agents'], body: z.object({ email: z.email(), name: z.string().min(1).max(200), role: z.enum(['admin', 'agent']).default('agent'), password }), response: { 201: agentShape } },
  }, async (req, reply) => reply.status(201).send(await agents.create(req.body, actorOf(req))));

  app.patch('/api/agents/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['agents'], params: idParams,
      body: z.object({ name: z.string().min(1).max(200).optional(), role: z.enum(['admin', 'agent']).optional(), active: z.boolean().optional(), password: password.optional() }),
      response: { 200: agentShape },
    },
  }, async (req) => agents.update(req.params.id, req.body, actorOf(req)));

  const tokenShape = z.object({ id: z.number(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() });
  const presentToken = (t: { id: number; name: string; created_at: string; last_used_at: string | null; revoked_at: string | null }) =>
    ({ id: t.id, name: t.name, createdAt: t.created_at, lastUsedAt: t.last_used_at, revokedAt: t.revoked_at });

  app.get('/api/api-tokens', { schema: { tags: ['auth'], response: { 200: z.object({ items: z.array(tokenShape), nextCursor: z.null() }) } } },
    async (req) => ({ items: (await agents.listTokens(req.agent!.id)).map(presentToken), nextCursor: null }));

  app.post('/api/api-tokens', {
    schema: { tags: ['auth'], body: z.object({ name: z.string().min(1).max(100) }), response: { 201: tokenShape.extend({ token: z.string() }) } },
  }, async (req, reply) => {
    const t = await agents.createToken(req.agent!.id, req.body.name);
    return reply.status(201).send({ ...presentToken(t), token: t.token });
  });

  app.delete('/api/api-tokens/:id', { schema: { tags: ['auth'], params: idParams } }, async (req, reply) => {
    await agents.revokeToken(req.agent!.id, req.params.id);
    return reply.status(204).send();
  });
}
