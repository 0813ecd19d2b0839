import type { AppContext } from '../app-context.ts';
import type { HttpApp } from '../integrations/registry.ts';
import type { RuleActionDefinition } from '../rules/rule-action.ts';
import { createCoreRuleActions } from '../rules/core-actions.ts';
import { createEmailRuleService } from '../rules/email-rule.service.ts';
import { emailRulesRoutes } from '../rules/email-rules.routes.ts';
import { attachmentsRoutes } from './attachments.routes.ts';
import { inboundMessagesRoutes } from './inbound-messages.routes.ts';
import { createInboxService } from './inbox.service.ts';
import { createMailProcessor, type MailProcessorOptions } from './mail-processor.ts';
import { createMailTicketing } from './mail-ticketing.ts';
import { inThreadParser } from './mail-parser.ts';
import { createParsePool, type ParsePool } from './parse-pool.ts';
import { mailboxesRoutes } from './mailboxes.routes.ts';
import { createMailboxService } from './mailbox.service.ts';
import { createReceiverSupervisor } from './receivers/receiver-supervisor.ts';

export type MailPipelineOptions = Partial<Pick<MailProcessorOptions, 'batchSize' | 'pollMs' | 'lanes'>> & {
  /** Parse worker threads (default: one per spare core, at most 2; 0 parses in the main thread). */
  parseWorkers?: number;
};

/** Mailboxes, receivers, the durable inbox, its processor and the email rules, wired from the app context. */
export function createMailPipeline(ctx: AppContext, options: MailPipelineOptions = {}) {
  const ticketing = createMailTicketing(ctx.services.tickets);
  const coreActions = createCoreRuleActions(ticketing);
  const actions = (): RuleActionDefinition<any>[] => [...coreActions, ...ctx.modules.flatMap((m) => m.ruleActions)];

  const wake = { fn: () => {} };
  const inbox = createInboxService(ctx.db, { onStored: () => wake.fn() });
  const mailboxes = createMailboxService(ctx.db, ctx.secretBox, { starttls: ctx.config.smtpTls !== null });
  mailboxes.onChange((id) => inbox.forgetMailbox(id));
  const rules = createEmailRuleService(ctx.db, actions);
  let pool: ParsePool | null = null;
  const { parseWorkers: _pw, ...processorOptions } = options;
  const processor = createMailProcessor({
    db: ctx.db, dialect: ctx.dialect, logger: ctx.logger.child({ component: 'mail' }), ticketing, actions, ...processorOptions,
    parser: (raw) => (pool ? pool.parse(raw) : inThreadParser(raw)),
  });
  wake.fn = () => processor.wake();
  const receivers = createReceiverSupervisor({
    db: ctx.db, dialect: ctx.dialect, logger: ctx.logger, mailboxes, inbox, host: ctx.config.HOST, smtpTls: ctx.config.smtpTls, workerId: ctx.queue.workerId,
  });

  return {
    inbox, mailboxes, rules, processor, ticketing, actions,

    async routes(app: HttpApp) {
      mailboxesRoutes(app, mailboxes);
      await inboundMessagesRoutes(app, inbox);
      emailRulesRoutes(app, rules);
      attachmentsRoutes(app, ctx.db);
    },

    /** Starts the processor (which resumes stored, unprocessed mail) and the receivers; returns the stop function. */
    async start(): Promise<() => Promise<void>> {
      pool = createParsePool({ size: options.parseWorkers, logger: ctx.logger });
      await processor.start();
      await receivers.start();
      return async () => {
        await receivers.stop();
        await processor.stop();
        await pool?.close();
        pool = null;
      };
    },
  };
}

export type MailPipeline = ReturnType<typeof createMailPipeline>;
