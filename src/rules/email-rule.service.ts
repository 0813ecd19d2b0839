import { z } from 'zod';
import type { Actor } from '../core/actor.ts';
import { audit } from '../core/audit/audit.repository.ts';
import { now, type Database, type Executor } from '../db/database.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import type { RuleActionDefinition } from './rule-action.ts';
import {
  emailRuleActionSchema, emailRuleConditionSchema, matchModeSchema,
  type EmailRuleAction, type EmailRuleCondition, type EmailRuleCreate, type EmailRulePatch,
} from './email-rule.schemas.ts';
import { compileRule, type CompiledRule } from './rule-engine.ts';
import * as repo from './email-rule.repository.ts';

export type EmailRule = {
  id: number; name: string; position: number; enabled: boolean; match: 'all' | 'any';
  conditions: EmailRuleCondition[]; actions: EmailRuleAction[]; acceptAutomated: boolean; systemKey: string | null; createdAt: string; updatedAt: string;
};

export const presentRule = (r: repo.EmailRuleRow): EmailRule => ({
  id: r.id, name: r.name, position: r.position, enabled: r.enabled === 1, match: r.match,
  conditions: JSON.parse(r.conditions), actions: JSON.parse(r.actions), acceptAutomated: r.accept_automated === 1,
  systemKey: r.system_key, createdAt: r.created_at, updatedAt: r.updated_at,
});

export type SystemRuleInput = {
  systemKey: string; name: string; match?: 'all' | 'any'; enabled?: boolean;
  conditions: EmailRuleCondition[]; actions: EmailRuleAction[];
  /** The rule's actions also run for machine-sent mail (e.g. a monitoring system's alerts); default false. */
  acceptAutomated?: boolean;
};

function parseStructure<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ field: [field, ...i.path.map(String)].join('.'), message: i.message }));
    throw ValidationError.forFields(issues);
  }
  return r.data;
}

/** Rules with a condition on this mailbox, in order (a mailbox they name should not vanish unnoticed). */
export async function rulesNamingMailbox(exec: Executor, mailboxId: number): Promise<Array<{ id: number; name: string }>> {
  return (await repo.listRules(exec)).filter((r) => (JSON.parse(r.conditions) as EmailRuleCondition[])
    .some((c) => c.field === 'mailbox' && c.value === mailboxId)).map((r) => ({ id: r.id, name: r.name }));
}

/** Whether the rule a module created under this key exists (it may have been deleted by the user). */
export const systemRuleExists = async (exec: Executor, systemKey: string): Promise<boolean> => !!(await repo.findRuleBySystemKey(exec, systemKey));

/**
 * Creates the rule a module owns, once: when a rule with this system key exists it is returned
 * untouched, so the user's edits to it win. Takes the caller's executor so a module can call it in
 * the transaction that saves its settings.
 */
export async function ensureSystemRule(exec: Executor, input: SystemRuleInput): Promise<EmailRule> {
  const existing = await repo.findRuleBySystemKey(exec, input.systemKey);
  if (existing) return presentRule(existing);
  const conditions = input.conditions.map((c, i) => parseStructure(emailRuleConditionSchema, c, `conditions.${i}`));
  const actions = input.actions.map((a, i) => parseStructure(emailRuleActionSchema, a, `actions.${i}`));
  const match = parseStructure(matchModeSchema, input.match ?? 'all', 'match');
  const t = now();
  // A module's rule goes first: enabling an integration should not be shadowed by an older catch-all rule.
  const { min } = await repo.positionBounds(exec);
  const row = await repo.insertRuleIfNew(exec, {
    name: input.name, position: min - 1, enabled: input.enabled === false ? 0 : 1, match,
    conditions: JSON.stringify(conditions), actions: JSON.stringify(actions), accept_automated: input.acceptAutomated ? 1 : 0,
    system_key: input.systemKey, created_at: t, updated_at: t,
  });
  return presentRule(row ?? (await repo.findRuleBySystemKey(exec, input.systemKey))!);
}

