import type { Kysely } from 'kysely';

/**
 * What the Datto import needs beyond the core tables: the names it last wrote to the
 * site and customer it made (so a name a user changed since is never overwritten),
 * and the indexes behind the site-mapping list and the device deletion sweep.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('datto_site_links').addColumn('import_site_name', 'text').execute();
  await db.schema.alterTable('datto_site_links').addColumn('import_customer_name', 'text').execute();
  await db.schema.createIndex('datto_site_links_name').on('datto_site_links').columns(['datto_site_name', 'id']).execute();
  await db.schema.createIndex('datto_device_links_site').on('datto_device_links').columns(['datto_site_uid']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Relaydesk migrations are forward-only');
}
