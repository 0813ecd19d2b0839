import type { Database, Executor } from '../../db/database.ts';
import { now } from '../../db/database.ts';
import { ConflictError, NotFoundError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { audit } from '../audit/audit.repository.ts';

export type TicketType = { id: number; name: string; isDefault: boolean };

export type TicketTypeService = ReturnType<typeof createTicketTypeService>;

export function createTicketTypeService(db: Database) {
  const present = (r: { id: number; name: string; is_default: number }): TicketType => ({ id: r.id, name: r.name, isDefault: r.is_default === 1 });
  return {
    list: async () => (await db.selectFrom('ticket_types').selectAll().orderBy('id').execute()).map(present),

    async get(id: number, exec: Executor = db) {
      const r = await exec.selectFrom('ticket_types').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw new NotFoundError('Ticket type', id);
      return present(r);
    },

    async defaultType(exec: Executor = db) {
      const r = (await exec.selectFrom('ticket_types').selectAll().where('is_default', '=', 1).executeTakeFirst())
        ?? (await exec.selectFrom('ticket_types').selectAll().orderBy('id').executeTakeFirstOrThrow());
      return present(r);
    },

    async create(input: { name: string; isDefault?: boolean }, actor: Actor) {
      return db.transaction().execute(async (trx) => {
        if (await trx.selectFrom('ticket_types').select('id').where('name', '=', input.name).executeTakeFirst()) {
          throw new ConflictError(`A ticket type named "${input.name}" already exists`);
        }
        if (input.isDefault) await trx.updateTable('ticket_types').set({ is_default: 0 }).execute();
        const r = await trx.insertInto('ticket_types').values({ name: input.name, is_default: input.isDefault ? 1 : 0, created_at: now() })
          .returningAll().executeTakeFirstOrThrow();
        await audit(trx, actor, { action: 'ticket_type.create', entity: 'ticket_type', entityId: r.id, changes: input });
        return present(r);
      });
    },

    async update(id: number, patch: { name?: string; isDefault?: boolean }, actor: Actor) {
      return db.transaction().execute(async (trx) => {
        await this.get(id, trx);
        if (patch.isDefault) await trx.updateTable('ticket_types').set({ is_default: 0 }).execute();
        const r = await trx.updateTable('ticket_types')
          .set({ ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.isDefault !== undefined ? { is_default: patch.isDefault ? 1 : 0 } : {}) })
          .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
        await audit(trx, actor, { action: 'ticket_type.update', entity: 'ticket_type', entityId: id, changes: patch });
        return present(r);
      });
    },
  };
}