/** Changes fields of a module's rule (e.g. after its settings changed); null when the rule does not exist. */
export async function updateSystemRule(
  exec: Executor, systemKey: string, patch: Partial<Omit<SystemRuleInput, 'systemKey'>>,
): Promise<EmailRule | null> {
  const existing = await repo.findRuleBySystemKey(exec, systemKey);
  if (!existing) return null;
  const set: Record<string, unknown> = { updated_at: now() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
  if (patch.match !== undefined) set.match = parseStructure(matchModeSchema, patch.match, 'match');
  if (patch.conditions) set.conditions = JSON.stringify(patch.conditions.map((c, i) => parseStructure(emailRuleConditionSchema, c, `conditions.${i}`)));
  if (patch.actions) set.actions = JSON.stringify(patch.actions.map((a, i) => parseStructure(emailRuleActionSchema, a, `actions.${i}`)));
  if (patch.acceptAutomated !== undefined) set.accept_automated = patch.acceptAutomated ? 1 : 0;
  return presentRule(await repo.updateRule(exec, existing.id, set));
}

/** The enabled rules in evaluation order, compiled. */
export async function loadActiveRules(exec: Executor): Promise<CompiledRule[]> {
  return (await repo.listRules(exec, { enabledOnly: true })).map((r) => compileRule(presentRule(r)));
}

export type EmailRuleService = ReturnType<typeof createEmailRuleService>;

/** Rule administration; `actions()` lists every action type a rule may use (core and modules). */
export function createEmailRuleService(db: Database, actions: () => RuleActionDefinition<any>[]) {
  const load = async (exec: Executor, id: number) => {
    const r = await repo.findRule(exec, id);
    if (!r) throw new NotFoundError('Email rule', id);
    return r;
  };

  /** Each action names a known type and carries the parameters that type accepts. */
  const checkActions = (list: EmailRuleAction[]): EmailRuleAction[] => {
    const known = new Map(actions().map((a) => [a.type, a]));
    if (list.length > 1) {
      const i = list.findIndex((a) => a.type === 'ignore');
      if (i !== -1) {
        throw UnprocessableError.forFields('ignore_with_other_actions', [
          { field: `actions.${i}.type`, message: 'Ignore ends the rule: it cannot be combined with other actions' },
        ]);
      }
    }
    return list.map((a, i) => {
      const def = known.get(a.type);
      if (!def) {
        throw new UnprocessableError('unknown_action', `actions.${i}.type: no action "${a.type}"; one of ${[...known.keys()].join(', ')}`,
          [{ field: `actions.${i}.type`, message: 'unknown action type' }]);
      }
      const parsed = def.params.safeParse(a.params);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((x) => ({ field: [`actions.${i}.params`, ...x.path.map(String)].join('.'), message: x.message }));
        throw UnprocessableError.forFields('invalid_action_params', issues);
      }
      return { type: a.type, params: (parsed.data ?? {}) as Record<string, unknown> };
    });
  };

  /** What the rule names that does not exist: a mailbox of a condition, the rows an action's parameters name. */
  const referenceProblems = async (exec: Executor, conditions: EmailRuleCondition[] | undefined, list: EmailRuleAction[] | undefined) => {
    const problems: Array<{ field: string; message: string; code: string }> = [];
    for (const [i, c] of (conditions ?? []).entries()) {
      if (c.field === 'mailbox' && !(await exec.selectFrom('mailboxes').select('id').where('id', '=', c.value).executeTakeFirst())) {
        problems.push({ field: `conditions.${i}.value`, message: `no mailbox ${c.value}`, code: 'unknown_reference' });
      }
    }
    const known = new Map(actions().map((a) => [a.type, a]));
    for (const [i, a] of (list ?? []).entries()) {
      const found = await known.get(a.type)?.checkReferences?.(exec, a.params);
      for (const p of found ?? []) problems.push({ field: `actions.${i}.params.${p.field}`, message: p.message, code: p.code ?? 'unknown_reference' });
    }
    return problems;
  };

  /** A save may not name what does not exist. */
  const checkReferences = async (exec: Executor, conditions: EmailRuleCondition[] | undefined, list: EmailRuleAction[] | undefined) => {
    const problems = await referenceProblems(exec, conditions, list);
    // The same codes as the ticket API: unknown_reference, or site_not_of_customer when that is all that is wrong.
    if (problems.length) {
      const code = problems.every((p) => p.code === problems[0]!.code) ? problems[0]!.code : 'unknown_reference';
      throw UnprocessableError.forFields(code, problems);
    }
  };

  /**
   * A rule as the API shows it, with what it names that is gone since it was saved (a mailbox
   * deleted with force): such a condition matches no mail, which the rules list should say.
   */
  const withProblems = async (exec: Executor, row: repo.EmailRuleRow): Promise<EmailRule & { problems: Array<{ field: string; message: string }> }> => {
    const rule = presentRule(row);
    const problems = await referenceProblems(exec, rule.conditions, rule.actions);
    return { ...rule, problems: problems.map(({ field, message }) => ({ field, message })) };
  };

  return {
    /** `takesParams` false: the action has no options (its params schema is an empty object). */
    actionTypes: () => actions().map((a) => ({
      type: a.type, label: a.label, takesParams: !(a.params instanceof z.ZodObject && Object.keys(a.params.shape).length === 0),
    })),

    list: async () => Promise.all((await repo.listRules(db)).map((r) => withProblems(db, r))),

    get: async (id: number) => withProblems(db, await load(db, id)),

    async create(input: EmailRuleCreate, actor: Actor) {
      const checked = checkActions(input.actions);
      return db.transaction().execute(async (trx) => {
        await checkReferences(trx, input.conditions, checked);
        const { max } = await repo.positionBounds(trx);
        const t = now();
        const row = await repo.insertRule(trx, {
          name: input.name, position: max + 1, enabled: input.enabled ? 1 : 0, match: input.match,
          conditions: JSON.stringify(input.conditions), actions: JSON.stringify(checked), accept_automated: input.acceptAutomated ? 1 : 0,
          system_key: null, created_at: t, updated_at: t,
        });
        await audit(trx, actor, { action: 'email_rule.create', entity: 'email_rule', entityId: row.id, changes: input });
        // Everything it names was checked above.
        return { ...presentRule(row), problems: [] };
      });
    },

    async update(id: number, patch: EmailRulePatch, actor: Actor) {
      const checked = patch.actions ? checkActions(patch.actions) : undefined;
      return db.transaction().execute(async (trx) => {
        await load(trx, id);
        await checkReferences(trx, patch.conditions, checked);
        const set: Record<string, unknown> = { updated_at: now() };
        if (patch.name !== undefined) set.name = patch.name;
        if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
        if (patch.match !== undefined) set.match = patch.match;
        if (patch.conditions !== undefined) set.conditions = JSON.stringify(patch.conditions);
        if (checked) set.actions = JSON.stringify(checked);
        if (patch.acceptAutomated !== undefined) set.accept_automated = patch.acceptAutomated ? 1 : 0;
        const row = await repo.updateRule(trx, id, set);
        await audit(trx, actor, { action: 'email_rule.update', entity: 'email_rule', entityId: id, changes: patch });
        return withProblems(trx, row);
      });
    },

    /** A module's rule (system key) is only deleted with force: disabling it is the usual way out. */
    async remove(id: number, actor: Actor, opts: { force?: boolean } = {}) {
      await db.transaction().execute(async (trx) => {
        const r = await load(trx, id);
        if (r.system_key && !opts.force) {
          throw new ConflictError(
            `Rule "${r.name}" is maintained by an integration (${r.system_key}); disable it instead, or delete it with ?force=true`,
            { systemKey: r.system_key },
          );
        }
        await repo.deleteRule(trx, id);
        await audit(trx, actor, { action: 'email_rule.delete', entity: 'email_rule', entityId: id, changes: { name: r.name, systemKey: r.system_key } });
      });
    },

    /** `ids` is every rule, in the new evaluation order. */
    async reorder(ids: number[], actor: Actor) {
      return db.transaction().execute(async (trx) => {
        const all = await repo.listRules(trx);
        const given = new Set(ids);
        if (given.size !== ids.length) throw new UnprocessableError('invalid_order', 'ids: each rule id once');
        const missing = all.filter((r) => !given.has(r.id)).map((r) => r.id);
        const unknown = ids.filter((id) => !all.some((r) => r.id === id));
        if (missing.length || unknown.length) {
          throw new UnprocessableError('invalid_order', `ids: list every rule exactly once${missing.length ? `; missing ${missing.join(', ')}` : ''}${unknown.length ? `; unknown ${unknown.join(', ')}` : ''}`);
        }
        const t = now();
        for (const [i, id] of ids.entries()) await repo.updateRule(trx, id, { position: i + 1, updated_at: t });
        await audit(trx, actor, { action: 'email_rule.reorder', entity: 'email_rule', changes: { ids } });
        return Promise.all((await repo.listRules(trx)).map((r) => withProblems(trx, r)));
      });
    },
  };
}
