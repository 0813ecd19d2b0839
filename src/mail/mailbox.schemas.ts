import { z } from 'zod';
import { recordId } from '../db/record-id.ts';

export const MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

const host = z.string().trim().min(1).max(255);
const folder = z.string().trim().min(1).max(255);

/** Whether two folder names (levels joined by "/") name one folder; INBOX is case-insensitive in IMAP, other names are not. */
export function sameImapFolder(a: string, b: string) {
  const [x, y] = [a, b].map((f) => f.split('/').filter(Boolean).join('/'));
  const inbox = x.toUpperCase() === 'INBOX' || y.toUpperCase() === 'INBOX';
  return inbox ? x.toUpperCase() === y.toUpperCase() : x === y;
}

/** Mail moved into the folder it is read from would be read, stored and moved again without end. */
export const PROCESSED_FOLDER_IS_FOLDER = 'the processed folder must be another folder than the one mail is read from';

const imapFields = {
  host,
  port: z.number().int().min(1).max(65535),
  tls: z.enum(['none', 'starttls', 'tls']),
  username: z.string().min(1).max(255),
  folder,
  /** Move stored mail here; when null, stored mail is flagged \Seen plus the $RelaydeskStored keyword instead. */
  processedFolder: folder.nullable(),
  /** Fallback poll when IDLE is unavailable or quiet. */
  pollSeconds: z.number().int().min(1).max(3600),
  /** Check the server's TLS certificate (turn off only for a self-signed server you trust). */
  tlsVerify: z.boolean(),
};

/** IMAP settings as stored (the password lives encrypted in secret_enc, never here). */
export const imapSettingsSchema = z.object({
  ...imapFields,
  port: imapFields.port.default(993),
  tls: imapFields.tls.default('tls'),
  folder: folder.default('INBOX'),
  processedFolder: imapFields.processedFolder.default(null),
  pollSeconds: imapFields.pollSeconds.default(60),
  tlsVerify: imapFields.tlsVerify.default(true),
});
export type ImapSettings = z.output<typeof imapSettingsSchema>;

const smtpFields = {
  port: z.number().int().min(1).max(65535),
  /** RCPT TO is accepted for these addresses only (case-insensitive). */
  addresses: z.array(z.email().max(254).transform((a) => a.toLowerCase())).min(1).max(100),
  maxMessageBytes: z.number().int().min(1024).max(MAX_MESSAGE_BYTES),
};
export const smtpSettingsSchema = z.object({ ...smtpFields, maxMessageBytes: smtpFields.maxMessageBytes.default(25 * 1024 * 1024) });
export type SmtpSettings = z.output<typeof smtpSettingsSchema>;

const imapInput = imapSettingsSchema.extend({ password: z.string().min(1).max(1000).optional() }).refine(
  (s) => !s.processedFolder || !sameImapFolder(s.folder, s.processedFolder),
  { path: ['processedFolder'], message: PROCESSED_FOLDER_IS_FOLDER },
);

/** Settings to try before saving; without a password, the one stored for `mailboxId` is used. */
export const imapTestSchema = z.strictObject({ imap: imapInput, mailboxId: recordId().optional() });
const common = { name: z.string().trim().min(1).max(200), enabled: z.boolean().default(true) };

/** Create or full replace; on replace a missing IMAP password keeps the stored one. */
export const mailboxInputSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('imap'), imap: imapInput }),
  z.object({ ...common, kind: z.literal('smtp'), smtp: smtpSettingsSchema }),
  z.object({ ...common, kind: z.literal('upload') }),
]);
export type MailboxInput = z.output<typeof mailboxInputSchema>;

/** A change of some fields; an unknown field (or `kind`, which cannot change) is refused, not ignored. */
export const mailboxPatchSchema = z.strictObject({
  name: common.name.optional(),
  enabled: z.boolean().optional(),
  imap: z.strictObject(imapFields).partial().extend({ password: z.string().min(1).max(1000).optional() }).optional(),
  smtp: z.strictObject(smtpFields).partial().optional(),
});
export type MailboxPatch = z.output<typeof mailboxPatchSchema>;
