import type { Database, Dialect, Executor, Tx } from '../../db/database.ts';
import { now } from '../../db/database.ts';
import { NotFoundError, UnprocessableError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { audit } from '../audit/audit.repository.ts';
import { decodeCursor, toPage } from '../paging.ts';
import type { TicketHooks } from './ticket-hooks.ts';
import * as repo from './ticket.repository.ts';

export type Ticket = {
  id: number; number: number; summary: string; details: string; status: repo.TicketStatus; priority: number;
  ticketTypeId: number; customerId: number | null; siteId: number | null; assetId: number | null; source: repo.TicketSource;
  parentTicketId: number | null; openedAt: string; closedAt: string | null; updatedAt: string; workedByAgent: boolean;
};
export type TicketAction = {
  id: number; ticketId: number; kind: string; body: string; agentId: number | null; agentName: string | null; data: unknown; createdAt: string;
};

export const presentTicket = (t: repo.TicketRow): Ticket => ({
  id: t.id, number: t.number ?? t.id, summary: t.summary, details: t.details, status: t.status, priority: t.priority,
  ticketTypeId: t.ticket_type_id, customerId: t.customer_id, siteId: t.site_id, assetId: t.asset_id, source: t.source,
  parentTicketId: t.parent_ticket_id, openedAt: t.opened_at, closedAt: t.closed_at, updatedAt: t.updated_at,
  workedByAgent: t.agent_touched === 1,
});

const presentAction = (a: repo.TicketActionRow & { agent_name?: string | null }): TicketAction => ({
  id: a.id, ticketId: a.ticket_id, kind: a.kind, body: a.body, agentId: a.agent_id, agentName: a.agent_name ?? null,
  data: a.data ? JSON.parse(a.data) : null, createdAt: a.created_at,
});

export type NewTicket = {
  summary: string; details?: string; priority?: number; ticketTypeId?: number; customerId?: number | null; siteId?: number | null;
  assetId?: number | null; source: repo.TicketSource; parentTicketId?: number | null; status?: repo.TicketStatus;
};
export type TicketPatch = Partial<Pick<NewTicket, 'summary' | 'details' | 'priority' | 'ticketTypeId' | 'customerId' | 'siteId' | 'assetId' | 'status'>>;

const agentId = (actor: Actor) => (actor.kind === 'agent' ? actor.agentId : null);
const TRACKED: Array<[keyof TicketPatch, keyof repo.TicketRow]> = [
  ['summary', 'summary'], ['details', 'details'], ['priority', 'priority'], ['ticketTypeId', 'ticket_type_id'],
  ['customerId', 'customer_id'], ['siteId', 'site_id'], ['assetId', 'asset_id'],
];

export type TicketRefs = { ticketTypeId?: number; customerId?: number | null; siteId?: number | null; assetId?: number | null; ticketId?: number };
export type ReferenceProblem = { field: keyof TicketRefs; message: string; code: 'unknown_reference' | 'site_not_of_customer' };

/**
 * What of these references does not exist, or does not fit together (a site of another customer).
 * The ticket API refuses with the first; a rule is refused at save time with all of them.
 */
export async function ticketReferenceProblems(exec: Executor, r: TicketRefs): Promise<ReferenceProblem[]> {
  const problems: ReferenceProblem[] = [];
  const tables = { ticketTypeId: ['ticket_types', 'ticket type'], customerId: ['customers', 'customer'], assetId: ['assets', 'asset'], ticketId: ['tickets', 'ticket'] } as const;
  for (const [field, [table, what]] of Object.entries(tables) as Array<[keyof typeof tables, (typeof tables)[keyof typeof tables]]>) {
    const id = r[field];
    if (id === undefined || id === null) continue;
    if (!(await exec.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst())) {
      problems.push({ field, message: `no ${what} ${id}`, code: 'unknown_reference' });
    }
  }
  if (r.siteId !== undefined && r.siteId !== null) {
    const site = await exec.selectFrom('sites').select(['id', 'customer_id']).where('id', '=', r.siteId).executeTakeFirst();
    if (!site) problems.push({ field: 'siteId', message: `no site ${r.siteId}`, code: 'unknown_reference' });
    else if (r.customerId !== undefined && r.customerId !== null && site.customer_id !== r.customerId) {
      problems.push({ field: 'siteId', message: `site ${r.siteId} does not belong to customer ${r.customerId}`, code: 'site_not_of_customer' });
    }
  }
  return problems;
}

export type TicketService = ReturnType<typeof createTicketService>;

export function createTicketService(db: Database, dialect: Dialect, hooks: TicketHooks[] = []) {
  const load = async (exec: Executor, id: number) => {
    const t = await repo.findTicket(exec, id);
    if (!t) throw new NotFoundError('Ticket', id);
    return t;
  };

  const checkRefs = async (exec: Executor, r: TicketRefs) => {
    const [first] = await ticketReferenceProblems(exec, r);
    if (first) throw new UnprocessableError(first.code, `${first.field}: ${first.message}`);
  };

  const actionRow = (ticketId: number, kind: string, body: string, actor: Actor, data?: unknown) => ({
    ticket_id: ticketId, kind, body, agent_id: agentId(actor), data: data === undefined ? null : JSON.stringify(data), created_at: now(),
  });
  const addAction = (exec: Executor, ticketId: number, kind: string, body: string, actor: Actor, data?: unknown) =>
    repo.insertAction(exec, actionRow(ticketId, kind, body, actor, data));

  /** Creates a ticket inside the caller's transaction (mail, alerts and the API share this). */
  const createIn = async (trx: Executor, input: NewTicket, actor: Actor): Promise<repo.TicketRow> => {
    // A type given is checked with the other references; without one the insert picks the default.
    await checkRefs(trx, input);
    const t = now();
    const ticket = await repo.insertTicket(trx, {
      summary: input.summary.slice(0, 500), details: input.details ?? '', status: input.status ?? 'new', priority: input.priority ?? 3,
      ticket_type_id: input.ticketTypeId, customer_id: input.customerId ?? null, site_id: input.siteId ?? null, asset_id: input.assetId ?? null,
      source: input.source, parent_ticket_id: input.parentTicketId ?? null, opened_at: t, closed_at: null, updated_at: t,
      created_by_agent_id: agentId(actor), agent_touched: 0,
    });
    await addAction(trx, ticket.id, 'system', `Ticket opened (${input.source})`, actor);
    return ticket;
  };

  const closeIn = async (trx: Tx, id: number, actor: Actor, opts: { note?: string; origin?: string } = {}) => {
    const current = await load(trx, id);
    if (current.status === 'closed') return current;
    const t = now();
    const ticket = await repo.updateTicket(trx, id, {
      status: 'closed', closed_at: t, updated_at: t, ...(actor.kind === 'agent' ? { agent_touched: 1 } : {}),
    });
    if (opts.note) await addAction(trx, id, 'note', opts.note, actor);
    await addAction(trx, id, 'status_change', `Status ${current.status} → closed`, actor, { from: current.status, to: 'closed', origin: opts.origin ?? null });
    for (const h of hooks) await h.onClosed?.(trx, { ticket, actor, origin: opts.origin });
    return ticket;
  };

  const updateIn = async (trx: Tx, id: number, patch: TicketPatch, actor: Actor, origin?: string) => {
    const current = await load(trx, id);
    if (patch.status === 'closed') {
      const { status: _s, ...rest } = patch;
      if (Object.keys(rest).length) await updateIn(trx, id, rest, actor, origin);
      return closeIn(trx, id, actor, { origin });
    }
    const customerId = patch.customerId !== undefined ? patch.customerId : current.customer_id;
    const siteId = patch.siteId !== undefined ? patch.siteId : patch.customerId !== undefined && patch.customerId !== current.customer_id ? null : current.site_id;
    await checkRefs(trx, { ticketTypeId: patch.ticketTypeId, customerId, siteId: patch.siteId !== undefined ? siteId : undefined, assetId: patch.assetId });
    const set: Record<string, unknown> = {};
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [key, col] of TRACKED) {
      const value = key === 'siteId' ? siteId : patch[key];
      if (value !== undefined && value !== current[col]) {
        set[col] = value;
        changes[key] = { from: current[col], to: value };
      }
    }
    const reopening = patch.status !== undefined && current.status === 'closed';
    if (patch.status !== undefined && patch.status !== current.status) {
      set.status = patch.status;
      if (reopening) set.closed_at = null;
    }
    if (Object.keys(set).length === 0) return current;
    const t = now();
    const touched = actor.kind === 'agent' && (patch.status !== undefined || Object.keys(changes).length > 0);
    const ticket = await repo.updateTicket(trx, id, { ...set, updated_at: t, ...(touched ? { agent_touched: 1 } : {}) });
    if (set.status) {
      await addAction(trx, id, 'status_change', `Status ${current.status} → ${patch.status}`, actor, { from: current.status, to: patch.status, origin: origin ?? null });
    }
    if (Object.keys(changes).length) {
      const text = Object.entries(changes).map(([k, v]) => `${k}: ${v.from ?? '—'} → ${v.to ?? '—'}`).join(', ');
      await addAction(trx, id, 'field_change', text, actor, changes);
    }
    if (reopening) for (const h of hooks) await h.onReopened?.(trx, { ticket, actor, origin });
    await audit(trx, actor, { action: 'ticket.update', entity: 'ticket', entityId: id, changes: { ...changes, ...(set.status ? { status: { from: current.status, to: set.status } } : {}) } });
    return ticket;
  };

  return {
    createIn,
    closeIn,
    updateIn,
    addActionIn: addAction,
    /** An action that also marks the ticket updated (an occurrence on a ticket nobody changed otherwise). */
    addActionTouchingIn: (exec: Executor, ticketId: number, kind: string, body: string, actor: Actor, data?: unknown) =>
      repo.insertActionTouching(exec, dialect, actionRow(ticketId, kind, body, actor, data)),
    load: (id: number, exec: Executor = db) => load(exec, id),

    async list(q: repo.TicketFilter & { cursor?: string; limit: number; sort?: string }) {
      const sortText = q.sort ?? '-id';
      const desc = sortText.startsWith('-');
      const name = sortText.replace(/^-/, '');
      const sort = ({ id: 'id', priority: 'priority', updatedAt: 'updated_at', openedAt: 'opened_at' } as const)[name as 'id'];
      if (!sort) throw new UnprocessableError('bad_sort', 'sort: one of id, priority, updatedAt, openedAt, with - for descending');
      const after = decodeCursor(q.cursor);
      const rows = await repo.listTickets(db, dialect, q, { sort, desc, after, limit: q.limit + 1 });
      return toPage(rows, q.limit, presentTicket, (r) => ({ k: sort === 'id' ? null : (r[sort] as string | number), id: r.id }));
    },

    async counts(q: repo.TicketFilter) {
      const rows = await repo.countTicketsByStatus(db, dialect, q);
      const byStatus: Record<string, number> = { new: 0, in_progress: 0, waiting: 0, closed: 0 };
      for (const r of rows) byStatus[r.status] = Number(r.n);
      return { byStatus, open: byStatus.new! + byStatus.in_progress! + byStatus.waiting!, total: Object.values(byStatus).reduce((a, b) => a + b, 0) };
    },

    get: async (id: number) => presentTicket(await load(db, id)),

    create: async (input: NewTicket, actor: Actor) =>
      presentTicket(await db.transaction().execute(async (trx) => {
        const t = await createIn(trx, input, actor);
        await audit(trx, actor, { action: 'ticket.create', entity: 'ticket', entityId: t.id });
        return t;
      })),

    update: async (id: number, patch: TicketPatch, actor: Actor) =>
      presentTicket(await db.transaction().execute((trx) => updateIn(trx, id, patch, actor))),

    close: async (id: number, actor: Actor, opts: { note?: string } = {}) =>
      presentTicket(await db.transaction().execute(async (trx) => {
        const t = await closeIn(trx, id, actor, opts);
        await audit(trx, actor, { action: 'ticket.close', entity: 'ticket', entityId: id });
        return t;
      })),

    async addNote(id: number, body: string, actor: Actor): Promise<TicketAction> {
      return db.transaction().execute(async (trx) => {
        await load(trx, id);
        const a = await addAction(trx, id, 'note', body, actor);
        await repo.updateTicket(trx, id, { updated_at: now(), ...(actor.kind === 'agent' ? { agent_touched: 1 } : {}) });
        return presentAction({ ...a, agent_name: actor.kind === 'agent' ? actor.name : null });
      });
    },

    async actions(id: number, q: { cursor?: string; limit: number }) {
      await load(db, id);
      const c = decodeCursor(q.cursor);
      const rows = await repo.listActions(db, id, c?.id, q.limit + 1);
      return toPage(rows, q.limit, presentAction, (r) => ({ id: r.id }));
    },
  };
}
