import type { ParsedMail } from './mail-parser.ts';

/**
 * Mail that must never open a ticket, because answering it could loop: bounces and replies a
 * machine sent on its own. Returns the reason, or null for mail a person (or a rule) may act on.
 */
export function loopReason(mail: Pick<ParsedMail, 'headers' | 'from'>): string | null {
  const h = mail.headers;
  // None of these needs a From address: a bounce is often sent with an empty one (`From: <>`) or none.
  const report = /^multipart\/report\b/i.test(h['content-type'] ?? '') ? h['content-type']! : '';
  if (/delivery-status/i.test(report)) return 'bounce: delivery status notification';
  if (/disposition-notification/i.test(report)) return 'auto-reply: read receipt (disposition notification)';
  const address = mail.from?.address ?? '';
  const local = address.split('@')[0]!.toLowerCase();
  if (local === 'mailer-daemon' || local === 'postmaster') return `bounce: sent by ${address}`;
  if (autoSubmittedValue(h) === 'auto-replied') return 'auto-reply: Auto-Submitted: auto-replied';
  if (h['x-autoreply'] !== undefined) return 'auto-reply: X-Autoreply header';
  if (h['x-autorespond'] !== undefined) return 'auto-reply: X-Autorespond header';
  if ((h['precedence'] ?? '').trim().toLowerCase() === 'auto_reply') return 'auto-reply: Precedence: auto_reply';
  return null;
}

/** Whether a recorded reason is one `loopReason` gave: such mail is ignored before any rule runs, whatever the rules say. */
export const isLoopReason = (reason: string | null) => /^(bounce|auto-reply):/.test(reason ?? '');

/**
 * Machine-sent mail that is not a reply (Auto-Submitted: auto-generated, Precedence bulk/junk/list).
 * It is ignored unless the rule that matches it accepts automated mail (`acceptAutomated`), as a rule
 * written for a monitoring system's alerts does.
 */
export function automatedReason(mail: Pick<ParsedMail, 'headers'>): string | null {
  const h = mail.headers;
  const autoSubmitted = autoSubmittedValue(h);
  if (autoSubmitted && autoSubmitted !== 'no') return `automated: Auto-Submitted: ${autoSubmitted}`;
  const precedence = (h['precedence'] ?? '').trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'list') return `automated: Precedence: ${precedence}`;
  return null;
}

/** The keyword of an Auto-Submitted header, without its parameters or comments (RFC 3834: `auto-replied (vacation)`). */
const autoSubmittedValue = (h: ParsedMail['headers']) =>
  (h['auto-submitted'] ?? '').replace(/\([^()]*\)/g, ' ').split(';')[0]!.trim().toLowerCase();
