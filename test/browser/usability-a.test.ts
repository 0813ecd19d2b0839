import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, type TestServer } from '../support/test-server.ts';
import { describeBrowser, here, noSideScroll, openAsAdmin, screenshot, signIn, type Browser } from './browser.ts';

/** Longer than the ticket list's refresh period. */
const REFRESH = 25_000;

/** Records in the page whether a list ever showed a loading state (dimmed table or spinner). */
const watchFlicker = (page: Page) =>
  page.evaluate(`(() => {
    window.__flicker = false;
    new MutationObserver(() => {
      if (document.querySelector('.table-wrap.is-stale, .state-loading')) window.__flicker = true;
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
  })()`);
const flickered = (page: Page) => page.evaluate<boolean>('window.__flicker === true');

describeBrowser('usability: live ticket list, missing records, drafts, tables, audit log', () => {
  let server: TestServer;
  let b: Browser;

  beforeAll(async () => {
    // Timers run at real speed, and a test can move them forward past the list's refresh period.
    ({ server, b } = await openAsAdmin({ clock: true }));
  });
  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });

  it('ticket list: new tickets and counts appear without a reload, keeping the filters', async () => {
    const { page } = b;
    await server.admin.post('/api/tickets', { summary: 'Disk almost full on FS01', priority: 2 });
    await server.admin.post('/api/tickets', { summary: 'Printer offline', priority: 3 });
    await page.goto(`${server.url}/tickets?q=disk`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    const openTab = page.getByRole('button', { name: /^Open/ });
    await expect.poll(() => openTab.textContent()).toBe('Open1');
    await watchFlicker(page);

    // An alert e-mail opens a ticket while the list is on screen.
    await server.admin.post('/api/tickets', { summary: 'Disk almost full on FS02', priority: 2 });
    await server.admin.post('/api/tickets', { summary: 'Mouse broken', priority: 4 });
    await page.clock.fastForward(REFRESH);
    await page.locator('tbody tr').first().getByText('Disk almost full on FS02').waitFor();
    await expect.poll(() => openTab.textContent()).toBe('Open2');
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(here(page)).toBe('/tickets?q=disk');
    expect(await page.getByLabel('Search', { exact: true }).inputValue()).toBe('disk');
    await page.getByText('Showing 2 of 2 tickets').waitFor();
    expect(await flickered(page)).toBe(false);
    expect(await page.getByRole('button', { name: /New tickets/ }).count()).toBe(0);
  });

  it('ticket list: after "Load more" the rows stay and a button offers the new tickets', async () => {
    const { page } = b;
    for (let i = 1; i <= 55; i++) await server.admin.post('/api/tickets', { summary: `Batch ticket ${i}`, priority: 4 });
    await page.goto(`${server.url}/tickets?status=all`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(59);
    const firstRow = await page.locator('tbody tr').first().textContent();

    await server.admin.post('/api/tickets', { summary: 'Server room too warm', priority: 1 });
    await page.clock.fastForward(REFRESH);
    const pill = page.getByRole('button', { name: 'New tickets — show' });
    await pill.waitFor();
    // What the agent is reading does not move.
    expect(await page.locator('tbody tr').count()).toBe(59);
    expect(await page.locator('tbody tr').first().textContent()).toBe(firstRow);
    expect(await page.getByText('Server room too warm').count()).toBe(0);
    await expect.poll(() => page.getByRole('button', { name: /^All/ }).textContent()).toBe('All60');
    await page.mouse.wheel(0, 2000);
    expect(await pill.isVisible()).toBe(true);
    await screenshot(page, 'tickets-new-pill');

    await pill.click();
    await page.locator('tbody tr').first().getByText('Server room too warm').waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(50);
    expect(await pill.count()).toBe(0);
    expect(here(page)).toBe('/tickets?status=all');
  });

  it('a missing ticket says so, links back to the list, offers no retry and asks nothing more', async () => {
    const { page } = b;
    const failed: string[] = [];
    const onResponse = (r: { status(): number; url(): string }) => {
      if (r.status() >= 400) failed.push(new URL(r.url()).pathname);
    };
    page.on('response', onResponse);
    await page.goto(`${server.url}/tickets/99999`);
    await page.getByRole('heading', { name: 'Ticket #99999 does not exist' }).waitFor();
    await page.waitForLoadState('networkidle');
    page.off('response', onResponse);
    expect(failed).toEqual(['/api/tickets/99999']);
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    expect(await page.title()).toContain('Ticket #99999 does not exist');
    expect(await noSideScroll(page)).toBe(true);
    await screenshot(page, 'ticket-missing');

    await page.getByRole('main').getByRole('link', { name: 'Back to the ticket list' }).click();
    await page.getByRole('heading', { name: 'Tickets' }).waitFor();
    expect(here(page)).toBe('/tickets');

    // The other detail pages read their record the same way.
    for (const [path, name, list, heading] of [
      ['/customers/99999', 'Customer #99999', 'Back to the customer list', 'Customers'],
      ['/sites/99999', 'Site #99999', 'Back to the site list', 'Sites'],
      ['/assets/99999', 'Asset #99999', 'Back to the asset list', 'Assets'],
    ] as const) {
      await page.goto(server.url + path);
      await page.getByRole('heading', { name: `${name} does not exist` }).waitFor();
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
      await page.getByRole('main').getByRole('link', { name: list }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    }
  });

  it('keeps a note typed on a ticket through the session ending, until it is added', async () => {
    const { page, context } = b;
    const t = (await server.admin.post('/api/tickets', { summary: 'Outlook keeps asking for the password' })).body;
    const other = (await server.admin.post('/api/tickets', { summary: 'Teams camera black' })).body;
    await page.goto(`${server.url}/tickets/${t.id}`);
    await page.locator('li.history-item').first().waitFor();
    await page.waitForLoadState('networkidle');
    const note = page.getByLabel('Add a note');
    await note.fill('Reset the credential manager entry; waiting for the user to confirm.');

    // Signed out elsewhere: adding the note meets the ended session and goes through sign-in.
    await context.request.post(`${server.url}/api/auth/logout`);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('heading', { name: /Outlook keeps asking/ }).waitFor();
    await expect.poll(() => note.inputValue()).toBe('Reset the credential manager entry; waiting for the user to confirm.');

    // Another agent signing in on the same tab does not find it; the author, back, does.
    const tech = { email: 'draft-tech@example.test', password: 'tech-password-1' };
    expect((await server.admin.post('/api/agents', { ...tech, name: 'Second technician' })).status).toBe(201);
    await context.request.post(`${server.url}/api/auth/logout`);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, tech.email, tech.password);
    await page.getByRole('heading', { name: /Outlook keeps asking/ }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await note.inputValue()).toBe('');
    await context.request.post(`${server.url}/api/auth/logout`);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('heading', { name: /Outlook keeps asking/ }).waitFor();
    await expect.poll(() => note.inputValue()).toBe('Reset the credential manager entry; waiting for the user to confirm.');

    // Each ticket has its own draft, and a reload keeps it too.
    await page.goto(`${server.url}/tickets/${other.id}`);
    await page.getByRole('heading', { name: /Teams camera black/ }).waitFor();
    expect(await note.inputValue()).toBe('');
    await page.goto(`${server.url}/tickets/${t.id}`);
    await page.getByRole('heading', { name: /Outlook keeps asking/ }).waitFor();
    await expect.poll(() => note.inputValue()).toBe('Reset the credential manager entry; waiting for the user to confirm.');

    // Once added, the draft is gone.
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('list', { name: 'Ticket history' }).getByText('Reset the credential manager entry').waitFor();
    expect(await note.inputValue()).toBe('');
    await page.reload();
    await page.getByRole('heading', { name: /Outlook keeps asking/ }).waitFor();
    await page.locator('li.history-item').first().waitFor();
    expect(await note.inputValue()).toBe('');
  });

  it('keeps a closing note through the session ending, with the close form open again', async () => {
    const { page, context } = b;
    const t = (await server.admin.post('/api/tickets', { summary: 'Shared drive mapping lost' })).body;
    await page.goto(`${server.url}/tickets/${t.id}`);
    await page.locator('li.history-item').first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.getByRole('button', { name: 'Close ticket' }).click();
    const closing = page.getByLabel('Closing note (optional)');
    await closing.fill('Re-mapped S: by GPO; user confirmed.');

    await context.request.post(`${server.url}/api/auth/logout`);
    await page.locator('form.close-form').getByRole('button', { name: 'Close ticket' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('heading', { name: /Shared drive mapping lost/ }).waitFor();
    await expect.poll(() => closing.inputValue()).toBe('Re-mapped S: by GPO; user confirmed.');

    await page.locator('form.close-form').getByRole('button', { name: 'Close ticket' }).click();
    await page.locator('.header-meta .badge', { hasText: 'Closed' }).waitFor();
    await page.getByRole('list', { name: 'Ticket history' }).getByText('Re-mapped S: by GPO').waitFor();
    await page.getByRole('button', { name: 'Reopen' }).click();
    await page.locator('.header-meta .badge', { hasText: 'In progress' }).waitFor();
    await page.getByRole('button', { name: 'Close ticket' }).click();
    expect(await closing.inputValue()).toBe('');
  });

  it('customers table: the Flags cells are table cells as tall as their rows', async () => {
    const { page } = b;
    await server.admin.post('/api/customers', { name: 'Fabrikam', mainSiteName: 'Head office' });
    await server.admin.post('/api/customers', { name: 'Litware' });
    await page.goto(`${server.url}/customers`);
    const row = page.locator('tbody tr', { hasText: 'Litware' });
    await row.getByText('No main site').waitFor();
    const cells = await page.evaluate<Array<{ display: string; cell: number; row: number; top: number; rowTop: number }>>(`
      [...document.querySelectorAll('tbody tr')].map((tr) => {
        const td = tr.children[2];
        const r = tr.getBoundingClientRect(), c = td.getBoundingClientRect();
        return { display: getComputedStyle(td).display, cell: c.height, row: r.height, top: c.top, rowTop: r.top };
      })`);
    expect(cells.length).toBe(2);
    for (const c of cells) {
      expect(c.display).toBe('table-cell');
      expect(Math.abs(c.cell - c.row)).toBeLessThan(1.5);
      expect(Math.abs(c.top - c.rowTop)).toBeLessThan(1.5);
    }
    // The flag sits on the row's middle line, with the name.
    const [flag, name] = await page.evaluate<number[]>(`
      [...document.querySelectorAll('tbody tr')].find((tr) => tr.textContent.includes('Litware'))
        .querySelectorAll('.badge, a.row-link').values().toArray()
        .sort((a) => (a.matches('.badge') ? -1 : 1))
        .map((e) => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })`);
    expect(Math.abs(flag! - name!)).toBeLessThan(3);
    await screenshot(page, 'customers-flags');
  });

  it('audit log: actions and changes in words, the recorded values in a tooltip', async () => {
    const { page } = b;
    const t = (await server.admin.post('/api/tickets', { summary: 'Audit me', priority: 2 })).body;
    await server.admin.patch(`/api/tickets/${t.id}`, { status: 'in_progress', priority: 1 });
    await page.goto(`${server.url}/config/audit-log`);
    const row = page.locator('tbody tr', { hasText: 'Ticket updated' }).first();
    await row.waitFor();
    const action = row.locator('td').nth(2);
    expect(await action.textContent()).toBe('Ticket updated');
    expect(await action.getAttribute('title')).toBe('ticket.update');
    expect(await row.locator('td').nth(3).textContent()).toBe(`Ticket #${t.id}`);
    const changes = row.locator('td').nth(4);
    await expect.poll(() => changes.textContent()).toBe('priority High → Critical, status New → In progress');
    const raw = JSON.parse((await changes.getAttribute('title'))!);
    expect(raw).toEqual({ priority: { from: 2, to: 1 }, status: { from: 'new', to: 'in_progress' } });
    await page.locator('tbody tr', { hasText: 'Customer created' }).first().waitFor();
    expect(await page.locator('tbody').getByText(/ticket\.update|in_progress/).count()).toBe(0);
    expect(await noSideScroll(page)).toBe(true);
    await screenshot(page, 'audit-log');
  });

  it('these screens fit a phone (390×844) without sideways scrolling', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${server.url}/tickets?status=all`);
      await expect.poll(() => page.locator('tbody tr').count()).toBe(50);
      await page.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThan(50);
      await server.admin.post('/api/tickets', { summary: 'Seen on a phone', priority: 2 });
      await page.clock.fastForward(REFRESH);
      const pill = page.getByRole('button', { name: 'New tickets — show' });
      await pill.waitFor();
      await page.mouse.wheel(0, 1500);
      expect(await pill.isVisible()).toBe(true);
      expect(await noSideScroll(page)).toBe(true);
      await screenshot(page, 'tickets-new-pill-phone');

      const t = (await server.admin.post('/api/tickets', { summary: 'Phone close form' })).body;
      await page.goto(`${server.url}/tickets/${t.id}`);
      await page.getByRole('heading', { name: /Phone close form/ }).waitFor();
      await page.getByRole('button', { name: 'Close ticket' }).click();
      await page.getByLabel('Closing note (optional)').fill('Done');
      expect(await noSideScroll(page)).toBe(true);

      for (const [path, heading] of [
        ['/tickets/99999', 'Ticket #99999 does not exist'],
        ['/customers', 'Customers'],
        ['/config/audit-log', 'Audit log'],
      ] as const) {
        await page.goto(server.url + path);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        await page.locator('main .table, main .state').first().waitFor();
        expect(await noSideScroll(page)).toBe(true);
      }
      await screenshot(page, 'audit-log-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    expect(b.pageErrors).toEqual([]);
  });
});
