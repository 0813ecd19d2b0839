import type { Database } from '../../db/database.ts';
import { now } from '../../db/database.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { audit } from '../audit/audit.repository.ts';
import { decodeCursor, toPage } from '../paging.ts';
import * as repo from './agent.repository.ts';
import { hashPassword, hashToken, newToken, verifyPassword } from './password.ts';

export type Agent = { id: number; email: string; name: string; role: 'admin' | 'agent'; active: boolean; createdAt: string };
export type AuthenticatedAgent = { id: number; email: string; name: string; role: 'admin' | 'agent' };

export const presentAgent = (a: repo.AgentRow): Agent => ({
  id: a.id, email: a.email, name: a.name, role: a.role, active: a.active === 1, createdAt: a.created_at,
});

export type AgentService = ReturnType<typeof createAgentService>;

export function createAgentService(db: Database, opts: { sessionHours: number }) {
  const tokenTouched = new Map<number, number>();
  const create = async (
    input: { email: string; name: string; role: 'admin' | 'agent'; password: string }, actor: Actor,
  ): Promise<Agent> => {
    if (await repo.findAgentByEmail(db, input.email)) throw new ConflictError(`An agent with e-mail ${input.email} already exists`);
    const t = now();
    const row = await db.transaction().execute(async (trx) => {
      const agent = await repo.insertAgent(trx, {
        email: input.email.toLowerCase(), name: input.name, role: input.role,
        password_hash: await hashPassword(input.password), active: 1, created_at: t, updated_at: t,
      });
      await audit(trx, actor, { action: 'agent.create', entity: 'agent', entityId: agent.id, changes: { email: agent.email, role: agent.role } });
      return agent;
    });
    return presentAgent(row);
  };

  return {
    create,

    needsSetup: async () => (await repo.countActiveAdmins(db)) === 0,

    /** The first administrator; refused once one exists. */
    async createFirstAdmin(input: { email: string; name: string; password: string }): Promise<Agent> {
      if ((await repo.countActiveAdmins(db)) > 0) throw new ConflictError('Relaydesk already has an administrator; sign in instead');
      return create({ ...input, role: 'admin' }, { kind: 'system', name: 'setup' });
    },

    async list(q: { cursor?: string; limit: number }) {
      const c = decodeCursor(q.cursor);
      const rows = await repo.listAgents(db, c?.id, q.limit + 1);
      return toPage(rows, q.limit, presentAgent, (r) => ({ id: r.id }));
    },

    async get(id: number) {
      const a = await repo.findAgentById(db, id);
      if (!a) throw new NotFoundError('Agent', id);
      return presentAgent(a);
    },

    async update(id: number, patch: { name?: string; role?: 'admin' | 'agent'; active?: boolean; password?: string }, actor: Actor) {
      const current = await repo.findAgentById(db, id);
      if (!current) throw new NotFoundError('Agent', id);
      const losesAdmin = current.role === 'admin' && current.active === 1 && (patch.role === 'agent' || patch.active === false);
      if (losesAdmin && (await repo.countActiveAdmins(db)) <= 1) {
        throw new ConflictError('This is the last active administrator; make another agent an administrator first');
      }
      const row = await db.transaction().execute(async (trx) => {
        const updated = await repo.updateAgent(trx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.role !== undefined ? { role: patch.role } : {}),
          ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
          ...(patch.password !== undefined ? { password_hash: await hashPassword(patch.password) } : {}),
          updated_at: now(),
        });
        const { password: _pw, ...visible } = patch;
        await audit(trx, actor, { action: 'agent.update', entity: 'agent', entityId: id, changes: { ...visible, ...(patch.password ? { password: 'changed' } : {}) } });
        if (patch.active === false || patch.password !== undefined) await trx.deleteFrom('sessions').where('agent_id', '=', id).execute();
        return updated!;
      });
      return presentAgent(row);
    },

    /**
     * An agent changes their own password, proving the current one; their other sessions end (the
     * one making the change stays signed in). API tokens are separate credentials and stay.
     */
    async changeOwnPassword(agentId: number, current: string, next: string, sessionToken: string | null): Promise<void> {
      const agent = await repo.findAgentById(db, agentId);
      if (!agent) throw new NotFoundError('Agent', agentId);
      if (!(await verifyPassword(current, agent.password_hash))) {
        throw ValidationError.forFields([{ field: 'body.currentPassword', message: 'is not your current password' }]);
      }
      const hash = await hashPassword(next);
      await db.transaction().execute(async (trx) => {
        await repo.updateAgent(trx, agentId, { password_hash: hash, updated_at: now() });
        await repo.deleteOtherSessions(trx, agentId, sessionToken ? hashToken(sessionToken) : null);
        await audit(trx, { kind: 'agent', agentId, role: agent.role, name: agent.name }, { action: 'agent.password_change', entity: 'agent', entityId: agentId, changes: { password: 'changed' } });
      });
    },

    async login(email: string, password: string): Promise<{ token: string; agent: Agent; expiresAt: string }> {
      const agent = await repo.findAgentByEmail(db, email);
      const ok = await verifyPassword(password, agent?.password_hash ?? null);
      if (!agent || !ok || agent.active !== 1) throw new UnauthorizedError('E-mail or password is wrong');
      const token = newToken('rds');
      const expiresAt = new Date(Date.now() + opts.sessionHours * 3600_000).toISOString();
      await repo.insertSession(db, { token_hash: hashToken(token), agent_id: agent.id, created_at: now(), expires_at: expiresAt });
      return { token, agent: presentAgent(agent), expiresAt };
    },

    logout: (token: string) => repo.deleteSession(db, hashToken(token)),

    async authenticateSession(token: string): Promise<AuthenticatedAgent | null> {
      const s = await repo.findSession(db, hashToken(token));
      if (!s || s.active !== 1 || s.expires_at < now()) return null;
      return { id: s.id, email: s.email, name: s.name, role: s.role };
    },

    async authenticateApiToken(token: string): Promise<AuthenticatedAgent | null> {
      const t = await repo.findApiToken(db, hashToken(token));
      if (!t || t.revoked_at || t.active !== 1) return null;
      // Last use is shown to the owner; a minute's precision saves a write on every request.
      const last = tokenTouched.get(t.token_id) ?? 0;
      if (Date.now() - last > 60_000) {
        tokenTouched.set(t.token_id, Date.now());
        await repo.touchApiToken(db, t.token_id, now());
      }
      return { id: t.id, email: t.email, name: t.name, role: t.role };
    },

    listTokens: (agentId: number) => repo.listApiTokens(db, agentId),

    async createToken(agentId: number, name: string) {
      if (!name.trim()) throw new ValidationError('name: a token needs a name');
      const token = newToken('rdt');
      const row = await repo.insertApiToken(db, { agent_id: agentId, name, token_hash: hashToken(token), created_at: now() });
      return { ...row, token };
    },

    async revokeToken(agentId: number, id: number) {
      const r = await repo.revokeApiToken(db, agentId, id, now());
      if (Number(r.numUpdatedRows) !== 1) throw new NotFoundError('API token', id);
    },

    requireAdmin(actor: Actor) {
      if (actor.kind === 'agent' && actor.role !== 'admin') throw new ForbiddenError();
    },
  };
}
