import type { Tx } from '../../db/database.ts';
import type { Actor } from '../actor.ts';
import type { TicketRow } from './ticket.repository.ts';

/** What the ticket service tells modules, inside the transaction that made the change. */
export type TicketChange = {
  ticket: TicketRow;
  actor: Actor;
  /** The module that caused the change (e.g. a close coming from Datto RMM), so it does not echo back. */
  origin?: string;
};

export type TicketHooks = {
  onClosed?(trx: Tx, change: TicketChange): Promise<void>;
  onReopened?(trx: Tx, change: TicketChange): Promise<void>;
};
