import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { EmailRulesTable } from '../db/schema.ts';

export type EmailRuleRow = Selectable<EmailRulesTable>;

export const listRules = (db: Executor, opts: { enabledOnly?: boolean } = {}) =>
  db.selectFrom('email_rules').selectAll()
    .$if(!!opts.enabledOnly, (qb) => qb.where('enabled', '=', 1))
    .orderBy('position').orderBy('id').execute();

export const findRule = (db: Executor, id: number) => db.selectFrom('email_rules').selectAll().where('id', '=', id).executeTakeFirst();

export const findRuleBySystemKey = (db: Executor, key: string) =>
  db.selectFrom('email_rules').selectAll().where('system_key', '=', key).executeTakeFirst();

export async function positionBounds(db: Executor): Promise<{ min: number; max: number }> {
  const r = await db.selectFrom('email_rules')
    .select((eb) => [eb.fn.min<number>('position').as('min'), eb.fn.max<number>('position').as('max')]).executeTakeFirst();
  return { min: r?.min ?? 0, max: r?.max ?? 0 };
}

export const insertRule = (db: Executor, row: Insertable<EmailRulesTable>) =>
  db.insertInto('email_rules').values(row).returningAll().executeTakeFirstOrThrow();

/** Inserts unless a rule with the same system key exists; returns undefined when it did. */
export const insertRuleIfNew = (db: Executor, row: Insertable<EmailRulesTable>) =>
  db.insertInto('email_rules').values(row).onConflict((oc) => oc.column('system_key').doNothing()).returningAll().executeTakeFirst();

export const updateRule = (db: Executor, id: number, patch: Updateable<EmailRulesTable>) =>
  db.updateTable('email_rules').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow();

export const deleteRule = (db: Executor, id: number) => db.deleteFrom('email_rules').where('id', '=', id).execute();
