import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, type TestServer } from '../support/test-server.ts';
import { describeBrowser, here, nav, noSideScroll, openAsAdmin, screenshot, signIn, type Browser } from './browser.ts';

const XSS = '<img src=x onerror=alert(1)>';

describeBrowser('service desk: customers, tickets, session, safety, narrow screens', () => {
  let server: TestServer;
  let b: Browser;
  let ticketId = 0;

  beforeAll(async () => {
    ({ server, b } = await openAsAdmin());
  });
  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });

  it('creates a customer with a main site', async () => {
    const { page } = b;
    await nav(page, 'Customers').click();
    await page.getByText('No customers yet').waitFor();
    await page.getByRole('button', { name: 'New customer' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Northwind Traders');
    await page.getByLabel('Main site name').fill('Head office');
    await page.getByRole('button', { name: 'Create customer' }).click();
    await page.getByRole('heading', { name: 'Northwind Traders' }).waitFor();
    await page.locator('.table').getByText('Main site').waitFor();
    expect(await page.getByText('This customer has no main site').count()).toBe(0);
    await page.getByRole('button', { name: 'Add site' }).waitFor();
    await page.getByLabel('New site name').fill('Warehouse');
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('link', { name: 'Warehouse' }).waitFor();
    await screenshot(page, 'customer');
  });

  it('flags a customer without a main site, and setting one clears the flag', async () => {
    const { page } = b;
    await nav(page, 'Customers').click();
    await page.getByRole('button', { name: 'New customer' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Contoso Ltd');
    await page.getByLabel('Create a main site').uncheck();
    await page.getByRole('button', { name: 'Create customer' }).click();
    await page.getByRole('heading', { name: 'Contoso Ltd' }).waitFor();
    await page.getByText('This customer has no main site.').waitFor();

    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Customers' }).click();
    const row = page.locator('tr', { hasText: 'Contoso Ltd' });
    await row.getByText('No main site').waitFor();
    expect(await page.locator('tr', { hasText: 'Northwind Traders' }).getByText('No main site').count()).toBe(0);
    await page.getByLabel('Only customers without a main site').check();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.locator('tbody tr', { hasText: 'Contoso Ltd' }).waitFor();
    await screenshot(page, 'customers');

    await page.getByRole('link', { name: 'Contoso Ltd' }).click();
    await page.getByLabel('New site name').fill('Main street');
    await page.getByLabel('Make it the main site').check();
    await page.getByRole('button', { name: 'Add site' }).click();
    await expect.poll(() => page.getByText('This customer has no main site.').count()).toBe(0);
  });

  it('creates a ticket that appears in the list with filters and counts', async () => {
    const { page } = b;
    await page.getByRole('link', { name: 'New ticket' }).first().click();
    await page.getByRole('heading', { name: 'New ticket' }).waitFor();
    await page.getByLabel('Summary').fill('Printer on floor 2 jams');
    await page.getByLabel('Details').fill('Paper jam every morning.\nModel: LaserJet 4000');
    await page.getByLabel('Priority').selectOption({ label: 'High' });
    await page.getByLabel('Customer').selectOption({ label: 'Northwind Traders' });
    await expect.poll(() => page.getByLabel('Site').isEnabled()).toBe(true);
    await page.getByLabel('Site').selectOption({ label: 'Head office (main site)' });
    await screenshot(page, 'ticket-new');
    await page.getByRole('button', { name: 'Create ticket' }).click();
    await page.getByRole('heading', { name: /Printer on floor 2 jams/ }).waitFor();
    ticketId = Number(new URL(page.url()).pathname.split('/').pop());
    expect(ticketId).toBeGreaterThan(0);

    // Two more tickets through the API so the filters have something to leave out.
    const contoso = (await server.admin.get('/api/customers?q=Contoso')).body.items[0];
    await server.admin.post('/api/tickets', { summary: 'VPN drops for remote staff', customerId: contoso.id, priority: 4 });
    await server.admin.post('/api/tickets', { summary: 'New starter laptop', priority: 3 });

    await nav(page, 'Tickets').click();
    await page.getByRole('link', { name: 'Printer on floor 2 jams' }).waitFor();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);
    const openTab = page.getByRole('button', { name: /^Open/ });
    await expect.poll(() => openTab.textContent()).toBe('Open3');
    const row = page.locator('tbody tr', { hasText: 'Printer on floor 2 jams' });
    await row.getByText('Northwind Traders').waitFor();
    await row.getByText('High').waitFor();
    await row.getByText('Head office').waitFor();
    await screenshot(page, 'tickets');

    await page.locator('#ticket-customer').selectOption({ label: 'Northwind Traders' });
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await expect.poll(() => openTab.textContent()).toBe('Open1');
    expect(new URL(page.url()).searchParams.get('customerId')).not.toBeNull();

    await page.locator('#ticket-priority').selectOption({ label: 'Low' });
    await page.getByText('No tickets match these filters').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);

    await page.getByLabel('Search', { exact: true }).fill('VPN');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.locator('tbody tr', { hasText: 'VPN drops for remote staff' }).waitFor();
    await page.getByLabel('Search', { exact: true }).fill('');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);

    await page.locator('#ticket-sort').selectOption({ label: 'Priority: critical first' });
    await expect.poll(() => page.locator('tbody tr').first().textContent()).toContain('Printer on floor 2 jams');
    await page.locator('#ticket-sort').selectOption({ label: 'Priority: low first' });
    await expect.poll(() => page.locator('tbody tr').first().textContent()).toContain('VPN drops');
  });

  it('pages through a long list with "Load more"', async () => {
    const { page } = b;
    for (let i = 1; i <= 52; i++) await server.admin.post('/api/tickets', { summary: `Bulk ticket ${i}`, priority: 4 });
    await page.goto(`${server.url}/tickets?status=all`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(50);
    await page.getByText('Showing 50 of 55 tickets').waitFor();
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(55);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });

  it('works a ticket: note, status and priority, close, history', async () => {
    const { page } = b;
    await page.goto(`${server.url}/tickets/${ticketId}`);
    await page.getByRole('heading', { name: /Printer on floor 2 jams/ }).waitFor();
    await page.getByText('Model: LaserJet 4000').waitFor();

    await page.getByLabel('Add a note').fill('Replaced the pickup roller.');
    await page.getByRole('button', { name: 'Add note' }).click();
    const history = page.getByRole('list', { name: 'Ticket history' });
    await history.getByText('Replaced the pickup roller.').waitFor();

    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Waiting' });
    await page.getByLabel('Priority', { exact: true }).selectOption({ label: 'Critical' });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await history.locator('li.history-item', { hasText: 'Waiting' }).filter({ hasText: 'New' }).waitFor();
    await history.locator('li.history-item', { hasText: 'Priority' }).filter({ hasText: 'Critical' }).waitFor();
    await page.locator('.header-meta .badge', { hasText: 'Waiting' }).waitFor();
    await screenshot(page, 'ticket');

    await page.getByRole('button', { name: 'Close ticket' }).click();
    await page.getByLabel('Closing note (optional)').fill('Fixed; user confirmed.');
    await page.locator('form.close-form').getByRole('button', { name: 'Close ticket' }).click();
    await page.locator('.header-meta .badge', { hasText: 'Closed' }).waitFor();
    await history.getByText('Fixed; user confirmed.').waitFor();
    await history.locator('li.history-item', { hasText: 'Closed' }).filter({ hasText: 'Waiting' }).waitFor();
    await page.getByRole('button', { name: 'Reopen' }).waitFor();

    const t = (await server.admin.get(`/api/tickets/${ticketId}`)).body;
    expect(t.status).toBe('closed');
    expect(t.priority).toBe(1);
  });

  it('returns to the same page after the session ends', async () => {
    const { page, context } = b;
    await page.goto(`${server.url}/tickets/${ticketId}`);
    await page.getByRole('heading', { name: /Printer on floor 2 jams/ }).waitFor();
    // The page's own requests are done (a late one would meet the ended session first and sign out
    // by itself), so the Refresh below is what finds the session gone.
    await page.locator('li.history-item').first().waitFor();
    await page.waitForLoadState('networkidle');

    // Signed out elsewhere: the session is gone on the server.
    await context.request.post(`${server.url}/api/auth/logout`);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(here(page)).toBe(`/sign-in?next=${encodeURIComponent(`/tickets/${ticketId}`)}&reason=expired`);
    await page.getByText('Your session has ended').waitFor();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('heading', { name: /Printer on floor 2 jams/ }).waitFor();
    expect(here(page)).toBe(`/tickets/${ticketId}`);

    // The cookie deleted in the browser: the next navigation goes through sign-in and back.
    await nav(page, 'Customers').click();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    // The search's own request must be answered before the cookie goes, or it is the one sent to sign-in.
    const searched = page.waitForResponse((r) => r.url().includes('/api/customers?') && r.url().includes('q=North'));
    await page.getByLabel('Search', { exact: true }).fill('North');
    await expect.poll(() => here(page)).toBe('/customers?q=North');
    expect((await searched).status()).toBe(200);
    await context.clearCookies();
    await page.getByLabel('Only customers without a main site').click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    expect(here(page)).toBe('/customers?q=North&withoutMainSite=true');
  });

  it('renders outside text as text, never as markup', async () => {
    const { page } = b;
    const created = await server.admin.post('/api/tickets', { summary: XSS, details: `<script>alert(2)</script>\n${XSS}` });
    await server.admin.post(`/api/tickets/${created.body.id}/actions`, { body: `<b onmouseover=alert(3)>note</b> ${XSS}` });
    await page.goto(`${server.url}/tickets?status=all&q=${encodeURIComponent('onerror')}`);
    await page.locator('tbody tr').getByText(XSS, { exact: true }).waitFor();
    await page.locator('tbody tr').getByText(XSS, { exact: true }).click();
    await page.getByRole('heading', { name: XSS }).waitFor();
    await page.getByText('<script>alert(2)</script>').waitFor();
    await page.getByText('<b onmouseover=alert(3)>note</b>', { exact: false }).waitFor();
    await page.getByRole('heading', { name: XSS }).hover();
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.locator('main script, main b').count()).toBe(0);
    expect(b.dialogs).toEqual([]);
    expect(await page.title()).toContain(XSS);
  });

  it('stays usable on a narrow window', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${server.url}/tickets`);
    await page.getByRole('heading', { name: 'Tickets' }).waitFor();
    const sidebar = page.getByRole('complementary', { name: 'Main navigation' });
    expect(await sidebar.isVisible()).toBe(false);
    expect(await noSideScroll(page)).toBe(true);
    await screenshot(page, 'tickets-narrow');

    await page.getByRole('button', { name: 'Menu' }).click();
    await sidebar.waitFor({ state: 'visible' });
    await screenshot(page, 'menu-narrow');
    await sidebar.getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    await expect.poll(() => sidebar.isVisible()).toBe(false);
    expect(await noSideScroll(page)).toBe(true);

    await page.goto(`${server.url}/tickets/${ticketId}`);
    await page.getByRole('heading', { name: /Printer on floor 2 jams/ }).waitFor();
    expect(await noSideScroll(page)).toBe(true);
    await page.getByLabel('Add a note').fill('From my phone');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('list', { name: 'Ticket history' }).getByText('From my phone').waitFor();
    await screenshot(page, 'ticket-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(b.pageErrors).toEqual([]);
  });
});
