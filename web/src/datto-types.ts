import type { Job } from './types.ts';

/** Shapes of the Datto RMM module's API (/api/integrations/datto-rmm/*). */

export const DATTO_PRIORITIES = ['Critical', 'High', 'Moderate', 'Low', 'Information', 'Unknown'] as const;
export type DattoPriority = (typeof DATTO_PRIORITIES)[number];

export type SiteImportMode = 'customerPerSite' | 'topLevelCustomer';

export type AlertPolicies = {
  dedupScope: 'alert' | 'condition';
  reopenWindowHours: number;
  resolvedInDatto: 'note' | 'closeIfUntouched' | 'close';
  storm: { enabled: boolean; scope: 'device' | 'site'; threshold: number; windowMinutes: number };
  priorityMap: Record<DattoPriority, number>;
  reconcileMinutes: number;
  reconcileLookbackHours: number;
};

export type DattoSettings = {
  enabled: boolean;
  apiUrl: string;
  apiKey: string;
  apiSecretSet: boolean;
  webhookUrl: string | null;
  alerting: { mailboxId: number | null; fromAddress: string; defaultTicketTypeId: number | null };
  siteImport: { mode: SiteImportMode; topLevelCustomerId: number | null; scheduleMinutes: number };
  assetImport: { enabled: boolean };
  policies: AlertPolicies;
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** PUT body: any part of the settings; apiSecret only when it changes. */
export type DattoSettingsUpdate = DeepPartial<Omit<DattoSettings, 'apiSecretSet' | 'webhookUrl'>> & { apiSecret?: string };

export type RequestRate = {
  slidingTimeWindowSizeSeconds?: number | null;
  accountUid?: string | null;
  accountCount?: number | null;
  accountRateLimit?: number | null;
  accountCutOffRatio?: number | null;
  accountWriteRateLimit?: number | null;
  accountWriteCount?: number | null;
};

export type ConnectionTest = {
  ok: true;
  apiUrl: string;
  account: { uid: string | null; name: string | null };
  requestRate: RequestRate | null;
};

export type ImportCounts = {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  skipped: number;
  deleted: number;
  lastError: string | null;
};

export type SiteMapping = {
  dattoSiteUid: string;
  dattoSiteName: string;
  siteId: number | null;
  customerId: number | null;
  customerHasMainSite?: boolean | null;
  linkSource?: string | null;
  deletedInDatto?: boolean;
  deviceCount?: number | null;
  siteName?: string | null;
  customerName?: string | null;
};

export type DattoAlert = {
  alertUid: string;
  ticketId: number | null;
  occurrences: number;
  dattoState: 'open' | 'resolved' | 'unknown';
  resolveState: 'none' | 'pending' | 'done' | 'failed';
  resolveAttempts?: number;
  lastError: string | null;
  priority?: string | null;
  diagnostics?: string | null;
  message?: string | null;
  monitorKind?: string | null;
  monitorName?: string | null;
  deviceUid?: string | null;
  deviceName?: string | null;
  siteUid?: string | null;
  siteName?: string | null;
  via?: string[];
  firstSeenAt?: string;
  lastSeenAt?: string;
  heldReason?: string | null;
  stormId?: number | null;
  maintenanceWindowId?: number | null;
  enrichedAt?: string | null;
  enrichError?: string | null;
  resolvedAt?: string | null;
  resolvedBy?: string | null;
  device?: { uid: string; name: string | null; assetId: number | null; portalUrl: string | null; webRemoteUrl: string | null } | null;
};

export type AlertCounters = {
  heldForMaintenance: number;
  rolledUpInStorms: number;
  resolvedBeforeRaised: number;
  storms: number;
  resolvePending: number;
  resolveFailed: number;
  fromUnmappedSites: number;
};

export type SyncStatus = {
  running: Job | null;
  lastJob: Job | null;
  lastResult: Partial<ImportCounts> | null;
  lastSuccessAt: string | null;
};

export type SyncOverview = {
  sites: SyncStatus;
  devices: SyncStatus;
  schedule: { enabled: boolean; everyMinutes: number; includesDevices: boolean; nextRunAt: string | null };
};

export type MaintenanceWindow = {
  id: number;
  name: string;
  customerId: number | null;
  siteId: number | null;
  startsAt: string;
  endsAt: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
};

export type WebhookDelivery = {
  id: number;
  receivedAt: string;
  state: 'received' | 'processed' | 'ignored' | 'failed';
  alertUid: string | null;
  ticketId: number | null;
  reason: string | null;
  processedAt: string | null;
  body: string;
};
