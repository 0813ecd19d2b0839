import { z } from 'zod';

// Real Datto RMM responses carry nulls almost anywhere and fields the OpenAPI
// document does not list: every field but the identifiers may be null or
// missing (read as null), and unknown fields are kept.

const text = z.string().nullable().default(null);
const num = z.number().nullable().default(null);
const bool = z.boolean().nullable().default(null);

/** Dates come as epoch milliseconds or ISO strings; anything unreadable is null. */
const date = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((value): Date | null => {
    if (value === null || value === undefined || value === '') return null;
    const parsed = new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
  });

function nested<T extends z.ZodRawShape>(shape: T) {
  return z.looseObject(shape).nullable().default(null);
}

export const devicesStatusSchema = z.looseObject({
  numberOfDevices: num,
  numberOfOnlineDevices: num,
  numberOfOfflineDevices: num,
});

export const accountSchema = z.looseObject({
  id: z.number(),
  uid: z.string(),
  name: text,
  currency: text,
  descriptor: nested({ billingEmail: text, bilingEmail: text, deviceLimit: num, timeZone: text }),
  devicesStatus: nested({
    ...devicesStatusSchema.shape,
    numberOfOnDemandDevices: num,
    numberOfManagedDevices: num,
  }),
});

export const requestRateSchema = z.looseObject({
  slidingTimeWindowSizeSeconds: num,
  accountUid: text,
  accountCount: num,
  accountRateLimit: num,
  accountCutOffRatio: num,
  accountWriteRateLimit: num,
  accountWriteCount: num,
  operationWriteStatus: z
    .record(z.string(), z.looseObject({ limit: num, count: num }).nullable())
    .nullable()
    .default(null),
});

export const siteSchema = z.looseObject({
  id: z.number(),
  uid: z.string(),
  accountUid: text,
  name: text,
  description: text,
  notes: text,
  onDemand: bool,
  splashtopAutoInstall: bool,
  devicesStatus: devicesStatusSchema.nullable().default(null),
  autotaskCompanyName: text,
  autotaskCompanyId: z.union([z.string(), z.number()]).nullable().default(null),
  portalUrl: text,
});

export const deviceSchema = z.looseObject({
  id: z.number(),
  uid: z.string(),
  siteId: num,
  siteUid: text,
  siteName: text,
  deviceType: nested({ category: text, type: text }),
  hostname: text,
  intIpAddress: text,
  extIpAddress: text,
  operatingSystem: text,
  lastLoggedInUser: text,
  domain: text,
  cagVersion: text,
  displayVersion: text,
  description: text,
  a64Bit: bool,
  rebootRequired: bool,
  online: bool,
  suspended: bool,
  deleted: bool,
  snmpEnabled: bool,
  lastSeen: date,
  lastReboot: date,
  lastAuditDate: date,
  creationDate: date,
  deviceClass: text,
  portalUrl: text,
  webRemoteUrl: text,
  warrantyDate: text,
  softwareStatus: text,
  antivirus: nested({ antivirusProduct: text, antivirusStatus: text }),
  patchManagement: nested({
    patchStatus: text,
    patchesApprovedPending: num,
    patchesNotApproved: num,
    patchesInstalled: num,
  }),
  udf: z.record(z.string(), z.string().nullable()).nullable().default(null),
});

function context<K extends string, T extends z.ZodRawShape>(kind: K, shape: T) {
  return z.looseObject({ '@class': z.literal(kind), ...shape });
}

/** The alert kinds Relaydesk knows how to present; others are kept as they come. */
export const knownAlertContextSchema = z.discriminatedUnion('@class', [
  context('comp_script_ctx', { samples: z.record(z.string(), z.unknown()).nullable().default(null) }),
  context('eventlog_ctx', {
    logName: text,
    code: z.union([z.string(), z.number()]).nullable().default(null),
    type: text,
    source: text,
    description: text,
    triggerCount: num,
    lastTriggered: date,
  }),
  context('perf_resource_usage_ctx', { type: text, percentage: num, processName: text, sample: num }),
  context('perf_disk_usage_ctx', {
    diskName: text,
    freeSpace: num,
    totalVolume: num,
    unitOfMeasure: text,
    diskNameDesignation: text,
  }),
  context('online_offline_status_ctx', { status: text }),
  context('patch_ctx', { patchUid: text, policyUid: text, result: text, info: text }),
  context('srvc_status_ctx', { serviceName: text, status: text }),
  context('antivirus_ctx', { productName: text, status: text }),
  context('custom_snmp_ctx', { displayName: text, currentValue: text, monitorInstance: text }),
  context('ping_ctx', { instanceName: text, roundtripTime: num, reasons: z.array(z.string()).nullable().default(null) }),
  context('ransomware_ctx', {
    state: num,
    confidenceFactor: num,
    affectedDirectories: z.array(z.string()).nullable().default(null),
    watchPaths: z.array(z.string()).nullable().default(null),
    rwextension: text,
    alertTime: date,
  }),
]);

/** A kind Relaydesk has no schema for (or a known kind in an unexpected shape): every field as sent. */
export const otherAlertContextSchema = z.looseObject({ '@class': z.string().nullable().default(null) });

export const alertContextSchema = z.union([knownAlertContextSchema, otherAlertContextSchema]);

export const alertPriorities = ['Critical', 'High', 'Moderate', 'Low', 'Information', 'Unknown'] as const;

export const alertSchema = z.looseObject({
  alertUid: z.string(),
  /** One of `alertPriorities` as far as is known; kept as text so a new level does not break reading. */
  priority: text,
  diagnostics: text,
  resolved: bool,
  resolvedBy: text,
  resolvedOn: date,
  muted: bool,
  ticketNumber: text,
  timestamp: date,
  autoresolveMins: num,
  alertMonitorInfo: nested({ sendsEmails: bool, createsTicket: bool }),
  alertContext: alertContextSchema.nullable().default(null),
  alertSourceInfo: nested({ deviceUid: text, deviceName: text, siteUid: text, siteName: text }),
  responseActions: z
    .array(
      z.looseObject({
        actionTime: date,
        actionType: text,
        description: text,
        actionReference: text,
        actionReferenceInt: text,
      }),
    )
    .nullable()
    .default(null),
});

export const pageDetailsSchema = z.looseObject({
  count: num,
  totalCount: num,
  prevPageUrl: text,
  nextPageUrl: text,
});

export const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: text,
  expires_in: num,
});

export type Account = z.output<typeof accountSchema>;
export type RequestRate = z.output<typeof requestRateSchema>;
export type Site = z.output<typeof siteSchema>;
export type Device = z.output<typeof deviceSchema>;
export type Alert = z.output<typeof alertSchema>;
export type AlertContext = z.output<typeof alertContextSchema>;
export type KnownAlertContext = z.output<typeof knownAlertContextSchema>;
export type AlertPriority = (typeof alertPriorities)[number];
export type PageDetails = z.output<typeof pageDetailsSchema>;

/** Narrows an alert context to one known kind, e.g. `contextOfKind(alert.alertContext, 'perf_disk_usage_ctx')`. */
export function contextOfKind<K extends KnownAlertContext['@class']>(
  context: AlertContext | null,
  kind: K,
): Extract<KnownAlertContext, { '@class': K }> | null {
  if (context === null || context['@class'] !== kind) return null;
  const parsed = knownAlertContextSchema.safeParse(context);
  return parsed.success ? (parsed.data as Extract<KnownAlertContext, { '@class': K }>) : null;
}
