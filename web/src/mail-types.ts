/** Shapes of the mail API (/api/mailboxes, /api/inbound-messages, /api/email-rules). */

export type MailboxKind = 'imap' | 'smtp' | 'upload';
export type ImapTls = 'none' | 'starttls' | 'tls';

export type ImapSettings = {
  host: string;
  port: number;
  tls: ImapTls;
  username: string;
  folder: string;
  processedFolder: string | null;
  pollSeconds: number;
  tlsVerify: boolean;
  passwordSet?: boolean;
};

export type SmtpSettings = { port: number; addresses: string[]; maxMessageBytes?: number };

export type Mailbox = {
  id: number;
  name: string;
  kind: MailboxKind;
  enabled: boolean;
  health: { connected: boolean; lastMessageAt: string | null; lastError: string | null };
  imap?: ImapSettings;
  /** `starttls`: the server offers STARTTLS (a certificate is configured). */
  smtp?: SmtpSettings & { starttls?: boolean };
  createdAt: string;
  updatedAt: string;
};

export type InboundState = 'received' | 'processed' | 'ignored' | 'failed';

export type InboundMessage = {
  id: number;
  mailboxId: number;
  messageId: string | null;
  subject: string | null;
  from: string | null;
  receivedAt: string;
  state: InboundState;
  ruleName: string | null;
  ruleId?: number | null;
  ticketId: number | null;
  reason: string | null;
  size?: number;
  attempts?: number;
  processedAt?: string | null;
  /** A replay can change something: failed, or ignored by a rule (not a bounce or an auto-reply). */
  replayable: boolean;
};

export type ConditionField = 'mailbox' | 'from' | 'to' | 'cc' | 'subject' | 'body';
export type ConditionOperator = 'equals' | 'contains' | 'regex';
export type RuleCondition = { field: ConditionField; operator: ConditionOperator; value: string | number };
export type RuleAction = { type: string; params: Record<string, unknown> };

export type EmailRule = {
  id: number;
  name: string;
  position: number;
  enabled: boolean;
  match: 'all' | 'any';
  conditions: RuleCondition[];
  actions: RuleAction[];
  /** Machine-sent mail (Auto-Submitted, Precedence bulk/junk/list) matching this rule runs its actions too. */
  acceptAutomated: boolean;
  systemKey: string | null;
  createdAt: string;
  updatedAt: string;
  /** What the rule names that no longer exists (a mailbox deleted with force): it cannot work as saved. */
  problems: Array<{ field: string; message: string }>;
};

export type ActionType = { type: string; label: string; takesParams?: boolean };
