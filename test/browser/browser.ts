import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from '../support/test-server.ts';

/** Debian's chromium; never a downloaded browser. */
export const CHROMIUM_PATH = process.env.RELAYDESK_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM_PATH);

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = path.join(repoRoot, 'test-results', 'screenshots');

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * A describe block that needs the browser: skipped with a message when chromium is absent,
 * but failing in CI, where a missing browser is a broken setup rather than a choice.
 */
export function describeBrowser(name: string, body: () => void) {
  // A page step waits up to 15 s and a test up to 90 s: generous for a loaded CI machine.
  if (hasChromium) return describe(name, { timeout: 90_000 }, body);
  if (process.env.CI) {
    return describe(name, () => {
      it('needs chromium', () => {
        throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium package (apt-get install chromium) on the CI runner`);
      });
    });
  }
  console.warn(`[browser tests] skipped "${name}": ${CHROMIUM_PATH} not found. Install Debian's chromium package to run them.`);
  return describe.skip(name, body);
}

/** Builds web/dist once for all test files running at the same time. */
export async function ensureWebBuilt(): Promise<void> {
  const lock = path.join(os.tmpdir(), `relaydesk-web-build-${Buffer.from(repoRoot).toString('base64url').slice(-24)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('waited too long for another test file to build the web app');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const script = pathToFileURL(path.join(repoRoot, 'scripts', 'build-web-if-needed.mjs')).href;
    const { buildWebIfNeeded } = (await import(script)) as { buildWebIfNeeded(o?: { log?: (m: string) => void }): Promise<boolean> };
    await buildWebIfNeeded({ log: () => {} });
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export type Browser = {
  context: BrowserContext;
  page: Page;
  /** Every alert/confirm/prompt the page opened (an injected script would show up here). */
  dialogs: string[];
  /** Uncaught errors in the page. */
  pageErrors: string[];
  /** Whether confirm() dialogs are accepted (default: dismissed, like every other dialog). */
  acceptConfirms: boolean;
  close(): Promise<void>;
};

export async function openBrowser(opts: { width?: number; height?: number } = {}): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const b: Browser = {
    context, page, dialogs: [], pageErrors: [], acceptConfirms: false,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  page.on('dialog', (d) => {
    b.dialogs.push(`${d.type()}: ${d.message()}`);
    void (d.type() === 'confirm' && b.acceptConfirms ? d.accept() : d.dismiss()).catch(() => {});
  });
  page.on('pageerror', (e) => b.pageErrors.push(e.message));
  return b;
}

/** Saves a screenshot under test-results/screenshots, without the passing notifications. */
export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.evaluate(`document.querySelector('.toasts')?.style.setProperty('visibility', 'hidden')`);
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: false, animations: 'disabled', caret: 'hide' });
  await page.evaluate(`document.querySelector('.toasts')?.style.removeProperty('visibility')`);
}

/** Page-side checks, written as expressions so this Node-side code needs no DOM types. */
export const focused = (page: Page, attr: string) => page.evaluate<string | null>(`document.activeElement?.getAttribute(${JSON.stringify(attr)}) ?? null`);
export const focusedText = (page: Page) => page.evaluate<string | null>('document.activeElement?.textContent ?? null');
export const noSideScroll = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth + 1');

/**
 * A fresh server and a browser signed in as its administrator, at `path`. With `clock`, the page's
 * timers are Playwright's (still at real speed), so a test can move them forward.
 */
export async function openAsAdmin(opts: { path?: string; clock?: boolean } = {}): Promise<{ server: TestServer; b: Browser }> {
  await ensureWebBuilt();
  const server = await startTestServer();
  let b: Browser | null = null;
  try {
    b = await openBrowser();
    if (opts.clock) await b.page.clock.install();
    await b.page.goto(server.url + (opts.path ?? ''));
    await signIn(b.page, ADMIN.email, ADMIN.password);
    return { server, b };
  } catch (err) {
    await b?.close();
    await server.stop();
    throw err;
  }
}

export async function signIn(page: Page, email: string, password: string) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname !== '/sign-in');
}

/** A link of the sidebar. */
export const nav = (page: Page, label: string) => page.getByRole('complementary', { name: 'Main navigation' }).getByRole('link', { name: label, exact: true });

/** Path and query of the page's URL. */
export const here = (page: Page) => {
  const u = new URL(page.url());
  return u.pathname + u.search;
};
