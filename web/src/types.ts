export type Role = 'admin' | 'agent';
export type Agent = { id: number; email: string; name: string; role: Role; active: boolean; createdAt: string };

export type TicketStatus = 'new' | 'in_progress' | 'waiting' | 'closed';
export type TicketSource = 'email' | 'webhook' | 'api' | 'web' | 'reconcile';

export type Ticket = {
  id: number;
  number: number;
  summary: string;
  details: string;
  status: TicketStatus;
  priority: number;
  ticketTypeId: number;
  customerId: number | null;
  siteId: number | null;
  assetId: number | null;
  source: TicketSource;
  parentTicketId: number | null;
  openedAt: string;
  closedAt: string | null;
  updatedAt: string;
  workedByAgent: boolean;
};

export type TicketAction = {
  id: number;
  ticketId: number;
  kind: string;
  body: string;
  agentId: number | null;
  agentName: string | null;
  data: unknown;
  createdAt: string;
};

export type TicketCounts = { byStatus: Record<string, number>; open: number; total: number };
export type TicketType = { id: number; name: string; isDefault: boolean };

export type Customer = {
  id: number;
  name: string;
  mainSiteId: number | null;
  hasMainSite: boolean;
  isTopLevel: boolean;
  createdAt: string;
  updatedAt: string;
};

export type Site = {
  id: number;
  customerId: number;
  name: string;
  isMainSite: boolean;
  customerName?: string;
  createdAt: string;
  updatedAt: string;
};

export type Asset = {
  id: number;
  customerId: number | null;
  siteId: number | null;
  hostname: string;
  type: string | null;
  os: string | null;
  intIp: string | null;
  extIp: string | null;
  lastSeenAt: string | null;
  online: boolean | null;
  lastUser: string | null;
  description: string | null;
  portalUrl: string | null;
  webRemoteUrl: string | null;
  retiredAt: string | null;
  createdAt: string;
  updatedAt: string;
};

export type Job = {
  id: number;
  kind: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  progress: { done: number; total: number | null };
  attempts: number;
  maxAttempts: number;
  error: string | null;
  result: unknown;
  runAt: string;
  createdAt: string;
  finishedAt: string | null;
};

export type ApiToken = { id: number; name: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null };
export type IntegrationSummary = { key: string; name: string; description: string; enabled: boolean };

export type AuditEntry = {
  id: number;
  agentId: number | null;
  agentName: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  changes: unknown;
  createdAt: string;
};
