import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { NotFoundError } from '../errors.ts';
import { decodeCursor, toPage } from '../core/paging.ts';
import { idParams, pageOf, pageQuery } from '../http/schemas.ts';
import type { HttpApp } from '../integrations/registry.ts';
import { findAttachment, listTicketAttachments } from './attachment.repository.ts';

const attachmentShape = z.object({
  id: z.number(), ticketId: z.number(), inboundMessageId: z.number().nullable(), filename: z.string(), contentType: z.string(),
  size: z.number(), createdAt: z.string(),
});

/** A content type we pass on as declared only when it is a plain MIME type; anything odd is served as bytes. */
const safeType = (t: string) => (/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i.test(t) ? t.toLowerCase() : 'application/octet-stream');

export function attachmentsRoutes(app: HttpApp, db: Database) {
  app.get('/api/tickets/:id/attachments', {
    schema: { tags: ['tickets'], params: idParams, querystring: z.object(pageQuery), response: { 200: pageOf(attachmentShape) } },
  }, async (req) => {
    if (!(await db.selectFrom('tickets').select('id').where('id', '=', req.params.id).executeTakeFirst())) throw new NotFoundError('Ticket', req.params.id);
    const rows = await listTicketAttachments(db, req.params.id, { afterId: decodeCursor(req.query.cursor)?.id, limit: req.query.limit + 1 });
    return toPage(rows, req.query.limit, (r) => ({
      id: r.id, ticketId: r.ticket_id, inboundMessageId: r.inbound_message_id, filename: r.filename, contentType: r.content_type,
      size: r.size, createdAt: r.created_at,
    }), (r) => ({ id: r.id }));
  });

  app.get('/api/attachments/:id', { schema: { tags: ['tickets'], params: idParams } }, async (req, reply) => {
    const a = await findAttachment(db, req.params.id);
    if (!a) throw new NotFoundError('Attachment', req.params.id);
    const ascii = a.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
    return reply
      .header('content-type', safeType(a.content_type))
      .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(Buffer.from(a.content));
  });
}
