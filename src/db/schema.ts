import type { ColumnType, Generated } from 'kysely';

/** Times are ISO 8601 UTC text, booleans 0/1 integers and JSON documents text, on both databases. */
type Id = Generated<number>;
type Bool = number;
type Json = string;
type Time = string;
type Blob = ColumnType<Buffer, Buffer | Uint8Array, Buffer | Uint8Array>;

export type AgentsTable = {
  id: Id; email: string; name: string; role: 'admin' | 'agent'; password_hash: string | null;
  active: Bool; created_at: Time; updated_at: Time;
};
export type SessionsTable = { id: Id; token_hash: string; agent_id: number; created_at: Time; expires_at: Time };
export type ApiTokensTable = {
  id: Id; agent_id: number; name: string; token_hash: string; created_at: Time; last_used_at: Time | null; revoked_at: Time | null;
};
export type CustomersTable = {
  id: Id; name: string; main_site_id: number | null; is_top_level: Bool; created_at: Time; updated_at: Time;
};
export type SitesTable = { id: Id; customer_id: number; name: string; created_at: Time; updated_at: Time };
export type TicketTypesTable = { id: Id; name: string; is_default: Bool; created_at: Time };
export type TicketsTable = {
  id: Id; number: number | null; summary: string; details: string; status: 'new' | 'in_progress' | 'waiting' | 'closed';
  priority: number; ticket_type_id: number; customer_id: number | null; site_id: number | null; asset_id: number | null;
  source: 'email' | 'webhook' | 'api' | 'web' | 'reconcile'; parent_ticket_id: number | null;
  opened_at: Time; closed_at: Time | null; updated_at: Time; created_by_agent_id: number | null; agent_touched: Bool;
};
export type TicketActionsTable = {
  id: Id; ticket_id: number; kind: string; body: string; agent_id: number | null; data: Json | null; created_at: Time;
};
export type TicketAttachmentsTable = {
  id: Id; ticket_id: number; inbound_message_id: number | null; filename: string; content_type: string; size: number;
  content: Blob; created_at: Time;
};
export type AssetsTable = {
  id: Id; customer_id: number | null; site_id: number | null; hostname: string; asset_type: string | null; os: string | null;
  int_ip: string | null; ext_ip: string | null; last_seen_at: Time | null; online: Bool | null; last_user: string | null;
  description: string | null; portal_url: string | null; web_remote_url: string | null; retired_at: Time | null;
  created_at: Time; updated_at: Time;
};
export type AuditLogTable = {
  id: Id; agent_id: number | null; action: string; entity: string; entity_id: string | null; changes: Json | null; created_at: Time;
};
export type MailboxesTable = {
  id: Id; name: string; kind: 'imap' | 'smtp' | 'upload'; settings: Json; secret_enc: string | null; enabled: Bool;
  health_connected: Bool; health_last_message_at: Time | null; health_last_error: string | null; created_at: Time; updated_at: Time;
};
export type InboundMessagesTable = {
  id: Id; mailbox_id: number; message_id: string | null; sha256: string; raw: Blob; size: number; subject: string | null;
  from_addr: string | null; received_at: Time; state: 'received' | 'processed' | 'ignored' | 'failed';
  rule_id: number | null; rule_name: string | null; ticket_id: number | null; reason: string | null; attempts: number;
  processed_at: Time | null;
};
export type OutboundMessagesTable = {
  id: Id; ticket_id: number; message_id: string; to_addr: string; subject: string; created_at: Time;
};
export type EmailRulesTable = {
  id: Id; name: string; position: number; enabled: Bool; match: 'all' | 'any'; conditions: Json; actions: Json;
  system_key: string | null; accept_automated: Bool; created_at: Time; updated_at: Time;
};
export type IntegrationSettingsTable = {
  module_key: string; enabled: Bool; settings: Json; secrets_enc: string | null; updated_at: Time;
};
export type DattoSiteLinksTable = {
  id: Id; datto_site_uid: string; datto_site_id: number | null; datto_site_name: string; site_id: number | null;
  link_source: 'import' | 'manual' | null; device_count: number | null; data_hash: string | null;
  deleted_in_datto_at: Time | null; created_at: Time; updated_at: Time;
  /** The names the import last wrote to the site and the customer it made (null: not the import's to keep). */
  import_site_name: string | null; import_customer_name: string | null;
};
export type DattoDeviceLinksTable = {
  id: Id; datto_device_uid: string; datto_site_uid: string | null; asset_id: number; data_hash: string | null;
  deleted_in_datto_at: Time | null; created_at: Time; updated_at: Time;
};
export type DattoAlertsTable = {
  id: Id; alert_uid: string; ticket_id: number | null; occurrences: number; first_seen_at: Time; last_seen_at: Time;
  datto_state: 'open' | 'resolved' | 'unknown'; resolve_state: 'none' | 'pending' | 'done' | 'failed';
  resolve_attempts: number; last_error: string | null; priority: string | null; diagnostics: string | null;
  message: string | null; device_uid: string | null; site_uid: string | null; monitor_kind: string | null;
  alert_data: Json | null; enriched_at: Time | null; via: string; held_reason: string | null;
  created_at: Time; updated_at: Time;
  /** 0005: names as last reported, `<deviceUid>|<monitor kind>`, the first delivery's text, who resolved it, why enrichment failed, where it is held. */
  device_name: string | null; site_name: string | null; condition_key: string | null; details: string | null; resolved_at: Time | null;
  resolved_by: 'relaydesk' | 'datto' | null; enrich_error: string | null; storm_id: number | null; maintenance_window_id: number | null;
};
export type WebhookDeliveriesTable = {
  id: Id; module_key: string; body: string; received_at: Time; state: 'received' | 'processed' | 'ignored' | 'failed';
  alert_uid: string | null; reason: string | null; processed_at: Time | null;
  /** 0005: sha256 of the body (spots a replayed delivery) and the ticket it went to. */
  body_sha256: string | null; ticket_id: number | null;
};
export type DattoAlertStormsTable = {
  id: Id; storm_key: string; scope: 'device' | 'site'; label: string; ticket_id: number | null; alert_count: number;
  started_at: Time; last_alert_at: Time;
};
export type DattoMaintenanceWindowsTable = {
  id: Id; name: string; customer_id: number | null; site_id: number | null; starts_at: Time; ends_at: Time;
  created_by_agent_id: number | null; created_at: Time; updated_at: Time;
};
export type JobsTable = {
  id: Id; kind: string; payload: Json; unique_key: string | null; state: 'queued' | 'running' | 'done' | 'failed';
  run_at: Time; attempts: number; max_attempts: number; lease_until: Time | null; locked_by: string | null;
  last_error: string | null; progress_done: number; progress_total: number | null; result: Json | null;
  created_at: Time; updated_at: Time; finished_at: Time | null;
};
export type JobSchedulesTable = { name: string; kind: string; payload: Json; interval_ms: number; next_run_at: Time; enabled: Bool };
export type LeasesTable = { name: string; holder: string; expires_at: Time };
export type SecretKeyCheckTable = { id: number; check_enc: string; created_at: Time };

export type DB = {
  agents: AgentsTable; sessions: SessionsTable; api_tokens: ApiTokensTable;
  customers: CustomersTable; sites: SitesTable; ticket_types: TicketTypesTable; tickets: TicketsTable;
  ticket_actions: TicketActionsTable; ticket_attachments: TicketAttachmentsTable; assets: AssetsTable; audit_log: AuditLogTable;
  mailboxes: MailboxesTable; inbound_messages: InboundMessagesTable; outbound_messages: OutboundMessagesTable;
  email_rules: EmailRulesTable; integration_settings: IntegrationSettingsTable;
  datto_site_links: DattoSiteLinksTable; datto_device_links: DattoDeviceLinksTable; datto_alerts: DattoAlertsTable;
  webhook_deliveries: WebhookDeliveriesTable; jobs: JobsTable; job_schedules: JobSchedulesTable; leases: LeasesTable;
  datto_alert_storms: DattoAlertStormsTable; datto_maintenance_windows: DattoMaintenanceWindowsTable;
  secret_key_check: SecretKeyCheckTable;
};
