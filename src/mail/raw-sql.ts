import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Executor } from '../db/database.ts';

const pgTexts = new Map<string, string>();

/**
 * Runs a fixed SQL text with `?` placeholders, skipping the query builder: for the few statements
 * every message runs, where building and compiling the query costs more than executing it.
 */
export async function rawQuery<R>(exec: Executor, text: string, params: readonly unknown[]) {
  let sqlText = text;
  if (exec.getExecutor().adapter instanceof PostgresAdapter) {
    sqlText = pgTexts.get(text) ?? '';
    if (!sqlText) {
      let n = 0;
      sqlText = text.replace(/\?/g, () => `$${++n}`);
      pgTexts.set(text, sqlText);
    }
  }
  return exec.executeQuery<R>(CompiledQuery.raw(sqlText, [...params]));
}
