import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';
import { serveCommand, migrateCommand, adminCreateCommand, ingestCommand } from './commands.ts';
import { addDattoImportCommands } from '../integrations/datto-rmm/import/import-cli.ts';

const program = new Command()
  .name('relaydesk')
  .description('Relaydesk service desk: server, database and administration');

program.command('serve').description('Run the API, the web app and the background workers').action(serveCommand);
program.command('migrate').description('Bring the database schema up to date, then exit').action(migrateCommand);
program.command('admin')
  .description('Administrators')
  .command('create')
  .description('Create an administrator')
  .requiredOption('--email <email>', 'sign-in e-mail')
  .option('--name <name>', 'display name', 'Administrator')
  .option('--password <password>', 'password (or RELAYDESK_NEW_PASSWORD; prompted when absent)')
  .action(adminCreateCommand);
program.command('ingest')
  .description('Store raw e-mails (.eml files) in a mailbox\'s inbox; the running server processes them')
  .requiredOption('--mailbox <id>', 'mailbox id')
  .option('--process', 'process them in this process too and print each outcome')
  .argument('<files...>', 'RFC 822 files (.eml)')
  .action(ingestCommand);
addDattoImportCommands(program);

export { program };

// A bad setting, or one that does not fit the database (the secret key), is said in words, not as a stack trace.
try {
  loadConfig();
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
