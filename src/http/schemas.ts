import { z } from 'zod';

/** Pieces of request and reply schemas every route shares. */
export const idParams = z.object({ id: z.coerce.number().int().positive() });
export const pageQuery = {
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};
export const errorReply = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const boolQuery = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** Integer query parameter that may be empty. */
export const intQuery = z.coerce.number().int();
