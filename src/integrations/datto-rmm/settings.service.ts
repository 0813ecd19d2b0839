import crypto from 'node:crypto';
import type { ModuleDeps } from '../../app-context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { Actor } from '../../core/actor.ts';
import { audit } from '../../core/audit/audit.repository.ts';
import { AppError, UnprocessableError, ValidationError } from '../../errors.ts';
import { createDattoClient, isDattoApiError, normalizeApiUrl, type DattoClient, type DattoClientOptions } from './client/index.ts';
import { readSettingsRow, writeSettingsRow } from './settings.repository.ts';
import { mergeSettings, MODULE_KEY, storedSettingsSchema, type DattoSecrets, type DattoSettings, type SettingsUpdate } from './settings.ts';

/** What a save changed: the settings as saved, and as they were before. */
export type SavedSettings = {
  settings: DattoSettings;
  enabled: boolean;
  before: { settings: DattoSettings; enabled: boolean };
  /** The API URL, key or secret changed: what failed on the old credentials may work now. */
  credentialsChanged: boolean;
};

export type SettingsSavedHook = (trx: Tx, saved: SavedSettings, actor: Actor) => Promise<void>;

export type SettingsService = ReturnType<typeof createSettingsService>;

/**
 * How one user of the client wants it to behave. `maxRateLimitWaits`: how many 429s a call waits out
 * before it fails as rate-limited. A job gives its worker back and is rescheduled instead, so other
 * jobs are not held up behind Datto's Retry-After; an import listing thousands of pages waits.
 */
export type ClientTuning = { maxRateLimitWaits?: number };

export function createSettingsService(deps: ModuleDeps, clientOverrides: Partial<DattoClientOptions> = {}) {
  const { db, secretBox, logger } = deps;
  const savedHooks: SettingsSavedHook[] = [];

  /** `savedAt`: when the settings were last written (null before the first save), which tells one version from the next. */
  const load = async (exec = db): Promise<{ settings: DattoSettings; secrets: DattoSecrets; enabled: boolean; savedAt: string | null }> => {
    const row = await readSettingsRow(exec);
    const settings = storedSettingsSchema.parse(row ? JSON.parse(row.settings) : {});
    const secrets: DattoSecrets = row?.secrets_enc ? JSON.parse(secretBox.decrypt(row.secrets_enc)) : {};
    return { settings, secrets, enabled: row?.enabled === 1, savedAt: row?.updated_at ?? null };
  };

  const makeClient = (s: { apiUrl: string; apiKey: string; apiSecret?: string }, tuning: ClientTuning = {}): DattoClient => {
    if (!s.apiUrl || !s.apiKey || !s.apiSecret) {
      throw new UnprocessableError('datto_not_configured', 'Enter the Datto RMM API URL, API Key and API Key Secret first');
    }
    const retry = { ...clientOverrides.retry };
    if (tuning.maxRateLimitWaits !== undefined) {
      retry.rateLimitRetries = Math.min(retry.rateLimitRetries ?? tuning.maxRateLimitWaits, tuning.maxRateLimitWaits);
    }
    return createDattoClient({
      apiUrl: s.apiUrl, apiKey: s.apiKey, apiSecret: s.apiSecret,
      logger: logger.child({ component: 'datto-rmm' }), ...clientOverrides, retry,
    });
  };

  /** Writes a freshly minted webhook token with the current settings, in the caller's transaction. */
  const writeNewWebhookToken = async (exec: Executor, current: Awaited<ReturnType<typeof load>>) => {
    const secrets = { ...current.secrets, webhookToken: crypto.randomBytes(24).toString('base64url') };
    await writeSettingsRow(exec, { enabled: current.enabled, settings: current.settings, secretsEnc: secretBox.encrypt(JSON.stringify(secrets)) });
  };

  const ensureWebhookToken = async (): Promise<string> => {
    const current = await load();
    if (current.secrets.webhookToken) return current.secrets.webhookToken;
    await writeNewWebhookToken(db, current);
    return (await load()).secrets.webhookToken!;
  };

  return {
    load,
    onSaved: (hook: SettingsSavedHook) => savedHooks.push(hook),

    /** A client for the saved settings; throws datto_not_configured when they are incomplete. */
    async client(tuning: ClientTuning = {}, saved?: Awaited<ReturnType<typeof load>>): Promise<DattoClient> {
      const { settings, secrets } = saved ?? await load();
      return makeClient({ ...settings, apiSecret: secrets.apiSecret }, tuning);
    },

    ensureWebhookToken,

    /** Agents see the settings without the webhook URL and the API key; the secret is never shown. */
    async present(opts: { admin: boolean; publicBaseUrl: string }) {
      const { settings, secrets, enabled } = await load();
      const token = opts.admin ? await ensureWebhookToken() : null;
      return {
        ...settings,
        apiKey: opts.admin ? settings.apiKey : null,
        enabled,
        apiSecretSet: !!secrets.apiSecret,
        webhookUrl: token ? `${opts.publicBaseUrl}/hooks/${MODULE_KEY}/${token}` : null,
      };
    },

    async update(update: SettingsUpdate, actor: Actor): Promise<void> {
      const current = await load();
      const next = mergeSettings(current.settings, update);
      if (update.apiUrl !== undefined && update.apiUrl !== '') {
        try {
          next.apiUrl = normalizeApiUrl(update.apiUrl);
        } catch (err) {
          throw ValidationError.forFields([{ field: 'apiUrl', message: (err as Error).message }]);
        }
      }
      const secrets: DattoSecrets = { ...current.secrets, ...(update.apiSecret ? { apiSecret: update.apiSecret } : {}) };
      const enabled = update.enabled ?? current.enabled;
      if (enabled && (!next.apiUrl || !next.apiKey || !secrets.apiSecret)) {
        throw new UnprocessableError('datto_not_configured', 'To enable Datto RMM, enter the API URL, API Key and API Key Secret');
      }
      await db.transaction().execute(async (trx) => {
        await checkReferences(trx, next, current.settings);
        await writeSettingsRow(trx, { enabled, settings: next, secretsEnc: secretBox.encrypt(JSON.stringify(secrets)) });
        const { apiSecret, ...visible } = update;
        await audit(trx, actor, {
          action: 'integration.update', entity: 'integration', entityId: MODULE_KEY,
          changes: { ...visible, ...(apiSecret ? { apiSecret: 'changed' } : {}) },
        });
        const credentialsChanged = next.apiUrl !== current.settings.apiUrl || next.apiKey !== current.settings.apiKey
          || secrets.apiSecret !== current.secrets.apiSecret;
        const saved: SavedSettings = { settings: next, enabled, before: { settings: current.settings, enabled: current.enabled }, credentialsChanged };
        for (const hook of savedHooks) await hook(trx, saved, actor);
      });
    },

    async rotateWebhookToken(actor: Actor): Promise<void> {
      const current = await load();
      await db.transaction().execute(async (trx) => {
        await writeNewWebhookToken(trx, current);
        await audit(trx, actor, { action: 'integration.webhook_token_rotated', entity: 'integration', entityId: MODULE_KEY });
      });
    },

    /** Checks credentials typed into the form (falling back to the saved ones) against Datto. */
    async testConnection(input: { apiUrl?: string; apiKey?: string; apiSecret?: string }) {
      const { settings, secrets } = await load();
      const apiUrl = input.apiUrl || settings.apiUrl;
      let client: DattoClient;
      try {
        client = makeClient({ apiUrl, apiKey: input.apiKey || settings.apiKey, apiSecret: input.apiSecret || secrets.apiSecret });
      } catch (err) {
        throw asHttpError(err);
      }
      try {
        const account = await client.account();
        const rate = await client.requestRate().catch(() => null);
        return {
          ok: true as const,
          apiUrl: client.baseUrl,
          account: { uid: account.uid ?? null, name: account.name ?? null },
          requestRate: rate,
        };
      } catch (err) {
        throw asHttpError(err);
      }
    },
  };
}

