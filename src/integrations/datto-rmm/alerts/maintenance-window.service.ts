import { z } from 'zod';
import type { Actor } from '../../../core/actor.ts';
import { audit } from '../../../core/audit/audit.repository.ts';
import { decodeCursor, toPage } from '../../../core/paging.ts';
import type { Tx } from '../../../db/database.ts';
import type { JobDefinition } from '../../../jobs/job-definition.ts';
import { NotFoundError, UnprocessableError } from '../../../errors.ts';
import type { DattoContext } from '../module-part.ts';
import { presentWindow } from './alert-presenter.ts';
import { deleteWindow, findWindow, insertWindow, listWindows, updateWindow, type MaintenanceWindowRow } from './maintenance-window.repository.ts';
import { recordId } from '../../../db/record-id.ts';

const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

/** Exactly one of customerId and siteId: a window covers a whole customer or one site. */
export const windowInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  customerId: recordId().nullable().optional(),
  siteId: recordId().nullable().optional(),
  startsAt: isoTime,
  endsAt: isoTime,
});
export const windowPatchSchema = windowInputSchema.partial();
export type WindowInput = z.infer<typeof windowInputSchema>;
export type WindowPatch = z.infer<typeof windowPatchSchema>;

const MAX_WINDOW_DAYS = 31;

/**
 * Maintenance windows: alerts of a customer or site in a window are stored and listed but open no
 * ticket; when the window ends those Datto still has open are ticketed (a release job queued for
 * the window's end, plus a sweep every minute).
 */
export function createMaintenanceWindowService(ctx: DattoContext, releaseJob: () => JobDefinition<{ windowId?: number }>) {
  const { db } = ctx;

  const check = async (trx: Tx, w: { name: string; customerId: number | null; siteId: number | null; startsAt: string; endsAt: string }) => {
    if ((w.customerId === null) === (w.siteId === null)) {
      throw new UnprocessableError('window_target', 'Give either customerId or siteId: a window covers a whole customer or one site');
    }
    if (w.endsAt <= w.startsAt) {
      throw UnprocessableError.forFields('window_times', [{ field: 'endsAt', message: 'must be after the start' }]);
    }
    if (Date.parse(w.endsAt) - Date.parse(w.startsAt) > MAX_WINDOW_DAYS * 86_400_000) {
      throw UnprocessableError.forFields('window_times', [{ field: 'endsAt', message: `a maintenance window lasts at most ${MAX_WINDOW_DAYS} days` }]);
    }
    if (w.customerId !== null && !(await trx.selectFrom('customers').select('id').where('id', '=', w.customerId).executeTakeFirst())) {
      throw new UnprocessableError('unknown_reference', `customerId: no customer ${w.customerId}`);
    }
    if (w.siteId !== null && !(await trx.selectFrom('sites').select('id').where('id', '=', w.siteId).executeTakeFirst())) {
      throw new UnprocessableError('unknown_reference', `siteId: no site ${w.siteId}`);
    }
  };

  /** The release runs when the window ends (or now, when it already has). */
  const scheduleRelease = (trx: Tx, w: Pick<MaintenanceWindowRow, 'id' | 'ends_at'>) =>
    ctx.queue.enqueue(releaseJob(), { windowId: w.id }, { uniqueKey: `datto-release:${w.id}:${w.ends_at}`, runAt: new Date(w.ends_at) }, trx);

  const load = async (trx: Tx, id: number) => {
    const w = await findWindow(trx, id);
    if (!w) throw new NotFoundError('Maintenance window', id);
    return w;
  };

  return {
    async list(q: { customerId?: number; siteId?: number; active?: boolean; cursor?: string; limit: number }) {
      const c = decodeCursor(q.cursor);
      const rows = await listWindows(db, {
        customerId: q.customerId, siteId: q.siteId, activeAt: q.active ? new Date().toISOString() : undefined, beforeId: c?.id, limit: q.limit + 1,
      });
      return toPage(rows, q.limit, (w) => presentWindow(w), (w) => ({ id: w.id }));
    },

    async get(id: number) {
      const w = await findWindow(db, id);
      if (!w) throw new NotFoundError('Maintenance window', id);
      return presentWindow(w);
    },

    async create(input: WindowInput, actor: Actor) {
      const w = { name: input.name, customerId: input.customerId ?? null, siteId: input.siteId ?? null, startsAt: input.startsAt, endsAt: input.endsAt };
      const row = await db.transaction().execute(async (trx) => {
        await check(trx, w);
        const t = new Date().toISOString();
        const created = await insertWindow(trx, {
          name: w.name, customer_id: w.customerId, site_id: w.siteId, starts_at: w.startsAt, ends_at: w.endsAt,
          created_by_agent_id: actor.kind === 'agent' ? actor.agentId : null, created_at: t, updated_at: t,
        });
        await scheduleRelease(trx, created);
        await audit(trx, actor, { action: 'datto_maintenance_window.create', entity: 'datto_maintenance_window', entityId: created.id, changes: input });
        return created;
      });
      return presentWindow(row);
    },

    async update(id: number, patch: WindowPatch, actor: Actor) {
      const row = await db.transaction().execute(async (trx) => {
        const current = await load(trx, id);
        const targetChanged = patch.customerId !== undefined || patch.siteId !== undefined;
        const w = {
          name: patch.name ?? current.name,
          customerId: targetChanged ? patch.customerId ?? null : current.customer_id,
          siteId: targetChanged ? patch.siteId ?? null : current.site_id,
          startsAt: patch.startsAt ?? current.starts_at,
          endsAt: patch.endsAt ?? current.ends_at,
        };
        await check(trx, w);
        const updated = await updateWindow(trx, id, {
          name: w.name, customer_id: w.customerId, site_id: w.siteId, starts_at: w.startsAt, ends_at: w.endsAt, updated_at: new Date().toISOString(),
        });
        await scheduleRelease(trx, updated);
        await audit(trx, actor, { action: 'datto_maintenance_window.update', entity: 'datto_maintenance_window', entityId: id, changes: patch });
        return updated;
      });
      ctx.queue.wake();
      return presentWindow(row);
    },

    /** Deleting a window ends it: alerts it held are released now. */
    async remove(id: number, actor: Actor) {
      await db.transaction().execute(async (trx) => {
        const current = await load(trx, id);
        await deleteWindow(trx, id);
        await ctx.queue.enqueue(releaseJob(), { windowId: id }, { uniqueKey: `datto-release:${id}:deleted` }, trx);
        await audit(trx, actor, { action: 'datto_maintenance_window.delete', entity: 'datto_maintenance_window', entityId: id, changes: { name: current.name } });
      });
      ctx.queue.wake();
    },
  };
}
