/** A Datto alert uid as the API uses it: a lower-case UUID with hyphens. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The canonical uid, or null: case and whitespace are ignored, hyphens may be missing. */
export function canonicalAlertUid(text: string): string | null {
  const compact = text.replace(/\s+/g, '').toLowerCase();
  const hex = compact.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  const uid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return UUID.test(uid) && (compact === hex || compact === uid) ? uid : null;
}

const TAG = /alert\s*\{([^{}]*)\}/i;
// Only the tag the uid was read from: a second one (not Datto's format) stays visible in the summary.
const FIRST_TAG = /\s*alert\s*\{[^{}]*\}\s*/i;

export type SubjectTag = { found: false } | { found: true; uid: string | null; raw: string };

/** `Alert{<uid>}` in a subject (header folding may have put spaces inside the braces). */
export function alertTagOf(subject: string): SubjectTag {
  const m = TAG.exec(subject);
  if (!m) return { found: false };
  return { found: true, uid: canonicalAlertUid(m[1]!), raw: m[1]!.trim() };
}

const FORWARD_PREFIX = /^\s*(?:(?:fwd?|fw|wg|tr|rv)\s*:\s*)+/i;

/** The ticket summary of an alert e-mail: the subject without its (first) tag, forward prefixes and dangling separators. */
export function alertSummaryOf(subject: string, uid: string): string {
  const text = subject
    .replace(FIRST_TAG, ' ')
    .replace(FORWARD_PREFIX, '')
    .replace(/\s+/g, ' ')
    .replace(/[\s\-–—:|]+$/, '')
    .trim();
  return text || `Datto RMM alert ${uid}`;
}

/** An unreplaced Datto placeholder such as `[alert_uid]`. */
export const isPlaceholder = (value: string) => /^\s*\[[a-z_]+\]\s*$/i.test(value);
