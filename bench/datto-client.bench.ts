/**
 * Lists 10,000 sites and 100,000 devices through the Datto RMM client from the
 * emulator at Datto's real limits (600 reads per window, slow-down above 90 %),
 * with the window shrunk from 60 s to 1 s (factor 60). The emulator runs in its
 * own process, as Datto would.
 *
 *   npx tsx bench/datto-client.bench.ts [--scenarios a,b,c] [--factor 60]
 *
 * For each scenario: requests made vs the minimum (one per 250 items per
 * listing, plus the token), 429s and slowed answers received, and wall time vs
 * the rate-limit bound (requests ÷ reads allowed per window × window).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDattoClient, forgetDattoAccounts, type DattoClient, type ReadBudget } from '../src/integrations/datto-rmm/client/index.ts';

const { values } = parseArgs({ options: { scenarios: { type: 'string' }, factor: { type: 'string' } } });
const factor = Number(values.factor ?? 60);
const sites = 10_000;
const devices = 100_000;
const readLimit = 600;
const windowMs = 60_000 / factor;

type Scenario = {
  key: string;
  title: string;
  readBudget: ReadBudget;
  /** Per-site device listings in flight at once; 0 lists the account-wide devices instead. */
  concurrency: number;
};

const scenarios: Scenario[] = [
  { key: 'a', title: 'sites + account devices, sequential', readBudget: 'below-slowdown', concurrency: 0 },
  { key: 'b', title: 'sites + devices per site, sequential, budget 540', readBudget: 'below-slowdown', concurrency: 1 },
  { key: 'c', title: 'sites + devices per site, sequential, budget 590', readBudget: 'near-limit', concurrency: 1 },
  { key: 'd', title: 'sites + devices per site, 16 at once, budget 540', readBudget: 'below-slowdown', concurrency: 16 },
  { key: 'e', title: 'sites + devices per site, 16 at once, budget 590', readBudget: 'near-limit', concurrency: 16 },
];
const chosen = values.scenarios ? scenarios.filter((s) => values.scenarios?.split(',').includes(s.key)) : scenarios;

type LogEntry = { path: string; status: number; slowedDown: boolean };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const emulator = spawn(
  process.execPath,
  ['--import', 'tsx', 'test/datto-emulator/cli.ts', '--sites', String(sites), '--devices', String(devices), '--alerts', '0', '--window-factor', String(factor)],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
const banner = await readBanner();
const control = (route: string, method = 'GET') => fetch(`${banner.url}/__emulator/${route}`, { method });

const rows: string[][] = [];
try {
  for (const scenario of chosen) {
    forgetDattoAccounts();
    await control('log', 'DELETE');
    await new Promise((resolve) => setTimeout(resolve, windowMs * 1.1));
    const client = createDattoClient({
      apiUrl: banner.url,
      apiKey: banner.key,
      apiSecret: banner.secret,
      windowFactor: factor,
      readBudget: scenario.readBudget,
    });

    const started = performance.now();
    const counted = await listEverything(client, scenario);
    const wall = (performance.now() - started) / 1000;

    const log = (await (await control('log')).json()) as LogEntry[];
    const minimum = 1 + Math.ceil(sites / 250) + (scenario.concurrency === 0 ? Math.ceil(devices / 250) : sites * Math.ceil(devices / sites / 250));
    const reads = log.filter((e) => e.path.startsWith('/api/')).length;
    const bound = (reads / readLimit) * (windowMs / 1000);
    rows.push([
      scenario.title,
      `${counted.sites} / ${counted.devices}`,
      String(log.length),
      String(minimum),
      String(log.filter((e) => e.status === 429).length),
      String(log.filter((e) => e.slowedDown).length),
      wall.toFixed(2),
      bound.toFixed(2),
      (bound / wall).toFixed(2),
    ]);
    console.error(`done: ${scenario.title}`);
  }
} finally {
  emulator.kill('SIGTERM');
}

const header = ['scenario', 'sites / devices', 'requests', 'minimum', '429s', 'slowed', 'wall s', 'bound s', 'bound ÷ wall'];
console.log(`\nDatto RMM client, window 60 s ÷ ${factor} = ${windowMs} ms, ${readLimit} reads per window, Node ${process.version}\n`);
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);

async function listEverything(client: DattoClient, scenario: Scenario): Promise<{ sites: number; devices: number }> {
  const siteUids: string[] = [];
  for await (const site of client.sites()) siteUids.push(site.uid);
  let deviceCount = 0;
  if (scenario.concurrency === 0) {
    for await (const device of client.accountDevices()) deviceCount += device.uid ? 1 : 0;
    return { sites: siteUids.length, devices: deviceCount };
  }
  let next = 0;
  const worker = async () => {
    while (next < siteUids.length) {
      const uid = siteUids[next++];
      for await (const device of client.siteDevices(uid)) deviceCount += device.uid ? 1 : 0;
    }
  };
  await Promise.all(Array.from({ length: scenario.concurrency }, worker));
  return { sites: siteUids.length, devices: deviceCount };
}

async function readBanner(): Promise<{ url: string; key: string; secret: string }> {
  const found: Record<string, string> = {};
  const lines = readline.createInterface({ input: emulator.stdout });
  for await (const line of lines) {
    const match = /^\s*(API URL|API key|API secret):\s+(\S+)/.exec(line);
    if (match) found[match[1]] = match[2];
    if (found['API secret']) break;
  }
  if (!found['API URL'] || !found['API key'] || !found['API secret']) throw new Error('the emulator did not start');
  return { url: found['API URL'], key: found['API key'], secret: found['API secret'] };
}
