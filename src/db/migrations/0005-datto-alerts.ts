import type { Kysely } from 'kysely';
import { withId } from '../migration-helpers.ts';

/**
 * The Datto RMM alert lifecycle beyond the core datto_alerts table: what is known of an alert
 * before and after enrichment (device and site names, the condition it belongs to), why it is
 * held, alert storms, maintenance windows, and the fingerprint that spots a replayed webhook.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const alerts = db.schema.alterTable('datto_alerts');
  for (const column of ['device_name', 'site_name', 'condition_key', 'details', 'resolved_at', 'resolved_by', 'enrich_error']) {
    await alerts.addColumn(column, 'text').execute();
  }
  await alerts.addColumn('storm_id', 'integer').execute();
  await alerts.addColumn('maintenance_window_id', 'integer').execute();

  // Storms insert alerts by the thousand: indexes that only serve rare filters are partial.
  await db.schema.createIndex('datto_alerts_condition').on('datto_alerts').columns(['condition_key', 'id'])
    .where('condition_key', 'is not', null).execute();
  // Storms count alerts by device (or site) and arrival; nothing looks alerts up by last_seen_at.
  await db.schema.dropIndex('datto_alerts_device').execute();
  await db.schema.createIndex('datto_alerts_device_first').on('datto_alerts').columns(['device_uid', 'first_seen_at']).execute();
  await db.schema.createIndex('datto_alerts_site_first').on('datto_alerts').columns(['site_uid', 'first_seen_at']).execute();
  await db.schema.createIndex('datto_alerts_held').on('datto_alerts').columns(['held_reason', 'id'])
    .where('held_reason', 'is not', null).execute();
  await db.schema.createIndex('datto_alerts_resolve').on('datto_alerts').columns(['resolve_state', 'id'])
    .where('resolve_state', '!=', 'none').execute();
  await db.schema.createIndex('datto_alerts_state').on('datto_alerts').columns(['datto_state', 'id']).execute();

  await db.schema.alterTable('webhook_deliveries').addColumn('body_sha256', 'text').execute();
  await db.schema.alterTable('webhook_deliveries').addColumn('ticket_id', 'integer').execute();
  await db.schema.createIndex('webhook_deliveries_fingerprint').on('webhook_deliveries')
    .columns(['module_key', 'body_sha256', 'received_at']).execute();

  await withId(db, db.schema.createTable('datto_alert_storms'))
    .addColumn('storm_key', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'integer', (c) => c.references('tickets.id').onDelete('set null'))
    .addColumn('alert_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('last_alert_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('datto_alert_storms_key').on('datto_alert_storms').columns(['storm_key', 'id']).execute();

  await withId(db, db.schema.createTable('datto_maintenance_windows'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'integer', (c) => c.references('customers.id').onDelete('cascade'))
    .addColumn('site_id', 'integer', (c) => c.references('sites.id').onDelete('cascade'))
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('created_by_agent_id', 'integer', (c) => c.references('agents.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('datto_maintenance_windows_time').on('datto_maintenance_windows').columns(['ends_at', 'starts_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
