import readline from 'node:readline/promises';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createAppContext } from '../app-context.ts';
import { createLogger } from '../logger.ts';
import { AppError, messageOf } from '../errors.ts';
import { startRelaydesk } from '../main.ts';

export { ingestCommand } from './ingest-command.ts';

export async function serveCommand() {
  const config = loadConfig();
  const running = await startRelaydesk(config);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.ctx.logger.info({ signal }, 'shutting down');
    await running.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

export async function migrateCommand() {
  const config = loadConfig();
  const handle = openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  try {
    const applied = await migrateToLatest(handle.db);
    process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database is up to date.\n');
  } finally {
    await handle.close();
  }
}

async function askPassword(): Promise<string> {
  if (process.env.RELAYDESK_NEW_PASSWORD) return process.env.RELAYDESK_NEW_PASSWORD;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    // Input that ends before a line (a script, a container without a terminal) would leave the question open for ever.
    return await new Promise<string>((resolve, reject) => {
      rl.on('close', () => reject(new Error('No password given: pass --password P, set RELAYDESK_NEW_PASSWORD, or run it in a terminal to be asked')));
      rl.question('Password (at least 8 characters): ').then(resolve, reject);
    });
  } finally {
    rl.close();
  }
}

export async function adminCreateCommand(opts: { email: string; name: string; password?: string }) {
  const config = loadConfig();
  const ctx = await createAppContext(config, { logger: createLogger('warn') });
  try {
    const password = opts.password ?? (await askPassword());
    if (password.length < 8) throw new AppError('validation_failed', 'password: must be at least 8 characters', 400);
    const agent = await ctx.services.agents.create({ email: opts.email, name: opts.name, role: 'admin', password }, { kind: 'system', name: 'cli' });
    process.stdout.write(`Created administrator ${agent.email} (id ${agent.id}).\n`);
  } catch (err) {
    process.stderr.write(`${messageOf(err)}\n`);
    process.exitCode = 1;
  } finally {
    await ctx.close();
  }
}
