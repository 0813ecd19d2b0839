import { sql, type Kysely } from 'kysely';
import { blobType, withId } from '../migration-helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const blob = blobType(db);
  const time = 'text';

  await withId(db, db.schema.createTable('agents'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('sessions'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('agent_id', 'integer', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('api_tokens'))
    .addColumn('agent_id', 'integer', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute();

  await withId(db, db.schema.createTable('customers'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('main_site_id', 'integer')
    .addColumn('is_top_level', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('customers_name').on('customers').columns(['name', 'id']).execute();

  await withId(db, db.schema.createTable('sites'))
    .addColumn('customer_id', 'integer', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sites_customer').on('sites').columns(['customer_id', 'id']).execute();

  await withId(db, db.schema.createTable('ticket_types'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('assets'))
    .addColumn('customer_id', 'integer', (c) => c.references('customers.id').onDelete('set null'))
    .addColumn('site_id', 'integer', (c) => c.references('sites.id').onDelete('set null'))
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('asset_type', 'text')
    .addColumn('os', 'text')
    .addColumn('int_ip', 'text')
    .addColumn('ext_ip', 'text')
    .addColumn('last_seen_at', time)
    .addColumn('online', 'integer')
    .addColumn('last_user', 'text')
    .addColumn('description', 'text')
    .addColumn('portal_url', 'text')
    .addColumn('web_remote_url', 'text')
    .addColumn('retired_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('assets_customer').on('assets').columns(['customer_id', 'id']).execute();
  await db.schema.createIndex('assets_site').on('assets').columns(['site_id', 'id']).execute();

  await withId(db, db.schema.createTable('tickets'))
    .addColumn('number', 'integer', (c) => c.unique())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('ticket_type_id', 'integer', (c) => c.notNull().references('ticket_types.id'))
    .addColumn('customer_id', 'integer', (c) => c.references('customers.id').onDelete('set null'))
    .addColumn('site_id', 'integer', (c) => c.references('sites.id').onDelete('set null'))
    .addColumn('asset_id', 'integer', (c) => c.references('assets.id').onDelete('set null'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('parent_ticket_id', 'integer', (c) => c.references('tickets.id').onDelete('set null'))
    .addColumn('opened_at', time, (c) => c.notNull())
    .addColumn('closed_at', time)
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('created_by_agent_id', 'integer', (c) => c.references('agents.id').onDelete('set null'))
    .addColumn('agent_touched', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Every list filter pairs with the id so keyset paging stays an index range scan.
  for (const col of ['status', 'customer_id', 'site_id', 'ticket_type_id', 'source', 'priority', 'asset_id', 'parent_ticket_id']) {
    await db.schema.createIndex(`tickets_${col}`).on('tickets').columns([col, 'id']).execute();
  }

  await withId(db, db.schema.createTable('ticket_actions'))
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'integer', (c) => c.references('agents.id').onDelete('set null'))
    .addColumn('data', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ticket_actions_ticket').on('ticket_actions').columns(['ticket_id', 'id']).execute();

  await withId(db, db.schema.createTable('ticket_attachments'))
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('inbound_message_id', 'integer')
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('content', blob, (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ticket_attachments_ticket').on('ticket_attachments').columns(['ticket_id']).execute();

  await withId(db, db.schema.createTable('audit_log'))
    .addColumn('agent_id', 'integer', (c) => c.references('agents.id').onDelete('set null'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('changes', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity', 'entity_id', 'id']).execute();

  await withId(db, db.schema.createTable('mailboxes'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('health_connected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('health_last_message_at', time)
    .addColumn('health_last_error', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('inbound_messages'))
    .addColumn('mailbox_id', 'integer', (c) => c.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('message_id', 'text')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('raw', blob, (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('from_addr', 'text')
    .addColumn('received_at', time, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'integer')
    .addColumn('rule_name', 'text')
    .addColumn('ticket_id', 'integer', (c) => c.references('tickets.id').onDelete('set null'))
    .addColumn('reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processed_at', time)
    .execute();
  await db.schema.createIndex('inbound_messages_sha').on('inbound_messages').columns(['mailbox_id', 'sha256']).unique().execute();
  await db.schema.createIndex('inbound_messages_mid').on('inbound_messages').columns(['mailbox_id', 'message_id']).execute();
  await db.schema.createIndex('inbound_messages_state').on('inbound_messages').columns(['state', 'id']).execute();
  await db.schema.createIndex('inbound_messages_list').on('inbound_messages').columns(['mailbox_id', 'id']).execute();

  await withId(db, db.schema.createTable('outbound_messages'))
    .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('to_addr', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('email_rules'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('match', 'text', (c) => c.notNull().defaultTo('all'))
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('system_key', 'text', (c) => c.unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema.createTable('integration_settings')
    .addColumn('module_key', 'text', (c) => c.primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secrets_enc', 'text')
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('datto_site_links'))
    .addColumn('datto_site_uid', 'text', (c) => c.notNull().unique())
    .addColumn('datto_site_id', 'integer')
    .addColumn('datto_site_name', 'text', (c) => c.notNull())
    .addColumn('site_id', 'integer', (c) => c.references('sites.id').onDelete('set null'))
    .addColumn('link_source', 'text')
    .addColumn('device_count', 'integer')
    .addColumn('data_hash', 'text')
    .addColumn('deleted_in_datto_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('datto_site_links_site').on('datto_site_links').columns(['site_id']).execute();

  await withId(db, db.schema.createTable('datto_device_links'))
    .addColumn('datto_device_uid', 'text', (c) => c.notNull().unique())
    .addColumn('datto_site_uid', 'text')
    .addColumn('asset_id', 'integer', (c) => c.notNull().references('assets.id').onDelete('cascade'))
    .addColumn('data_hash', 'text')
    .addColumn('deleted_in_datto_at', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('datto_device_links_asset').on('datto_device_links').columns(['asset_id']).execute();

  await withId(db, db.schema.createTable('datto_alerts'))
    .addColumn('alert_uid', 'text', (c) => c.notNull().unique())
    .addColumn('ticket_id', 'integer', (c) => c.references('tickets.id').onDelete('set null'))
    .addColumn('occurrences', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_seen_at', time, (c) => c.notNull())
    .addColumn('last_seen_at', time, (c) => c.notNull())
    .addColumn('datto_state', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('resolve_state', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('resolve_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('priority', 'text')
    .addColumn('diagnostics', 'text')
    .addColumn('message', 'text')
    .addColumn('device_uid', 'text')
    .addColumn('site_uid', 'text')
    .addColumn('monitor_kind', 'text')
    .addColumn('alert_data', 'text')
    .addColumn('enriched_at', time)
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('held_reason', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('datto_alerts_ticket').on('datto_alerts').columns(['ticket_id']).execute();
  await db.schema.createIndex('datto_alerts_device').on('datto_alerts').columns(['device_uid', 'last_seen_at']).execute();

  await withId(db, db.schema.createTable('webhook_deliveries'))
    .addColumn('module_key', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('received_at', time, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('alert_uid', 'text')
    .addColumn('reason', 'text')
    .addColumn('processed_at', time)
    .execute();
  await db.schema.createIndex('webhook_deliveries_state').on('webhook_deliveries').columns(['state', 'id']).execute();

  await withId(db, db.schema.createTable('jobs'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('unique_key', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('run_at', time, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('lease_until', time)
    .addColumn('locked_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('progress_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('progress_total', 'integer')
    .addColumn('result', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addColumn('finished_at', time)
    .execute();
  // One live job per unique key; finished ones do not block a new run.
  await sql`create unique index jobs_unique_live on jobs (unique_key) where state in ('queued', 'running')`.execute(db);
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['state', 'run_at']).execute();
  await db.schema.createIndex('jobs_kind').on('jobs').columns(['kind', 'id']).execute();

  await db.schema.createTable('job_schedules')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('interval_ms', 'integer', (c) => c.notNull())
    .addColumn('next_run_at', time, (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema.createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
