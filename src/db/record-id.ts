import { z } from 'zod';

/** The largest id a row can have: PostgreSQL's integer key columns (SQLite's are wider). */
export const MAX_RECORD_ID = 2_147_483_647;

/** An id in a request: a larger number names no record on either database, and would not fit PostgreSQL's column. */
export const recordId = () => z.number().int().positive().max(MAX_RECORD_ID, `no record has an id above ${MAX_RECORD_ID}`);
