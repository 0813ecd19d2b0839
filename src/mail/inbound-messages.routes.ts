import { z } from 'zod';
import { UnsupportedMediaTypeError, ValidationError } from '../errors.ts';
import { idParams, pageOf, pageQuery } from '../http/schemas.ts';
import type { HttpApp } from '../integrations/registry.ts';
import type { InboxService } from './inbox.service.ts';
import { MAX_MESSAGE_BYTES } from './mailbox.schemas.ts';

const state = z.enum(['received', 'processed', 'ignored', 'failed']);
export const inboundShape = z.object({
  id: z.number(), mailboxId: z.number(), messageId: z.string().nullable(), subject: z.string().nullable(), from: z.string().nullable(),
  receivedAt: z.string(), state, ruleName: z.string().nullable(), ruleId: z.number().nullable(), ticketId: z.number().nullable(),
  reason: z.string().nullable(), attempts: z.number(), processedAt: z.string().nullable(), size: z.number(), replayable: z.boolean(),
});
const receiptShape = z.object({ id: z.number(), state, duplicate: z.boolean() });

/** The inbox: upload (raw RFC 822), the trace per mailbox, the raw bytes, and replay. */
export async function inboundMessagesRoutes(app: HttpApp, inbox: InboxService) {
  // The body is the raw message whatever content type the client sent (curl --data-binary says
  // form-urlencoded, some tools send none or a malformed one); in its own scope so other routes keep
  // their parsers. What the type does tell (JSON, a form) is checked before the body is read.
  await app.register(async (scope: HttpApp) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_MESSAGE_BYTES }, (_req, body, done) => done(null, body));
    scope.addHook('onRequest', async (req) => {
      const type = req.headers['content-type'] ?? '';
      if (/^\s*application\/([\w.+-]+\+)?json\b/i.test(type)) {
        throw new ValidationError('body: send the raw RFC 822 message (content-type message/rfc822), not JSON');
      }
      if (/^\s*multipart\/form-data\b/i.test(type)) {
        throw new ValidationError('body: send the raw RFC 822 message as the body (curl --data-binary @mail.eml), not a form upload');
      }
      const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
      if (encoding && encoding !== 'identity') {
        throw new UnsupportedMediaTypeError(`Content-Encoding ${encoding} is not accepted: send the raw message uncompressed`);
      }
      req.headers['content-type'] = 'message/rfc822';
    });

    scope.post('/api/mailboxes/:id/messages', {
      bodyLimit: MAX_MESSAGE_BYTES,
      schema: {
        tags: ['email'], params: idParams,
        description: 'Body: the raw message (content-type message/rfc822 is usual; any type but JSON or a form is read as the raw bytes; no Content-Encoding). 202 when stored, 200 when the same message was stored before.',
        response: { 200: receiptShape, 202: receiptShape },
      },
    }, async (req, reply) => {
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new ValidationError('body: the message is empty; send the raw RFC 822 bytes');
      await inbox.checkMailboxAccepts(req.params.id);
      const receipt = await inbox.receive(req.params.id, req.body, 'upload');
      return reply.status(receipt.duplicate ? 200 : 202).send(receipt);
    });
  });

  app.get('/api/mailboxes/:id/messages', {
    schema: {
      tags: ['email'], params: idParams,
      querystring: z.object({
        ...pageQuery,
        state: z.string().optional().transform((s, ctx) => {
          if (!s) return undefined;
          const parts = s.split(',');
          for (const p of parts) if (!state.safeParse(p).success) ctx.addIssue({ code: 'custom', message: `unknown state "${p}"` });
          return parts as Array<z.infer<typeof state>>;
        }),
      }),
      response: { 200: pageOf(inboundShape) },
    },
  }, async (req) => inbox.list(req.params.id, { states: req.query.state, cursor: req.query.cursor, limit: req.query.limit }));

  app.get('/api/inbound-messages/:id', { schema: { tags: ['email'], params: idParams, response: { 200: inboundShape } } },
    async (req) => inbox.get(req.params.id));

  app.get('/api/inbound-messages/:id/raw', { schema: { tags: ['email'], params: idParams } }, async (req, reply) => {
    const raw = await inbox.raw(req.params.id);
    return reply
      .header('content-type', 'message/rfc822')
      .header('content-disposition', `inline; filename="message-${req.params.id}.eml"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(raw);
  });

  app.post('/api/inbound-messages/:id/replay', { schema: { tags: ['email'], params: idParams, response: { 200: inboundShape } } },
    async (req) => inbox.replay(req.params.id));
}
