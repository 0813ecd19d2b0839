import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';
import { serveCommand, migrateCommand, adminCreateCommand } from './commands.ts';

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

export { program };

try {
  loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
await program.parseAsync(process.argv);
