import { simpleParser, type AddressObject, type EmailAddress, type SimpleParserOptions } from 'mailparser';
import type { InboundMail } from '../rules/rule-action.ts';
import { htmlToPlainText } from './html-to-text.ts';
import { legacyBodyText, legacyHeaderText, messageStart } from './raw-message.ts';
import { storableText } from '../db/storable-text.ts';

export type ParsedMail = Omit<InboundMail, 'inboundMessageId' | 'mailboxId'>;

/** Thrown for bytes that are not an e-mail; the message is recorded as failed with this reason. */
export class MalformedMailError extends Error {}

const MAX_TEXT = 200_000;
const MAX_HTML_TO_CONVERT = 5_000_000;
const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+:/;

export const PARSER_OPTIONS: SimpleParserOptions = {
  skipTextToHtml: true, skipImageLinks: true, keepCidLinks: true, skipHtmlToText: true,
};

/** What mailparser yields that the pipeline uses (also what the parse workers send back). */
export type MimeParse = {
  headerLines?: Array<{ key: string; line: string }>; text?: string; html?: string | false; subject?: string;
  from?: AddressObject; to?: AddressObject | AddressObject[]; cc?: AddressObject | AddressObject[];
  messageId?: string; inReplyTo?: string; references?: string | string[]; date?: Date;
  attachments?: Array<{ filename?: string; contentType?: string; size?: number; content: Buffer | Uint8Array }>;
};
export type MimeParser = (raw: Buffer) => Promise<MimeParse>;

export const inThreadParser: MimeParser = (raw) => simpleParser(raw, PARSER_OPTIONS) as unknown as Promise<MimeParse>;

/** Parses raw RFC 822 bytes once into the mail every rule and action sees. */
export async function parseMail(received: Buffer, parser: MimeParser = inThreadParser): Promise<ParsedMail> {
  const raw = messageStart(received);
  if (raw.length === 0) throw new MalformedMailError('the message is empty');
  const firstLine = raw.subarray(0, Math.min(raw.length, 1000)).toString('latin1').split(/\r?\n/, 1)[0] ?? '';
  if (!HEADER_LINE.test(firstLine) && !firstLine.startsWith('From ')) {
    throw new MalformedMailError('not an RFC 822 message: it does not start with a header line');
  }
  let parsed: MimeParse;
  try {
    parsed = await parser(raw);
  } catch (err) {
    throw new MalformedMailError(`the message cannot be parsed: ${(err as Error).message}`);
  }

  const headers: Record<string, string> = {};
  for (const h of parsed.headerLines ?? []) {
    if (headers[h.key] !== undefined) continue;
    const colon = h.line.indexOf(':');
    headers[h.key] = storableText(h.line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim().slice(0, 4000));
  }

  let html = typeof parsed.html === 'string' ? parsed.html : null;
  let text = parsed.text ?? '';
  // Bytes the parser could not read as the charset the mail names (see legacyBodyText).
  if (text.includes('\uFFFD') || html?.includes('\uFFFD')) {
    const legacy = legacyBodyText(raw);
    if (legacy !== null && html !== null && !text.trim()) html = legacy;
    else if (legacy !== null) text = legacy;
  }
  if (!text.trim() && html) text = htmlToPlainText(html.slice(0, MAX_HTML_TO_CONVERT));
  const references = Array.isArray(parsed.references) ? parsed.references : parsed.references ? [parsed.references] : [];
  const from = firstAddress(parsed.from);
  // Raw 8-bit Latin-1 in a header reads as U+FFFD through the parser: decode those bytes ourselves.
  let subject = parsed.subject ?? '';
  if (subject.includes('\uFFFD')) subject = legacyHeaderText(raw, 'subject') ?? subject;
  if (from?.name.includes('\uFFFD')) {
    const name = legacyHeaderText(raw, 'from')?.match(/^\s*"?([^"<]*?)"?\s*</)?.[1]?.trim();
    if (name) from.name = storableText(name);
  }

  return {
    messageId: cleanId(parsed.messageId),
    from,
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    subject: storableText(subject).replace(/\s+/g, ' ').trim(),
    text: normalizeText(text).slice(0, MAX_TEXT),
    html,
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : null,
    inReplyTo: cleanId(parsed.inReplyTo),
    references: references.flatMap((r) => r.split(/\s+/)).map(cleanId).filter((r): r is string => !!r).slice(0, 50),
    headers,
    attachments: (parsed.attachments ?? []).map((a, i) => ({
      filename: safeFilename(a.filename, i, a.contentType),
      contentType: storableText(a.contentType || 'application/octet-stream').toLowerCase(),
      size: a.size ?? a.content.length,
      content: Buffer.isBuffer(a.content) ? a.content : Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
    })),
  };
}

const cleanId = (id: string | undefined | null): string | null => {
  const t = id && storableText(id).trim();
  if (!t) return null;
  return (t.startsWith('<') ? t : `<${t}>`).slice(0, 998);
};

function flatten(list: EmailAddress[]): EmailAddress[] {
  return list.flatMap((a) => (a.group ? flatten(a.group) : [a]));
}

function firstAddress(obj: AddressObject | undefined): ParsedMail['from'] {
  const a = obj ? flatten(obj.value).find((v) => v.address) : undefined;
  return a ? { address: storableText(a.address!).toLowerCase(), name: storableText(a.name ?? '') } : null;
}

function addresses(obj: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(obj) ? obj : obj ? [obj] : [];
  return list.flatMap((o) => flatten(o.value)).map((a) => a.address && storableText(a.address).toLowerCase()).filter((a): a is string => !!a);
}

function normalizeText(text: string): string {
  return storableText(text).replace(/\r\n?/g, '\n').replace(/\n{4,}/g, '\n\n\n').trim();
}

const EXTENSIONS: Record<string, string> = {
  'message/rfc822': 'eml', 'text/plain': 'txt', 'text/html': 'html', 'text/calendar': 'ics', 'image/jpeg': 'jpg', 'image/png': 'png',
  'image/gif': 'gif', 'application/pdf': 'pdf', 'application/zip': 'zip',
};

function safeFilename(name: string | undefined, index: number, contentType: string | undefined): string {
  const cleaned = (name ?? '').replace(/[\u0000-\u001f\u007f"\\/]/g, '_').trim().slice(0, 200);
  if (cleaned) return cleaned;
  const type = (contentType ?? '').toLowerCase();
  const ext = EXTENSIONS[type] ?? (type.startsWith('text/') ? 'txt' : 'bin');
  return `attachment-${index + 1}.${ext}`;
}
