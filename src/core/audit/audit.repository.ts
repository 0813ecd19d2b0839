import type { Executor } from '../../db/database.ts';
import { now } from '../../db/database.ts';
import type { Actor } from '../actor.ts';

export type AuditEntry = { action: string; entity: string; entityId?: string | number | null; changes?: unknown };

/** Who changed what: written in the same transaction as the change. */
export async function audit(db: Executor, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.insertInto('audit_log').values({
    agent_id: actor.kind === 'agent' ? actor.agentId : null,
    action: entry.action,
    entity: entry.entity,
    entity_id: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
    changes: entry.changes === undefined ? null : JSON.stringify(entry.changes),
    created_at: now(),
  }).execute();
}

export const listAudit = (db: Executor, f: { entity?: string; entityId?: string; beforeId?: number; limit: number }) =>
  db.selectFrom('audit_log').leftJoin('agents', 'agents.id', 'audit_log.agent_id')
    .select(['audit_log.id', 'audit_log.agent_id', 'agents.name as agent_name', 'audit_log.action', 'audit_log.entity',
      'audit_log.entity_id', 'audit_log.changes', 'audit_log.created_at'])
    .$if(!!f.entity, (qb) => qb.where('audit_log.entity', '=', f.entity!))
    .$if(!!f.entityId, (qb) => qb.where('audit_log.entity_id', '=', f.entityId!))
    .$if(f.beforeId !== undefined, (qb) => qb.where('audit_log.id', '<', f.beforeId!))
    .orderBy('audit_log.id', 'desc').limit(f.limit).execute();
