import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AgentService, AuthenticatedAgent } from '../core/agents/agent.service.ts';
import type { Actor } from '../core/actor.ts';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';

export const SESSION_COOKIE = 'relaydesk_session';

/** Route-level access: `public` needs nothing, the default needs any agent, `admin` an administrator. */
export type Access = 'public' | 'agent' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    agent: AuthenticatedAgent | null;
  }
}

export function actorOf(request: FastifyRequest): Actor {
  const a = request.agent;
  if (!a) throw new UnauthorizedError();
  return { kind: 'agent', agentId: a.id, role: a.role, name: a.name };
}

export function authHook(agents: AgentService) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    request.agent = null;
    const access: Access | undefined = request.routeOptions.config?.access;
    const isApi = request.url.startsWith('/api/');
    // Unmatched routes fall through to the 404 handler, signed in or not.
    if (!request.routeOptions.url) return;
    if (access === 'public' || (!isApi && access === undefined)) return;
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      request.agent = await agents.authenticateApiToken(header.slice(7).trim());
      if (!request.agent) throw new UnauthorizedError('The API token is unknown or revoked');
    } else {
      const token = request.cookies?.[SESSION_COOKIE];
      if (token) request.agent = await agents.authenticateSession(token);
      if (!request.agent) throw new UnauthorizedError(token ? 'Your session has expired; sign in again' : undefined);
    }
    if (access === 'admin' && request.agent.role !== 'admin') throw new ForbiddenError('Only administrators may do this');
  };
}
