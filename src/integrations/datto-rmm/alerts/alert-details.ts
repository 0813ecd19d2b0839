import type { Alert, AlertContext } from '../client/index.ts';

/** How each known alert kind reads; any other kind is shown field by field as it came. */
const kindNames: Record<string, string> = {
  comp_script_ctx: 'Component monitor',
  eventlog_ctx: 'Event log',
  perf_resource_usage_ctx: 'Resource usage',
  perf_disk_usage_ctx: 'Disk usage',
  online_offline_status_ctx: 'Online status',
  patch_ctx: 'Patch',
  srvc_status_ctx: 'Service status',
  antivirus_ctx: 'Antivirus',
  custom_snmp_ctx: 'SNMP',
  ping_ctx: 'Ping',
  ransomware_ctx: 'Ransomware',
};

export const monitorKindName = (kind: string | null) => (kind ? kindNames[kind] ?? kind : 'Unknown monitor');

/** A time as a person reads it in a history line: `2025-06-01 00:35 UTC`. */
const when = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function value(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (v instanceof Date) return when(v);
  if (Array.isArray(v)) return v.length ? v.map(value).join(', ') : '—';
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${value(x)}`).join(', ') || '—';
  return String(v);
}

const label = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

/** The context's fields, one line each, in the order Datto sent them. */
export function contextLines(context: AlertContext | null): string[] {
  if (!context) return [];
  const lines: string[] = [];
  for (const [key, v] of Object.entries(context)) {
    if (key === '@class') continue;
    lines.push(`${label(key)}: ${value(v)}`);
  }
  return lines;
}

/** The ticket history text for an alert read from Datto. */
export function describeAlert(alert: Alert): string {
  const source = alert.alertSourceInfo;
  const kind = alert.alertContext?.['@class'] ?? null;
  const lines = [
    `Priority: ${alert.priority ?? 'Unknown'}`,
    `Monitor: ${monitorKindName(kind)}${kind && kindNames[kind] ? '' : kind ? ' (shown as reported)' : ''}`,
    `Device: ${source?.deviceName ?? '—'}${source?.deviceUid ? ` (${source.deviceUid})` : ''}`,
    `Site: ${source?.siteName ?? '—'}${source?.siteUid ? ` (${source.siteUid})` : ''}`,
    `Raised: ${alert.timestamp ? when(alert.timestamp) : '—'}`,
  ];
  if (alert.diagnostics) lines.push('', 'Diagnostics:', alert.diagnostics);
  const ctx = contextLines(alert.alertContext);
  if (ctx.length) lines.push('', 'Alert context:', ...ctx);
  if (alert.muted) lines.push('', 'The alert is muted in Datto RMM.');
  return lines.join('\n');
}

/** What the alert link keeps of an alert read from Datto (JSON-safe). */
export function alertSnapshot(alert: Alert): Record<string, unknown> {
  return JSON.parse(JSON.stringify(alert)) as Record<string, unknown>;
}
