import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImportEnv, type ImportEnv } from './import-env.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Run = { code: number; stdout: string; stderr: string };

describe('relaydesk datto sync (CLI)', () => {
  let env: ImportEnv;
  let cliEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The server runs no workers: the command has to run the job itself.
    env = await startImportEnv({ emulator: { sites: 3, devicesPerSite: 2 }, env: { RELAYDESK_WORKERS: 'false' } });
    const { config } = env.s.ctx;
    let databaseUrl: string | undefined;
    if (config.DATABASE_URL) {
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(env.s.ctx.db)).rows[0]!.s;
      databaseUrl = `${config.DATABASE_URL}${config.DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    }
    cliEnv = {
      PATH: process.env.PATH, HOME: process.env.HOME,
      RELAYDESK_DATA_DIR: env.s.dataDir, RELAYDESK_SECRET_KEY: config.RELAYDESK_SECRET_KEY,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    };
  });
  afterAll(async () => {
    await env?.stop();
  });

  const relaydesk = (...args: string[]) =>
    new Promise<Run>((resolve) => {
      execFile(process.execPath, ['bin/relaydesk.js', ...args], { cwd: root, env: cliEnv, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });

  it('imports sites and devices, drawing progress on stderr and exiting 0', async () => {
    const sites = await relaydesk('datto', 'sync', 'sites');
    const said = (r: Run) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
    expect(sites.code, said(sites)).toBe(0);
    expect(sites.stderr, said(sites)).toMatch(/Datto sites\s+\[#+\]\s+100%\s+3\/3/);
    expect(sites.stdout, said(sites)).toContain('Datto sites: 3 seen; 3 created, 0 updated, 0 unchanged, 0 failed');

    const devices = await relaydesk('datto', 'sync', 'devices');
    expect(devices.code, said(devices)).toBe(0);
    expect(devices.stdout, said(devices)).toContain('Datto devices: 6 seen; 6 created');

    const customers = (await env.s.admin.get('/api/customers')).body.items;
    expect(customers).toHaveLength(3);
    expect((await env.s.admin.get('/api/assets')).body.items).toHaveLength(6);
  });

  it('exits 1 with Datto\'s reason when the sync fails, and refuses an unknown kind', async () => {
    env.emu.faults.failNext(1000, { status: 401 });
    const failed = await relaydesk('datto', 'sync', 'sites');
    env.emu.faults.clear();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Datto sites sync failed: Datto RMM rejected the API key and secret');

    const wrong = await relaydesk('datto', 'sync', 'everything');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/sites, devices/);
  });
});
