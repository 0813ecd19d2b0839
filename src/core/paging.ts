import { ValidationError } from '../errors.ts';

/** Keyset paging: the cursor is the sort key and id of the last row served, opaque to clients. */
export type Page<T> = { items: T[]; nextCursor: string | null };
export type Cursor = { k?: string | number | null; id: number };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (!text) return undefined;
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof c?.id === 'number') return c as Cursor;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('cursor: not a cursor this API gave out');
}

/** Builds a page from limit+1 fetched rows. */
export function toPage<R, T>(rows: R[], limit: number, present: (r: R) => T, cursorOf: (r: R) => Cursor): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return { items: slice.map(present), nextCursor: more ? encodeCursor(cursorOf(slice[slice.length - 1]!)) : null };
}
