import { z } from 'zod';
import { recordId } from '../db/record-id.ts';

/** A whole number as a path or query string writes it: decimal digits only ("0x10" and "1e3" are refused). */
export const wholeNumber = () => z.string().trim().regex(/^-?\d{1,15}$/, 'expected a whole number').transform(Number);
export const positiveId = () => wholeNumber().pipe(recordId());

/** Pieces of request and reply schemas every route shares. */
export const idParams = z.object({ id: positiveId() });
export const pageQuery = {
  cursor: z.string().optional(),
  limit: wholeNumber().pipe(z.number().int().min(1).max(200)).default(50),
};
export const errorReply = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const boolQuery = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