/**
 * Only references the save sets to a new value are checked: a mailbox deleted since the last save
 * must not stop the admin from saving anything else (the settings page shows it as missing).
 */
async function checkReferences(trx: Tx, s: DattoSettings, before: DattoSettings) {
  const was = new Map<string, number | null>([
    ['mailboxes', before.alerting.mailboxId], ['ticket_types', before.alerting.defaultTicketTypeId], ['customers', before.siteImport.topLevelCustomerId],
  ]);
  const exists = async (table: 'mailboxes' | 'ticket_types' | 'customers', id: number | null) =>
    id === null || id === was.get(table) || !!(await trx.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst());
  if (!(await exists('mailboxes', s.alerting.mailboxId))) {
    throw new UnprocessableError('unknown_reference', `alerting.mailboxId: no mailbox ${s.alerting.mailboxId}`);
  }
  if (!(await exists('ticket_types', s.alerting.defaultTicketTypeId))) {
    throw new UnprocessableError('unknown_reference', `alerting.defaultTicketTypeId: no ticket type ${s.alerting.defaultTicketTypeId}`);
  }
  if (s.siteImport.mode === 'topLevelCustomer') {
    if (s.siteImport.topLevelCustomerId === null) {
      throw new UnprocessableError('top_level_customer_required', 'siteImport.topLevelCustomerId: pick the customer that Datto sites become sites of');
    }
    if (!(await exists('customers', s.siteImport.topLevelCustomerId))) {
      throw new UnprocessableError('unknown_reference', `siteImport.topLevelCustomerId: no customer ${s.siteImport.topLevelCustomerId}`);
    }
  }
}

/** Datto client errors as API errors with a stable code and the client's explanation. */
export function asHttpError(err: unknown): Error {
  if (!isDattoApiError(err)) return err as Error;
  const code = `datto_${err.kind.replace(/-/g, '_')}`;
  const status = ['unreachable', 'server-error', 'timeout'].includes(err.kind) ? 503
    : ['rate-limited', 'ip-blocked'].includes(err.kind) ? 429
    : err.kind === 'invalid-url' ? 400 : 422;
  return new AppError(code, err.message, status, { kind: err.kind, ...(err.retryAfterMs ? { retryAfterMs: err.retryAfterMs } : {}) });
}
