import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { describeBrowser, ensureWebBuilt, focused, focusedText, here, openBrowser, screenshot, type Browser } from './browser.ts';

const FIRST = { name: 'Dana Admin', email: 'dana@msp.example', password: 'correct-horse-1' };

describeBrowser('first run: setup, sign out, sign in with the keyboard', () => {
  let server: TestServer;
  let b: Browser;

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer({ withAdmin: false });
    b = await openBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });

  it('asks for the first administrator, then signs them in', async () => {
    const { page } = b;
    await page.goto(`${server.url}/tickets`);
    await page.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
    expect(here(page)).toBe('/setup');
    await screenshot(page, 'setup');

    await page.getByLabel('Your name').fill(FIRST.name);
    await page.getByLabel('E-mail').fill(FIRST.email);
    await page.getByLabel('Password', { exact: true }).fill(FIRST.password);
    await page.getByLabel('Repeat password').fill('something-else');
    await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
    await page.getByText('The two passwords differ').waitFor();

    await page.getByLabel('Repeat password').fill(FIRST.password);
    await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
    await page.getByRole('heading', { name: 'Tickets' }).waitFor();
    expect(here(page)).toBe('/tickets');
    await page.getByText('No open tickets').waitFor();
    await expect.poll(() => page.locator('.sidebar-footer').textContent()).toContain(FIRST.name);
    expect((await server.anonymous.get('/api/setup')).body).toEqual({ needsSetup: false });
  });

  it('signs out, and a wrong password says what to do', async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('E-mail').fill(FIRST.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'e-mail or password is wrong' }).waitFor();
    await page.goto(`${server.url}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in');
  });

  it('signs in with Tab and Enter only', async () => {
    const { page } = b;
    await page.goto(`${server.url}/customers`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(here(page)).toBe('/sign-in?next=%2Fcustomers');
    // The e-mail field has the focus when the page opens.
    await expect.poll(() => focused(page, 'type')).toBe('email');
    await page.keyboard.type(FIRST.email);
    await page.keyboard.press('Tab');
    expect(await focused(page, 'type')).toBe('password');
    await page.keyboard.type(FIRST.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    expect(here(page)).toBe('/customers');

    // The skip link is the first stop for keyboard users, and the sidebar links are reachable.
    await page.keyboard.press('Tab');
    expect(await focusedText(page)).toBe('Skip to content');
    expect(await page.getByRole('link', { name: 'Skip to content' }).boundingBox().then((box) => box!.y >= 0)).toBe(true);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<boolean>(`!!document.activeElement?.closest('main')`)).toBe(true);
    expect(await focusedText(page)).toBe('New customer');
    expect(b.pageErrors).toEqual([]);
  });
});
