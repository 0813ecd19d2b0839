import type { z } from 'zod';
import type { Executor, Tx } from '../db/database.ts';

/** One parsed e-mail, as every rule condition and action sees it. */
export type InboundMail = {
  inboundMessageId: number;
  mailboxId: number;
  messageId: string | null;
  from: { address: string; name: string } | null;
  to: string[];
  cc: string[];
  subject: string;
  /** Plain text body; HTML-only mail is turned into readable text. */
  text: string;
  html: string | null;
  date: Date | null;
  inReplyTo: string | null;
  references: string[];
  headers: Record<string, string>;
  attachments: Array<{ filename: string; contentType: string; size: number; content: Buffer }>;
};

export type RuleActionOutcome =
  | { outcome: 'ticket_created' | 'ticket_updated'; ticketId: number; note?: string }
  | { outcome: 'ignored'; reason: string };

/** An action a rule can run; core actions and module actions (e.g. "datto-rmm.alert") have this shape. */
/** A parameter naming a row that does not exist (or does not fit); `code` defaults to unknown_reference. */
export type ReferenceProblem = { field: string; message: string; code?: string };

export type RuleActionDefinition<P = unknown> = {
  type: string;
  label: string;
  params: z.ZodType<P>;
  /** Runs inside the transaction that also records the message's outcome. */
  run(trx: Tx, mail: InboundMail, params: P): Promise<RuleActionOutcome>;
  /**
   * Records the parameters name that do not exist (a ticket type, a customer…), checked when the
   * rule is saved so that a rule cannot fail every mail it matches; `field` is relative to params.
   */
  checkReferences?(exec: Executor, params: P): Promise<ReferenceProblem[]>;
  /** Work to do once that transaction committed (e.g. wake the job workers). */
  afterCommit?(): void;
};
