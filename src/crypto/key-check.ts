import { ConfigError } from '../config.ts';
import { now, type Database } from '../db/database.ts';
import type { SecretBox } from './secret-box.ts';

const CHECK = 'relaydesk secret key check';

/**
 * Refuses to start with a secret key other than the one this database's secrets were encrypted with:
 * every stored secret (Datto RMM credentials, IMAP passwords) would be unreadable, and every call
 * that needs one would fail. The first start on a database records a value encrypted with its key.
 */
export async function checkSecretKey(db: Database, secretBox: SecretBox, dataDir: string): Promise<void> {
  await db.insertInto('secret_key_check').values({ id: 1, check_enc: secretBox.encrypt(CHECK), created_at: now() })
    .onConflict((oc) => oc.column('id').doNothing()).execute();
  const row = await db.selectFrom('secret_key_check').select('check_enc').where('id', '=', 1).executeTakeFirstOrThrow();
  let readable = false;
  try {
    readable = secretBox.decrypt(row.check_enc) === CHECK;
  } catch {
    readable = false;
  }
  if (!readable) {
    throw new ConfigError(
      'RELAYDESK_SECRET_KEY: this is not the key the secrets in this database were encrypted with; stored credentials would be unreadable. '
      + 'Every instance on one database needs the same key: set RELAYDESK_SECRET_KEY to the key of the instance that first started on it '
      + `(its RELAYDESK_SECRET_KEY, or the secret.key file in its data dir; this instance's data dir is ${dataDir}).`,
    );
  }
}
