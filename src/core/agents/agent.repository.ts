import type { Insertable, Selectable, Updateable } from 'kysely';
import { cachedQuery } from '../../db/cached-query.ts';
import type { Executor } from '../../db/database.ts';
import type { AgentsTable } from '../../db/schema.ts';

export type AgentRow = Selectable<AgentsTable>;

export const findAgentById = (db: Executor, id: number) =>
  db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();

export const findAgentByEmail = (db: Executor, email: string) =>
  db.selectFrom('agents').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();

export async function countActiveAdmins(db: Executor): Promise<number> {
  const r = await db.selectFrom('agents').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin').where('active', '=', 1).executeTakeFirstOrThrow();
  return Number(r.n);
}

export const listAgents = (db: Executor, afterId: number | undefined, limit: number) =>
  db.selectFrom('agents').selectAll()
    .$if(afterId !== undefined, (qb) => qb.where('id', '>', afterId!))
    .orderBy('id').limit(limit).execute();

export async function insertAgent(db: Executor, row: Insertable<AgentsTable>): Promise<AgentRow> {
  return db.insertInto('agents').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateAgent(db: Executor, id: number, patch: Updateable<AgentsTable>): Promise<AgentRow | undefined> {
  return db.updateTable('agents').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
}

export const insertSession = (db: Executor, row: { token_hash: string; agent_id: number; created_at: string; expires_at: string }) =>
  db.insertInto('sessions').values(row).execute();

export const findSession = (db: Executor, tokenHash: string) => findSessionQuery.first(db, tokenHash);
const findSessionQuery = cachedQuery((db, tokenHash: string) => db.selectFrom('sessions').innerJoin('agents', 'agents.id', 'sessions.agent_id')
  .select(['sessions.id as session_id', 'sessions.expires_at', 'agents.id', 'agents.email', 'agents.name', 'agents.role', 'agents.active'])
  .where('sessions.token_hash', '=', tokenHash));

export const deleteSession = (db: Executor, tokenHash: string) =>
  db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();

/** Signs the agent out everywhere but the session `keepTokenHash` (when given). */
export const deleteOtherSessions = (db: Executor, agentId: number, keepTokenHash: string | null) =>
  db.deleteFrom('sessions').where('agent_id', '=', agentId)
    .$if(keepTokenHash !== null, (qb) => qb.where('token_hash', '!=', keepTokenHash!)).execute();

export const deleteExpiredSessions = (db: Executor, now: string) =>
  db.deleteFrom('sessions').where('expires_at', '<', now).execute();

export const findApiToken = (db: Executor, tokenHash: string) => findApiTokenQuery.first(db, tokenHash);
const findApiTokenQuery = cachedQuery((db, tokenHash: string) => db.selectFrom('api_tokens').innerJoin('agents', 'agents.id', 'api_tokens.agent_id')
  .select(['api_tokens.id as token_id', 'api_tokens.revoked_at', 'agents.id', 'agents.email', 'agents.name', 'agents.role', 'agents.active'])
  .where('api_tokens.token_hash', '=', tokenHash));

export const touchApiToken = (db: Executor, id: number, now: string) =>
  db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();

export const listApiTokens = (db: Executor, agentId: number) =>
  db.selectFrom('api_tokens').select(['id', 'name', 'created_at', 'last_used_at', 'revoked_at'])
    .where('agent_id', '=', agentId).orderBy('id').execute();

export const insertApiToken = (db: Executor, row: { agent_id: number; name: string; token_hash: string; created_at: string }) =>
  db.insertInto('api_tokens').values(row).returning(['id', 'name', 'created_at', 'last_used_at', 'revoked_at']).executeTakeFirstOrThrow();

export const revokeApiToken = (db: Executor, agentId: number, id: number, now: string) =>
  db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('agent_id', '=', agentId)
    .where('revoked_at', 'is', null).executeTakeFirst();
