import { z } from 'zod';
import { recordId } from '../../db/record-id.ts';

export const MODULE_KEY = 'datto-rmm';

export const priorityNames = ['Critical', 'High', 'Moderate', 'Low', 'Information', 'Unknown'] as const;
const ticketPriority = z.number().int().min(1).max(4);

/** Alert-lifecycle policies; every one has a safe default. */
export const policiesSchema = z.object({
  /** One ticket per alert uid (Halo's behaviour) or per condition (same device + same monitor kind). */
  dedupScope: z.enum(['alert', 'condition']).default('alert'),
  /** An alert re-raised within this many hours of its ticket closing reopens it; later it opens a new, linked ticket. */
  reopenWindowHours: z.number().min(0).max(24 * 90).default(24),
  /** What an alert resolved in Datto does to its ticket. */
  resolvedInDatto: z.enum(['note', 'closeIfUntouched', 'close']).default('closeIfUntouched'),
  storm: z.object({
    enabled: z.boolean().default(true),
    scope: z.enum(['device', 'site']).default('device'),
    /** Above this many alerts in the window, further alerts roll up into one parent ticket. */
    threshold: z.number().int().min(1).max(100_000).default(10),
    windowMinutes: z.number().int().min(1).max(24 * 60).default(10),
  }).prefault({}),
  priorityMap: z.object({
    Critical: ticketPriority.default(1), High: ticketPriority.default(2), Moderate: ticketPriority.default(3),
    Low: ticketPriority.default(4), Information: ticketPriority.default(4), Unknown: ticketPriority.default(3),
  }).prefault({}),
  reconcileMinutes: z.number().int().min(1).max(24 * 60).default(5),
  /** Reconciliation opens tickets only for open alerts raised this recently, so enabling it does not ticket an old backlog. */
  reconcileLookbackHours: z.number().min(1).max(24 * 30).default(24),
}).prefault({});

/** Stored settings (without the secret); also the GET shape minus the derived fields. */
export const storedSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  apiUrl: z.string().default(''),
  apiKey: z.string().default(''),
  alerting: z.object({
    mailboxId: recordId().nullable().default(null),
    fromAddress: z.string().default(''),
    defaultTicketTypeId: recordId().nullable().default(null),
  }).prefault({}),
  siteImport: z.object({
    mode: z.enum(['customerPerSite', 'topLevelCustomer']).default('customerPerSite'),
    topLevelCustomerId: recordId().nullable().default(null),
    /** Minutes between scheduled imports; 0 turns the schedule off. */
    scheduleMinutes: z.number().int().min(0).max(7 * 24 * 60).default(60),
  }).prefault({}),
  assetImport: z.object({ enabled: z.boolean().default(true) }).prefault({}),
  policies: policiesSchema,
});
export type DattoSettings = z.infer<typeof storedSettingsSchema>;

/** PUT body: like the stored shape, every part optional (a partial update), plus the write-only secret. */
export const settingsUpdateSchema = z.object({
  enabled: z.boolean().optional(),
  apiUrl: z.string().trim().max(500).optional(),
  apiKey: z.string().trim().max(500).optional(),
  apiSecret: z.string().trim().min(1).max(500).optional(),
  alerting: z.object({
    mailboxId: recordId().nullable().optional(),
    fromAddress: z.string().trim().pipe(z.union([
      z.email().max(254).refine((a) => a.split('@')[0]!.length <= 64, 'the part before @ is longer than 64 characters'),
      z.literal(''),
    ])).optional(),
    defaultTicketTypeId: recordId().nullable().optional(),
  }).optional(),
  siteImport: z.object({
    mode: z.enum(['customerPerSite', 'topLevelCustomer']).optional(),
    topLevelCustomerId: recordId().nullable().optional(),
    scheduleMinutes: z.number().int().min(0).max(7 * 24 * 60).optional(),
  }).optional(),
  assetImport: z.object({ enabled: z.boolean().optional() }).optional(),
  policies: z.object({
    dedupScope: z.enum(['alert', 'condition']).optional(),
    reopenWindowHours: z.number().min(0).max(24 * 90).optional(),
    resolvedInDatto: z.enum(['note', 'closeIfUntouched', 'close']).optional(),
    storm: z.object({
      enabled: z.boolean().optional(), scope: z.enum(['device', 'site']).optional(),
      threshold: z.number().int().min(1).max(100_000).optional(), windowMinutes: z.number().int().min(1).max(24 * 60).optional(),
    }).optional(),
    priorityMap: z.object(Object.fromEntries(priorityNames.map((p) => [p, ticketPriority.optional()])) as Record<(typeof priorityNames)[number], z.ZodOptional<typeof ticketPriority>>).optional(),
    reconcileMinutes: z.number().int().min(1).max(24 * 60).optional(),
    reconcileLookbackHours: z.number().min(1).max(24 * 30).optional(),
  }).optional(),
});
export type SettingsUpdate = z.infer<typeof settingsUpdateSchema>;

/** Secrets kept encrypted together in integration_settings.secrets_enc. */
export type DattoSecrets = { apiSecret?: string; webhookToken?: string };

/** Deep merge of a partial update into the stored settings (arrays and nulls replace). */
export function mergeSettings(current: DattoSettings, update: SettingsUpdate): DattoSettings {
  const { apiSecret: _secret, ...rest } = update;
  const merge = (a: any, b: any): any => {
    if (b === undefined) return a;
    if (b === null || typeof b !== 'object' || Array.isArray(b) || a === null || typeof a !== 'object') return b;
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = merge(a[k], v);
    return out;
  };
  return storedSettingsSchema.parse(merge(current, rest));
}
