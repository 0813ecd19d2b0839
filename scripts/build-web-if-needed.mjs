#!/usr/bin/env node
// Builds the web app into web/dist when it is missing or older than any source file in web/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(root, 'web');
const distIndex = path.join(webDir, 'dist', 'index.html');
const skip = new Set(['dist', 'node_modules']);

function newestSource(dir) {
  let newest = { file: null, mtimeMs: 0 };
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name) && dir === webDir) continue;
    const full = path.join(dir, entry.name);
    const candidate = entry.isDirectory() ? newestSource(full) : { file: full, mtimeMs: fs.statSync(full).mtimeMs };
    if (candidate.mtimeMs > newest.mtimeMs) newest = candidate;
  }
  return newest;
}

/** Why web/dist must be rebuilt, or null when it is up to date. */
export function staleReason() {
  if (!fs.existsSync(distIndex)) return 'web/dist is missing';
  const built = fs.statSync(distIndex).mtimeMs;
  const newest = newestSource(webDir);
  if (newest.mtimeMs > built) return `${path.relative(root, newest.file)} changed since the last build`;
  return null;
}

export async function buildWebIfNeeded({ log = console.log } = {}) {
  const reason = staleReason();
  if (!reason) return false;
  let vite;
  try {
    vite = await import('vite');
  } catch {
    log(`Cannot build the web app (${reason}): vite is not installed. Run "npm install" (with dev dependencies), then "npm run build:web".`);
    return false;
  }
  log(`Building the web app: ${reason}…`);
  const started = Date.now();
  await vite.build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  log(`Built web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildWebIfNeeded().catch((err) => {
    console.error(`Building the web app failed: ${err?.message ?? err}`);
    process.exit(1);
  });
}
