import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import libmime from 'libmime';
import libqp from 'libqp';
import { storableText } from '../db/storable-text.ts';

/** Header fields relays add on the way; the same message fetched twice may differ only in these. */
const TRACE = /^(received|return-path|delivered-to|x-original-to|x-received|x-delivered-to|authentication-results|received-spf|arc-[a-z-]+|x-spam-[a-z-]+|x-virus-[a-z-]+)$/i;

/** Offset of the body (after the blank line ending the header section), or the length when there is none. */
function headerEnd(raw: Buffer): { end: number; bodyStart: number } {
  const limit = Math.min(raw.length, 1024 * 1024);
  for (let i = raw.indexOf(10); i !== -1 && i < limit; i = raw.indexOf(10, i + 1)) {
    if (raw[i + 1] === 10) return { end: i + 1, bodyStart: i + 2 };
    if (raw[i + 1] === 13 && raw[i + 2] === 10) return { end: i + 1, bodyStart: i + 3 };
  }
  return { end: raw.length, bodyStart: raw.length };
}

/**
 * The message without what some tools put before its first header: a UTF-8 byte order mark (files
 * saved on Windows) and blank lines. The stored bytes stay as received; parsing starts here.
 */
export function messageStart(raw: Buffer): Buffer {
  let i = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
  while (i < raw.length && i < 1024 && (raw[i] === 10 || raw[i] === 13 || raw[i] === 32 || raw[i] === 9)) i++;
  return i === 0 ? raw : raw.subarray(i);
}

/** Header fields, unfolded, in order (names lower-cased); for the store step, before full parsing. */
export function rawHeaders(message: Buffer): Array<[string, string]> {
  const raw = messageStart(message);
  const { end } = headerEnd(raw);
  const text = raw.subarray(0, Math.min(end, 256 * 1024)).toString('latin1');
  const fields: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) {
      fields[fields.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/**
 * Identity of a message's content: SHA-256 over the raw bytes without trace header fields and with
 * CRLF line ends read as LF. Equal for the same message delivered twice (also over two paths).
 */
export function contentHash(raw: Buffer): string {
  const hash = crypto.createHash('sha256');
  const { end, bodyStart } = headerEnd(raw);
  const headerText = raw.subarray(0, end).toString('latin1');
  let keep = true;
  for (const line of headerText.split(/\r?\n/)) {
    if (!/^[ \t]/.test(line)) keep = !TRACE.test(line.slice(0, Math.max(0, line.indexOf(':'))).trim());
    if (keep && line) hash.update(`${line}\n`, 'latin1');
  }
  hash.update('\n');
  let from = bodyStart;
  for (let cr = raw.indexOf(13, from); cr !== -1; cr = raw.indexOf(13, from)) {
    if (raw[cr + 1] === 10) {
      hash.update(raw.subarray(from, cr));
      from = cr + 1;
    } else {
      hash.update(raw.subarray(from, cr + 1));
      from = cr + 1;
    }
  }
  hash.update(raw.subarray(from));
  return hash.digest('hex');
}

/** Message-ID, subject and sender as the raw header carries them, for the trace before parsing. */
export function summaryHeaders(raw: Buffer): { messageId: string | null; subject: string | null; from: string | null } {
  const fields = rawHeaders(raw);
  // NUL never reaches the database: PostgreSQL text cannot hold it, and it would fail the store.
  const get = (name: string) => {
    const value = fieldValue(fields, name);
    return value === undefined ? undefined : storableText(value);
  };
  const mid = get('message-id')?.match(/<[^>\s]+>/)?.[0] ?? (get('message-id')?.trim() || null);
  return { messageId: mid?.slice(0, 998) ?? null, subject: get('subject')?.slice(0, 1000) ?? null, from: get('from')?.slice(0, 500) ?? null };
}

/** The first value of a header field, as `rawHeaders` returns them. */
const fieldValue = (fields: Array<[string, string]>, name: string) => fields.find(([k]) => k === name)?.[1];

/** The charset a Content-Type value names, if any. */
const charsetOf = (contentType: string | undefined) => contentType?.match(/charset\s*=\s*"?([\w.:-]+)/i)?.[1];

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const isUtf8 = (bytes: Uint8Array) => {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

// iconv-lite rather than TextDecoder: Node's decodes "windows-1252" as ISO-8859-1 (0x80 is not €).
const legacyCharset = (charset: string | undefined) =>
  (charset && !/^(us-ascii|utf-?8)$/i.test(charset) && iconv.encodingExists(charset) ? charset : 'windows-1252');

/**
 * A header field sent as raw 8-bit bytes that are not UTF-8 (old mailers write Latin-1 without
 * RFC 2047), decoded as the message's charset or else Windows-1252; null when the field is ASCII,
 * encoded words, or valid UTF-8 (the parser reads those right).
 */
export function legacyHeaderText(raw: Buffer, name: string): string | null {
  const fields = rawHeaders(raw);
  const value = fieldValue(fields, name);
  if (value?.includes('=?')) return legacyEncodedWords(value);
  if (!value || !/[\x80-\xff]/.test(value)) return null;
  const bytes = Buffer.from(value, 'latin1');
  return isUtf8(bytes) ? null : iconv.decode(bytes, legacyCharset(charsetOf(fieldValue(fields, 'content-type'))));
}

const ENCODED_WORD = /=\?([^?\s*]+)(\*[^?\s]*)?\?([bq])\?([^?\s]*)\?=/gi;

/**
 * Encoded words (RFC 2047) that say UTF-8, or a charset nobody knows, over bytes that are not UTF-8
 * (the parser shows U+FFFD for them): each such word decoded as Windows-1252 instead; null when
 * every word is fine.
 */
function legacyEncodedWords(value: string): string | null {
  let repaired = false;
  const words = value.replace(ENCODED_WORD, (word, charset: string, _lang: string | undefined, encoding: string, text: string) => {
    if (legacyCharset(charset) === charset) return word;
    const bytes = encoding.toLowerCase() === 'b' ? Buffer.from(text, 'base64') : libqp.decode(text.replace(/_/g, ' '));
    if (isUtf8(bytes)) return word;
    repaired = true;
    return `=?windows-1252?${encoding}?${text}?=`;
  });
  return repaired ? libmime.decodeWords(words) : null;
}

/**
 * The body of a single-part text message whose bytes are not valid UTF-8 although its charset says
 * so, names none, or names one nobody knows (the parser then reads UTF-8 and shows U+FFFD): decoded
 * as Windows-1252 instead. Null for multipart mail and for bodies that are valid UTF-8.
 */
export function legacyBodyText(received: Buffer): string | null {
  const raw = messageStart(received);
  const fields = rawHeaders(raw);
  const type = fieldValue(fields, 'content-type') ?? '';
  if (type && !/^\s*text\/[\w.+-]+\s*(;|$)/i.test(type)) return null;
  let body = raw.subarray(headerEnd(raw).bodyStart);
  const transfer = (fieldValue(fields, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  if (transfer === 'base64') body = Buffer.from(body.toString('latin1'), 'base64');
  else if (transfer === 'quoted-printable') body = libqp.decode(body.toString('latin1'));
  return isUtf8(body) ? null : iconv.decode(body, legacyCharset(charsetOf(type)));
}
