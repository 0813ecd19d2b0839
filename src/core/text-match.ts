import { sql, type ExpressionBuilder } from 'kysely';
import type { Dialect } from '../db/database.ts';

/**
 * "Contains", ignoring case, on both databases; % and _ in the needle are matched literally. SQLite's
 * like folds only A-Z, so both sides are folded by `fold_case` (registered on the connection) and
 * Ü finds ü as the trigram index of ticket summaries does.
 */
export function textMatch(dialect: Dialect, column: string, needle: string) {
  const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return (_eb: ExpressionBuilder<any, any>) =>
    dialect === 'postgres'
      ? sql<boolean>`${sql.ref(column)} ilike ${pattern} escape '\\'`
      : sql<boolean>`fold_case(${sql.ref(column)}) like ${pattern.toLowerCase()} escape '\\'`;
}
