import { sql, type ExpressionBuilder } from 'kysely';
import type { Dialect } from '../db/database.ts';

/** Case-insensitive "contains" on both databases; % and _ in the needle are matched literally. */
export function textMatch(dialect: Dialect, column: string, needle: string) {
  const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return (_eb: ExpressionBuilder<any, any>) =>
    dialect === 'postgres'
      ? sql<boolean>`${sql.ref(column)} ilike ${pattern} escape '\\'`
      : sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
