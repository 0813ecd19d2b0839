import type { Config } from './config.ts';
import { checkSecretKey } from './crypto/key-check.ts';
import { createSecretBox, loadOrCreateKey, type SecretBox } from './crypto/secret-box.ts';
import { openDatabase, type Database, type Dialect } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createLogger, type Logger } from './logger.ts';
import { createAgentService, type AgentService } from './core/agents/agent.service.ts';
import { createAssetService, type AssetService } from './core/assets/asset.service.ts';
import { createCustomerService, type CustomerService } from './core/customers/customer.service.ts';
import { createTicketService, type TicketService } from './core/tickets/ticket.service.ts';
import { createTicketTypeService, type TicketTypeService } from './core/tickets/ticket-type.service.ts';
import type { TicketHooks } from './core/tickets/ticket-hooks.ts';
import { createJobQueue, type Clock, type JobQueue } from './jobs/job-queue.ts';
import type { IntegrationModule } from './integrations/registry.ts';
import { createModules, type ModuleOptions } from './integrations/modules.ts';

export type CoreServices = {
  agents: AgentService;
  customers: CustomerService;
  tickets: TicketService;
  ticketTypes: TicketTypeService;
  assets: AssetService;
};

/** What a module is handed: the database, the core services, the queue and the secret box. */
export type ModuleDeps = {
  config: Config;
  db: Database;
  dialect: Dialect;
  logger: Logger;
  secretBox: SecretBox;
  queue: JobQueue;
  services: CoreServices;
};

export type AppContext = ModuleDeps & {
  modules: IntegrationModule[];
  close(): Promise<void>;
};

export type ContextOptions = {
  logger?: Logger;
  /** Test hooks: a fixed SQLite file or PostgreSQL schema, a clock. */
  sqliteFile?: string;
  pgSchema?: string;
  clock?: Clock;
  modules?: ModuleOptions;
};

export async function createAppContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const handle = openDatabase({
    databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, sqliteFile: options.sqliteFile, pgSchema: options.pgSchema,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
  });
  let secretBox: SecretBox;
  try {
    await migrateToLatest(handle.db, handle.pgSchema);
    secretBox = createSecretBox(loadOrCreateKey(config.RELAYDESK_SECRET_KEY, config.dataDir));
    await checkSecretKey(handle.db, secretBox, config.dataDir);
  } catch (err) {
    await handle.close();
    throw err;
  }
  const queue = createJobQueue({ db: handle.db, dialect: handle.dialect, logger, clock: options.clock });

  // Modules register ticket hooks; the ticket service calls whatever is in this list at the time.
  const hooks: TicketHooks[] = [];
  const services: CoreServices = {
    agents: createAgentService(handle.db, { sessionHours: config.RELAYDESK_SESSION_HOURS }),
    customers: createCustomerService(handle.db, handle.dialect),
    tickets: createTicketService(handle.db, handle.dialect, hooks),
    ticketTypes: createTicketTypeService(handle.db),
    assets: createAssetService(handle.db, handle.dialect),
  };
  const deps: ModuleDeps = { config, db: handle.db, dialect: handle.dialect, logger, secretBox, queue, services };
  const modules = createModules(deps, options.modules);
  for (const m of modules) {
    hooks.push(m.ticketHooks);
    for (const job of m.jobs) queue.register(job);
  }
  return { ...deps, modules, close: () => handle.close() };
}
