import type { Executor } from '../../db/database.ts';
import { now } from '../../db/database.ts';
import { MODULE_KEY } from './settings.ts';

export type SettingsRow = { enabled: number; settings: string; secrets_enc: string | null; updated_at: string };

export const readSettingsRow = (db: Executor): Promise<SettingsRow | undefined> =>
  db.selectFrom('integration_settings').select(['enabled', 'settings', 'secrets_enc', 'updated_at'])
    .where('module_key', '=', MODULE_KEY).executeTakeFirst();

export async function writeSettingsRow(db: Executor, row: { enabled: boolean; settings: unknown; secretsEnc: string | null }) {
  const values = { enabled: row.enabled ? 1 : 0, settings: JSON.stringify(row.settings), secrets_enc: row.secretsEnc, updated_at: now() };
  await db.insertInto('integration_settings').values({ module_key: MODULE_KEY, ...values })
    .onConflict((oc) => oc.column('module_key').doUpdateSet(values)).execute();
}
