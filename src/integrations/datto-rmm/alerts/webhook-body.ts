import { z } from 'zod';
import { canonicalAlertUid, isPlaceholder } from './alert-uid.ts';
import type { AlertFacts } from './alert-types.ts';
import { storableText } from '../../../db/storable-text.ts';

/** The fields Relaydesk reads from a webhook body; names are matched ignoring case, `_` and `-`. */
const aliases: Record<string, string[]> = {
  alertUid: ['alertuid', 'alertid'],
  message: ['alertmessage', 'message'],
  deviceUid: ['deviceuid'],
  deviceName: ['devicehostname', 'devicename', 'hostname'],
  siteUid: ['siteuid'],
  siteName: ['sitename'],
  priority: ['alertpriority', 'priority'],
  resolved: ['resolved', 'resolvedalert', 'alertresolved', 'isresolved'],
  platform: ['platform'],
  timestamp: ['timestamp', 'alerttimestamp'],
};

// NUL is dropped: PostgreSQL text cannot hold it.
const text = z.union([z.string(), z.number()]).transform((v) => storableText(String(v)).trim()).optional();
const flag = z.union([z.boolean(), z.string(), z.number()]).optional();

/** The body after the names were matched: every field optional, the values as Datto sent them. */
const normalizedSchema = z.object({
  alertUid: text, message: text, deviceUid: text, deviceName: text, siteUid: text, siteName: text, priority: text,
  resolved: flag, platform: text, timestamp: text,
});

export type WebhookAlert = {
  alertUid: string;
  resolved: boolean;
  message: string | null;
  facts: AlertFacts;
  platform: string | null;
};

export type ParsedWebhook = { ok: true; alert: WebhookAlert } | { ok: false; reason: string; alertUid?: string };

const squash = (key: string) => key.toLowerCase().replace(/[_\-\s]/g, '');

function readFlag(value: unknown): boolean | 'invalid' {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : 'invalid';
  const v = value.toString().trim().toLowerCase();
  if (['true', 'yes', '1', 'resolved'].includes(v)) return true;
  if (['false', 'no', '0', ''].includes(v)) return false;
  return 'invalid';
}

/** Reads what Datto POSTed. Unreplaced placeholders in optional fields are dropped; in the alert uid they fail the delivery. */
export function parseWebhookBody(raw: string): ParsedWebhook {
  if (raw.trim() === '') return { ok: false, reason: 'the body is empty; paste the raise or resolve body from the Relaydesk documentation into the webhook' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'the body is not a JSON object' };

  const picked: Record<string, unknown> = {};
  const entries = Object.entries(json as Record<string, unknown>).map(([k, v]) => [squash(k), v] as const);
  for (const [field, names] of Object.entries(aliases)) {
    const hit = names.map((n) => entries.find(([k]) => k === n)).find((e) => e !== undefined);
    if (hit && (typeof hit[1] !== 'object' || hit[1] === null)) picked[field] = hit[1];
  }
  const parsed = normalizedSchema.safeParse(picked);
  if (!parsed.success) return { ok: false, reason: `the body has fields of the wrong type: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}` };
  const b = parsed.data;

  if (!b.alertUid) return { ok: false, reason: 'the body has no alert uid: include "alertUID": "[alert_uid]"' };
  if (isPlaceholder(b.alertUid)) {
    return { ok: false, reason: `the placeholder ${b.alertUid} was not replaced: Datto fills [alert_uid] only in a monitor's webhook response, not in a test or global body` };
  }
  const alertUid = canonicalAlertUid(b.alertUid);
  if (!alertUid) return { ok: false, reason: `"${b.alertUid.slice(0, 80)}" is not a Datto alert uid (a UUID)` };

  const resolved = readFlag(b.resolved);
  if (resolved === 'invalid') {
    return { ok: false, alertUid, reason: `resolved must be true or false, not "${String(b.resolved).slice(0, 40)}" (an unreplaced placeholder?)` };
  }
  const keep = (v: string | undefined) => (v === undefined || v === '' || isPlaceholder(v) ? null : v);
  return {
    ok: true,
    alert: {
      alertUid,
      resolved,
      message: keep(b.message),
      platform: keep(b.platform),
      facts: {
        deviceUid: keep(b.deviceUid)?.toLowerCase() ?? null,
        deviceName: keep(b.deviceName),
        siteUid: keep(b.siteUid)?.toLowerCase() ?? null,
        siteName: keep(b.siteName),
        priority: normalizePriority(keep(b.priority)),
      },
    },
  };
}

const priorities = ['Critical', 'High', 'Moderate', 'Low', 'Information', 'Unknown'];
function normalizePriority(p: string | null): string | null {
  if (!p) return null;
  return priorities.find((x) => x.toLowerCase() === p.toLowerCase()) ?? p;
}
