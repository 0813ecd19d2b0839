import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { MailboxesTable } from '../db/schema.ts';

export type MailboxRow = Selectable<MailboxesTable> & { last_message_at: string | null };

const withLastMessage = (db: Executor) =>
  db.selectFrom('mailboxes').selectAll('mailboxes').select((eb) =>
    eb.selectFrom('inbound_messages').select('received_at').whereRef('inbound_messages.mailbox_id', '=', 'mailboxes.id')
      .orderBy('inbound_messages.id', 'desc').limit(1).as('last_message_at'));

export const listMailboxes = (db: Executor): Promise<MailboxRow[]> => withLastMessage(db).orderBy('mailboxes.id').execute();

export const findMailbox = (db: Executor, id: number): Promise<MailboxRow | undefined> =>
  withLastMessage(db).where('mailboxes.id', '=', id).executeTakeFirst();

/** Without the inbox lookup: receivers must start even while the inbox table cannot be read. */
export const findMailboxSettings = (db: Executor, id: number) => db.selectFrom('mailboxes').selectAll().where('id', '=', id).executeTakeFirst();
export const listMailboxVersions = (db: Executor) =>
  db.selectFrom('mailboxes').select(['id', 'kind', 'enabled', 'updated_at']).orderBy('id').execute();

/** Another mailbox with this name, compared without case and surrounding spaces. */
export const findMailboxNamed = (db: Executor, name: string, exceptId?: number) =>
  db.selectFrom('mailboxes').select(['id', 'name']).where((eb) => eb(eb.fn('lower', ['name']), '=', name.trim().toLowerCase()))
    .$if(exceptId !== undefined, (qb) => qb.where('id', '!=', exceptId!)).executeTakeFirst();

export const insertMailbox = (db: Executor, row: Insertable<MailboxesTable>) =>
  db.insertInto('mailboxes').values(row).returning('id').executeTakeFirstOrThrow();

export const updateMailbox = (db: Executor, id: number, patch: Updateable<MailboxesTable>) =>
  db.updateTable('mailboxes').set(patch).where('id', '=', id).execute();

/** Deletes the mailbox and its inbox; attachments its mail left on tickets stay, no longer pointing at it. */
export async function deleteMailbox(db: Executor, id: number) {
  await db.updateTable('ticket_attachments').set({ inbound_message_id: null })
    .where('inbound_message_id', 'in', db.selectFrom('inbound_messages').select('id').where('mailbox_id', '=', id)).execute();
  await db.deleteFrom('mailboxes').where('id', '=', id).execute();
}

export async function countMessages(db: Executor, mailboxId: number): Promise<number> {
  const r = await db.selectFrom('inbound_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('mailbox_id', '=', mailboxId).executeTakeFirst();
  return Number(r?.n ?? 0);
}

export const setHealth = (db: Executor, id: number, health: { connected: boolean; lastError: string | null }) =>
  db.updateTable('mailboxes').set({ health_connected: health.connected ? 1 : 0, health_last_error: health.lastError?.slice(0, 1000) ?? null })
    .where('id', '=', id).execute();

/** Another SMTP mailbox listening on the port, if any. */
export async function smtpPortTaken(db: Executor, port: number, exceptId?: number): Promise<boolean> {
  const rows = await db.selectFrom('mailboxes').select(['id', 'settings']).where('kind', '=', 'smtp').execute();
  return rows.some((r) => r.id !== exceptId && JSON.parse(r.settings).port === port);
}
