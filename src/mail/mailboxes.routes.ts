import { z } from 'zod';
import { actorOf } from '../http/auth.ts';
import { boolQuery, idParams } from '../http/schemas.ts';
import type { HttpApp } from '../integrations/registry.ts';
import { imapTestSchema, mailboxInputSchema, mailboxPatchSchema } from './mailbox.schemas.ts';
import type { MailboxService } from './mailbox.service.ts';

export const mailboxShape = z.object({
  id: z.number(), name: z.string(), kind: z.enum(['imap', 'smtp', 'upload']), enabled: z.boolean(),
  health: z.object({ connected: z.boolean(), lastMessageAt: z.string().nullable(), lastError: z.string().nullable() }),
  imap: z.object({
    host: z.string(), port: z.number(), tls: z.enum(['none', 'starttls', 'tls']), username: z.string(), folder: z.string(),
    processedFolder: z.string().nullable(), pollSeconds: z.number(), tlsVerify: z.boolean(), passwordSet: z.boolean(),
  }).optional(),
  /** `starttls`: the server offers STARTTLS (RELAYDESK_SMTP_TLS_CERT/KEY are set). */
  smtp: z.object({ port: z.number(), addresses: z.array(z.string()), maxMessageBytes: z.number(), starttls: z.boolean() }).optional(),
  createdAt: z.string(), updatedAt: z.string(),
});

/** Mailboxes: agents read them (with their health), administrators change them. The IMAP password is write-only. */
export function mailboxesRoutes(app: HttpApp, mailboxes: MailboxService) {
  app.get('/api/mailboxes', { schema: { tags: ['email'], response: { 200: z.object({ items: z.array(mailboxShape), nextCursor: z.null() }) } } },
    async () => ({ items: await mailboxes.list(), nextCursor: null }));

  app.get('/api/mailboxes/:id', { schema: { tags: ['email'], params: idParams, response: { 200: mailboxShape } } },
    async (req) => mailboxes.get(req.params.id));

  app.post('/api/mailboxes/test-imap', {
    config: { access: 'admin' },
    schema: {
      tags: ['email'], summary: 'Try IMAP settings before saving them: connect, log in, open the folder (read-only)', body: imapTestSchema,
      response: {
        200: z.object({
          ok: z.literal(true), folder: z.string(), messages: z.number(), afterStore: z.enum(['move', 'flag']),
          processedFolder: z.enum(['exists', 'will be created']).nullable(),
        }),
      },
    },
  }, async (req) => mailboxes.testImap(req.body));

  app.post('/api/mailboxes', {
    config: { access: 'admin' }, schema: { tags: ['email'], body: mailboxInputSchema, response: { 201: mailboxShape } },
  }, async (req, reply) => reply.status(201).send(await mailboxes.create(req.body, actorOf(req))));

  app.put('/api/mailboxes/:id', {
    config: { access: 'admin' }, schema: { tags: ['email'], params: idParams, body: mailboxInputSchema, response: { 200: mailboxShape } },
  }, async (req) => mailboxes.replace(req.params.id, req.body, actorOf(req)));

  app.patch('/api/mailboxes/:id', {
    config: { access: 'admin' }, schema: { tags: ['email'], params: idParams, body: mailboxPatchSchema, response: { 200: mailboxShape } },
  }, async (req) => mailboxes.patch(req.params.id, req.body, actorOf(req)));

  app.delete('/api/mailboxes/:id', {
    config: { access: 'admin' }, schema: { tags: ['email'], params: idParams, querystring: z.object({ force: boolQuery.optional() }) },
  }, async (req, reply) => {
    await mailboxes.remove(req.params.id, actorOf(req), { force: req.query.force });
    return reply.status(204).send();
  });
}
