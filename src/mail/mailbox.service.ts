import type { z } from 'zod';
import type { Actor } from '../core/actor.ts';
import { audit } from '../core/audit/audit.repository.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { now, type Database } from '../db/database.ts';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';
import {
  imapSettingsSchema, PROCESSED_FOLDER_IS_FOLDER, sameImapFolder, smtpSettingsSchema, type imapTestSchema, type ImapSettings, type MailboxInput, type MailboxPatch, type SmtpSettings,
} from './mailbox.schemas.ts';
import { rulesNamingMailbox } from '../rules/email-rule.service.ts';
import * as repo from './mailbox.repository.ts';
import { checkImap } from './receivers/imap-check.ts';

export type Mailbox = {
  id: number; name: string; kind: 'imap' | 'smtp' | 'upload'; enabled: boolean;
  health: { connected: boolean; lastMessageAt: string | null; lastError: string | null };
  imap?: Omit<ImapSettings, never> & { passwordSet: boolean };
  smtp?: SmtpSettings & { starttls: boolean };
  createdAt: string; updatedAt: string;
};

/** `starttls`: this process offers STARTTLS on inbound SMTP (a certificate is configured). */
export function presentMailbox(r: repo.MailboxRow, starttls = false): Mailbox {
  const settings = JSON.parse(r.settings);
  const connected = r.enabled === 1 && (r.kind === 'upload' || r.health_connected === 1);
  return {
    id: r.id, name: r.name, kind: r.kind, enabled: r.enabled === 1,
    health: { connected, lastMessageAt: r.last_message_at, lastError: r.health_last_error },
    ...(r.kind === 'imap' ? { imap: { ...imapSettingsSchema.parse(settings), passwordSet: !!r.secret_enc } } : {}),
    ...(r.kind === 'smtp' ? { smtp: { ...smtpSettingsSchema.parse(settings), starttls } } : {}),
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** What a receiver needs to run a mailbox; the password is decrypted only here. */
export type MailboxRuntime = {
  id: number; name: string; kind: 'imap' | 'smtp' | 'upload'; enabled: boolean; updatedAt: string;
  imap?: ImapSettings & { password: string | null }; smtp?: SmtpSettings;
};

export type MailboxService = ReturnType<typeof createMailboxService>;

export function createMailboxService(db: Database, secretBox: SecretBox, opts: { starttls?: boolean } = {}) {
  const present = (r: repo.MailboxRow) => presentMailbox(r, opts.starttls ?? false);
  const listeners = new Set<(id: number) => void>();
  const changed = (id: number) => {
    for (const l of listeners) l(id);
  };
  const load = async (id: number) => {
    const r = await repo.findMailbox(db, id);
    if (!r) throw new NotFoundError('Mailbox', id);
    return r;
  };
  // A mailbox keeping its name is not checked: two alike from before the rule can still be edited.
  const renamed = (was: string, name: string) => was.trim().toLowerCase() !== name.trim().toLowerCase();
  /** Names tell mailboxes apart in rules, the Datto alerting settings and the inbox: two alike would not. */
  const checkName = async (name: string, exceptId?: number) => {
    const other = await repo.findMailboxNamed(db, name, exceptId);
    if (other) throw new ConflictError(`name: mailbox ${other.id} is already called "${other.name}"; give this one another name`);
  };
  const checkPort = async (smtp: SmtpSettings | undefined, exceptId?: number) => {
    if (smtp && (await repo.smtpPortTaken(db, smtp.port, exceptId))) {
      throw new ConflictError(`smtp.port: another SMTP mailbox already listens on port ${smtp.port}`);
    }
  };
  /** Stored settings without the password: for IMAP the password goes to secret_enc. */
  const settingsOf = (input: MailboxInput) => {
    if (input.kind === 'imap') {
      const { password: _p, ...imap } = input.imap;
      return imap;
    }
    if (input.kind === 'smtp') return input.smtp;
    return {};
  };

  return {
    onChange(listener: (id: number) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Tries IMAP settings (typed in a form) against the server; the stored password fills a blank one. */
    async testImap(input: z.output<typeof imapTestSchema>) {
      let password = input.imap.password;
      if (input.mailboxId) {
        const stored = await this.runtime(input.mailboxId);
        if (!stored) throw new NotFoundError('Mailbox', input.mailboxId);
        if (!stored.imap) throw new UnprocessableError('not_imap', `mailboxId: mailbox ${input.mailboxId} is not an IMAP mailbox, so it has no password to use`);
        // The stored password goes only to the server and user it was saved for, never to a host typed since.
        const same = stored.imap.host.toLowerCase() === input.imap.host.toLowerCase() && stored.imap.username === input.imap.username;
        if (!password && stored.imap.password && !same) {
          throw new UnprocessableError('password_required',
            'imap.password: enter the password to test another server or user; the saved one is only sent to the server it was saved for');
        }
        password ||= stored.imap.password ?? undefined;
      }
      if (!password) throw new UnprocessableError('password_required', 'imap.password: enter the password to test the connection');
      return checkImap({ ...input.imap, password });
    },

    list: async () => (await repo.listMailboxes(db)).map(present),
    get: async (id: number) => present(await load(id)),
    exists: async (id: number) => !!(await repo.findMailbox(db, id)),

    async runtime(id: number): Promise<MailboxRuntime | null> {
      const r = await repo.findMailboxSettings(db, id);
      if (!r) return null;
      const settings = JSON.parse(r.settings);
      return {
        id: r.id, name: r.name, kind: r.kind, enabled: r.enabled === 1, updatedAt: r.updated_at,
        ...(r.kind === 'imap' ? { imap: { ...imapSettingsSchema.parse(settings), password: r.secret_enc ? secretBox.decrypt(r.secret_enc) : null } } : {}),
        ...(r.kind === 'smtp' ? { smtp: smtpSettingsSchema.parse(settings) } : {}),
      };
    },

    /** Ids and versions of every mailbox, for receivers to notice changes made by other processes. */
    versions: async () => (await repo.listMailboxVersions(db)).map((r) => ({ id: r.id, kind: r.kind, enabled: r.enabled === 1, updatedAt: r.updated_at })),

    async create(input: MailboxInput, actor: Actor) {
      if (input.kind === 'imap' && !input.imap.password) throw new UnprocessableError('password_required', 'imap.password: required for a new IMAP mailbox');
      await checkName(input.name);
      await checkPort(input.kind === 'smtp' ? input.smtp : undefined);
      const t = now();
      const id = await db.transaction().execute(async (trx) => {
        const row = await repo.insertMailbox(trx, {
          name: input.name, kind: input.kind, settings: JSON.stringify(settingsOf(input)),
          secret_enc: input.kind === 'imap' && input.imap.password ? secretBox.encrypt(input.imap.password) : null,
          enabled: input.enabled ? 1 : 0, health_connected: 0, created_at: t, updated_at: t,
        });
        await audit(trx, actor, { action: 'mailbox.create', entity: 'mailbox', entityId: row.id, changes: { name: input.name, kind: input.kind, settings: settingsOf(input) } });
        return row.id;
      });
      changed(id);
      return present(await load(id));
    },

    async replace(id: number, input: MailboxInput, actor: Actor) {
      const current = await load(id);
      if (current.kind !== input.kind) throw new UnprocessableError('kind_change', `kind: mailbox ${id} is ${current.kind}; create a new mailbox for another kind`);
      if (renamed(current.name, input.name)) await checkName(input.name, id);
      await checkPort(input.kind === 'smtp' ? input.smtp : undefined, id);
      const password = input.kind === 'imap' ? input.imap.password : undefined;
      await db.transaction().execute(async (trx) => {
        await repo.updateMailbox(trx, id, {
          name: input.name, enabled: input.enabled ? 1 : 0, settings: JSON.stringify(settingsOf(input)), updated_at: now(),
          ...(password ? { secret_enc: secretBox.encrypt(password) } : {}),
        });
        await audit(trx, actor, { action: 'mailbox.update', entity: 'mailbox', entityId: id, changes: { name: input.name, settings: settingsOf(input), passwordChanged: !!password } });
      });
      changed(id);
      return present(await load(id));
    },

    async patch(id: number, patch: MailboxPatch, actor: Actor) {
      const current = await load(id);
      if (patch.name !== undefined && renamed(current.name, patch.name)) await checkName(patch.name, id);
      const settings = JSON.parse(current.settings);
      let next: unknown = settings;
      let password: string | undefined;
      if (patch.imap) {
        if (current.kind !== 'imap') throw new UnprocessableError('kind_mismatch', `imap: mailbox ${id} is ${current.kind}`);
        const { password: p, ...rest } = patch.imap;
        password = p;
        const imap = imapSettingsSchema.parse({ ...settings, ...stripUndefined(rest) });
        if (imap.processedFolder && sameImapFolder(imap.folder, imap.processedFolder)) {
          const field = rest.processedFolder !== undefined ? 'processedFolder' : 'folder';
          throw ValidationError.forFields([{ field: `body.imap.${field}`, message: PROCESSED_FOLDER_IS_FOLDER }]);
        }
        next = imap;
      }
      if (patch.smtp) {
        if (current.kind !== 'smtp') throw new UnprocessableError('kind_mismatch', `smtp: mailbox ${id} is ${current.kind}`);
        next = smtpSettingsSchema.parse({ ...settings, ...stripUndefined(patch.smtp) });
        await checkPort(next as SmtpSettings, id);
      }
      await db.transaction().execute(async (trx) => {
        await repo.updateMailbox(trx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
          settings: JSON.stringify(next), updated_at: now(),
          ...(password ? { secret_enc: secretBox.encrypt(password) } : {}),
        });
        const { imap, ...rest } = patch;
        await audit(trx, actor, { action: 'mailbox.update', entity: 'mailbox', entityId: id, changes: { ...rest, ...(imap ? { imap: { ...imap, password: undefined } } : {}), passwordChanged: !!password } });
      });
      changed(id);
      return present(await load(id));
    },

    /** A mailbox that received mail keeps it: deleting it needs force (its inbox goes with it). */
    async remove(id: number, actor: Actor, opts: { force?: boolean } = {}) {
      await load(id);
      const n = await repo.countMessages(db, id);
      const rules = await rulesNamingMailbox(db, id);
      // Both reasons in the details, whichever the message names, so a client can say what force would do.
      const details = { messages: n, rules: rules.map((r) => ({ id: r.id, name: r.name })) };
      if (n > 0 && !opts.force) {
        throw new ConflictError(
          `Mailbox ${id} holds ${n} ${n === 1 ? 'message' : 'messages'} it has received; disable it instead, or delete it and its messages with ?force=true `
          + '(tickets keep their history and attachments, but a reply that refers only to one of those messages will open a new ticket)',
          details,
        );
      }
      if (rules.length && !opts.force) {
        const named = rules.map((r) => `"${r.name}" (#${r.id})`).join(', ');
        throw new ConflictError(`Mailbox ${id} is named by the email ${rules.length === 1 ? 'rule' : 'rules'} ${named}; change ${rules.length === 1 ? 'it' : 'them'} first, `
          + 'or delete the mailbox with ?force=true (such a condition then matches no mail, and the rule is flagged)', details);
      }
      await db.transaction().execute(async (trx) => {
        await repo.deleteMailbox(trx, id);
        await audit(trx, actor, { action: 'mailbox.delete', entity: 'mailbox', entityId: id, changes: { messages: n } });
      });
      changed(id);
    },

    setHealth: (id: number, health: { connected: boolean; lastError: string | null }) => repo.setHealth(db, id, health),
  };
}

const stripUndefined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
