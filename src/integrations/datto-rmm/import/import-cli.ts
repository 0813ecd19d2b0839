import { Argument, type Command } from 'commander';
import { createAppContext } from '../../../app-context.ts';
import { loadConfig } from '../../../config.ts';
import { systemActor } from '../../../core/actor.ts';
import { createJobQueue } from '../../../jobs/job-queue.ts';
import { findJob } from '../../../jobs/job.repository.ts';
import { startWorker } from '../../../jobs/job-worker.ts';
import { createLogger } from '../../../logger.ts';
import { createSettingsService } from '../settings.service.ts';
import { placeAlertTicketsOnMapping } from '../alerts/alert-site-mapped.ts';
import { createSiteLinkEvents, type DattoContext } from '../module-part.ts';
import { createImport } from './import.part.ts';
import type { ImportCounts } from './import-run.ts';
import type { SyncWhat } from './sync-jobs.ts';
import { messageOf } from '../../../errors.ts';

/** Adds `relaydesk datto sync sites|devices` to the CLI. */
export function addDattoImportCommands(program: Command): void {
  const datto = program.commands.find((c) => c.name() === 'datto')
    ?? program.command('datto').description('Datto RMM integration');
  datto.command('sync')
    .description('Import Datto RMM sites (as customers and sites) or devices (as assets) now, with progress on stderr')
    .addArgument(new Argument('<what>', 'what to import').choices(['sites', 'devices']))
    .action(async (what: SyncWhat) => {
      process.exitCode = await syncCommand(what);
    });
}

/**
 * Queues the sync (or joins the one already queued or running) and runs it in this
 * process; a server's workers may take it instead, either way this follows the job.
 */
async function syncCommand(what: SyncWhat): Promise<number> {
  const config = loadConfig();
  // Logs go to stderr (stdout carries the summary), and only errors unless LOG_LEVEL asks for more.
  const logger = createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'error', process.stderr);
  const app = await createAppContext(config, { logger });
  const ctx: DattoContext = { ...app, settings: createSettingsService(app), siteLinks: createSiteLinkEvents() };
  // Open alert tickets of sites this import maps get their customer, as when the server imports.
  placeAlertTicketsOnMapping(ctx);
  const feature = createImport(ctx);
  const queue = createJobQueue({ db: app.db, dialect: app.dialect, logger });
  queue.register(feature.jobs.sites);
  queue.register(feature.jobs.devices);
  const worker = startWorker(queue, { concurrency: 1, pollMs: 200, logger });
  const bar = progressBar(what === 'sites' ? 'Datto sites  ' : 'Datto devices');
  try {
    const started = await feature.sync.start(what, systemActor('cli'));
    for (;;) {
      const job = await findJob(app.db, started.id);
      if (!job) throw new Error(`job ${started.id} disappeared`);
      bar.update(job.progress_done, job.progress_total);
      if (job.state === 'done') {
        bar.finish();
        process.stdout.write(`${summary(what, job.result ? JSON.parse(job.result) : null)}\n`);
        return 0;
      }
      if (job.state === 'failed') {
        bar.finish();
        process.stderr.write(`Datto ${what} sync failed: ${job.last_error ?? 'unknown error'}\n`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    bar.finish();
    process.stderr.write(`${messageOf(err)}\n`);
    return 1;
  } finally {
    await worker.stop();
    await app.close();
  }
}

function summary(what: SyncWhat, r: (ImportCounts & { sitesWalked?: number }) | null): string {
  if (!r) return `Datto ${what} sync done.`;
  const parts = [`${r.created} created`, `${r.updated} updated`, `${r.unchanged} unchanged`, `${r.failed} failed`, `${r.skipped} skipped`,
    `${r.deleted} ${what === 'sites' ? 'marked deleted' : 'retired'}`];
  if (r.sitesWalked !== undefined) parts.push(`${r.sitesWalked} sites read one by one`);
  return `Datto ${what}: ${r.total} seen; ${parts.join(', ')}.${r.lastError ? `\nLast error: ${r.lastError}` : ''}`;
}

/** A bar redrawn in place on a terminal; on a pipe, a line per tenth of the way. */
function progressBar(label: string) {
  const tty = process.stderr.isTTY === true;
  const width = 30;
  let lastTenth = -1;
  let drawn = false;
  return {
    update(done: number, total: number | null) {
      const ratio = total ? Math.min(1, done / total) : 0;
      const text = `${label} [${'#'.repeat(Math.round(ratio * width)).padEnd(width, '-')}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${done}/${total ?? '?'}`;
      if (tty) {
        process.stderr.write(`\r${text}`);
        drawn = true;
      } else if (Math.floor(ratio * 10) !== lastTenth) {
        lastTenth = Math.floor(ratio * 10);
        process.stderr.write(`${text}\n`);
      }
    },
    finish() {
      if (tty && drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}
