import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDattoEmulator, type DattoEmulator } from '../datto-emulator/index.ts';
import { eventually, login, startTestServer, type Api, type TestServer } from '../support/test-server.ts';
import { describeBrowser, ensureWebBuilt, here, nav, openBrowser, screenshot, type Browser } from './browser.ts';

/** Emulator and client share a shrunk clock: Datto's 60 s rate window is 1 s. */
const windowFactor = 60;
const FROM = 'alerts@rmm.example-msp.com';
const ADMIN = { name: 'Sam Admin', email: 'sam@msp.example', password: 'datto-story-1' };

function alertMail(uid: string, device: string) {
  return [
    `From: Datto RMM <${FROM}>`,
    'To: alerts@desk.example-msp.com',
    `Subject: Alert on device: ${device}, reason Disk usage above 90% - Alert{${uid}}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${crypto.randomUUID()}@rmm.example-msp.com>`,
    'Content-Type: text/plain; charset="utf-8"',
    'MIME-Version: 1.0',
    '',
    `Device: ${device}\r\nDisk C: 93% used`,
    '',
  ].join('\r\n');
}

describeBrowser('Datto RMM end to end: setup, import, mapping, alert e-mail, resolve', () => {
  let server: TestServer;
  let emu: DattoEmulator;
  let b: Browser;
  let api: Api;
  let mailboxId = 0;
  let ticketId = 0;
  let alertUid = '';

  beforeAll(async () => {
    await ensureWebBuilt();
    emu = await startDattoEmulator({ windowFactor, sites: 3, devicesPerSite: 2, alerts: 0, resolvedAlerts: 0, paging: { pageMax: 1 } });
    server = await startTestServer({
      withAdmin: false,
      start: { modules: { 'datto-rmm': { client: { windowFactor, timeoutMs: 3_000, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 } } } } },
    });
    b = await openBrowser();
  });
  afterAll(async () => {
    await b?.close();
    await server?.stop();
    await emu?.stop();
  });

  const resolveCalls = (uid: string) => emu.log.entries.filter((e) => e.method === 'POST' && e.path === `/api/v2/alert/${uid}/resolve`);

  const uploadEml = async (page: Page, raw: string, name: string) => {
    await page.goto(`${server.url}/config/email/mailboxes/${mailboxId}`);
    await page.getByRole('heading', { name: 'Upload messages' }).waitFor();
    await page.getByLabel('Upload .eml').setInputFiles({ name, mimeType: 'message/rfc822', buffer: Buffer.from(raw) });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByTestId('upload-results').getByText(name).waitFor();
  };

  it('first run, then an upload mailbox', async () => {
    const { page } = b;
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('E-mail').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Repeat password').fill(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Tickets' }).waitFor();
    api = await login(server.url, ADMIN.email, ADMIN.password);

    await nav(page, 'Mailboxes').click();
    await page.getByText('No mailboxes yet').waitFor();
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Datto alerts');
    await page.getByLabel('Kind').selectOption('upload');
    await page.getByRole('button', { name: 'Add mailbox', exact: true }).last().click();
    await page.getByRole('heading', { name: 'Datto alerts' }).waitFor();
    mailboxId = Number(new URL(page.url()).pathname.split('/').pop());
    expect(mailboxId).toBeGreaterThan(0);
    await page.getByText('No messages received yet').waitFor();
  });

  it('enables Datto RMM: credentials, test connection, alerting', async () => {
    const { page } = b;
    await nav(page, 'Integrations').click();
    const row = page.locator('li.module', { hasText: 'Datto RMM' });
    await row.getByRole('switch', { name: 'Datto RMM enabled' }).click();
    // Not configured yet: switching it on opens the setup screen.
    await page.getByRole('heading', { name: 'Datto RMM' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/config/integrations/datto-rmm');
    await page.getByText('To turn Datto RMM on:').waitFor();

    await page.getByLabel('API URL').fill(emu.url);
    await page.getByLabel('API Key', { exact: true }).fill(emu.apiKey);
    await page.getByLabel('API Key Secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('datto-test-result');
    await result.getByText('Connection failed.').waitFor();
    // Saved and switched on anyway: the page says at once that Datto refuses these credentials.
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await page.getByText('Credentials saved').first().waitFor();
    await page.getByRole('switch', { name: 'Datto RMM enabled' }).click();
    await page.getByText(/^Enabled, but the connection test failed: .*rejected the API key/).waitFor();
    await page.getByRole('switch', { name: 'Datto RMM enabled' }).click();
    await page.locator('.header-meta').getByText('Disabled').waitFor();

    await page.locator('#datto-connection').getByRole('button', { name: 'Replace' }).click();
    await page.getByLabel('API Key Secret').fill(emu.apiSecret);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await result.getByText(`Connected to ${emu.state.account.name}.`).waitFor();
    await expect.poll(() => result.textContent()).toMatch(/requests used/);
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await page.getByText('Credentials saved').waitFor();
    // The secret is write-only: the form shows that it is set, never its value.
    await page.locator('#datto-connection').getByText('Set', { exact: true }).waitFor();
    expect(await page.content()).not.toContain(emu.apiSecret);

    await page.getByRole('switch', { name: 'Datto RMM enabled' }).click();
    await page.locator('.header-meta').getByText('Enabled').waitFor();

    const alerting = page.locator('#datto-alerting');
    await alerting.getByLabel('Mailbox').selectOption({ label: 'Datto alerts (upload)' });
    await alerting.getByLabel('From Address').fill(FROM);
    await alerting.getByLabel('Default Ticket Type').selectOption({ label: 'Alert' });
    await alerting.getByRole('button', { name: 'Save alerting' }).click();
    await alerting.getByRole('link', { name: 'Datto RMM Alerts' }).waitFor();
    expect(await alerting.getByTestId('subject-format').textContent()).toBe('Alert on device: [ipaddress], reason [alert] - Alert{[alertuid]}');
    const webhook = await alerting.getByTestId('webhook-url').textContent();
    expect(webhook).toMatch(new RegExp(`^${server.url}/hooks/datto-rmm/\\S+$`));
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'datto-settings');
  });

  it('imports the Datto sites with a live progress bar', async () => {
    const { page } = b;
    const importCard = page.locator('#datto-import');
    await importCard.getByLabel('Schedule').selectOption({ label: 'Off (manual only)' });
    await importCard.getByRole('button', { name: 'Save import settings' }).click();
    await expect.poll(() => importCard.getByRole('button', { name: 'Save import settings' }).isDisabled()).toBe(true);

    emu.faults.slow(400, { path: '/api/v2/account/sites' });
    await importCard.getByRole('button', { name: 'Sync sites now' }).click();
    const bar = importCard.getByRole('progressbar', { name: 'Sites import progress' });
    await bar.waitFor();
    await importCard.scrollIntoViewIfNeeded();
    await screenshot(page, 'datto-import-progress');
    await importCard.getByTestId('sync-sites').getByText('3 in Datto · 3 created').waitFor({ timeout: 20_000 });
    emu.faults.clear();
    // The site mapping table on the same page shows the imported sites without a reload.
    await page.locator('#datto-mappings').getByText(emu.state.sites[0]!.name).first().waitFor();
    expect((await api.get('/api/customers')).body.items).toHaveLength(3);
  });

  it('maps two Datto sites to one customer, and flags a customer without a main site', async () => {
    const { page } = b;
    const [siteA, siteB] = emu.state.sites;
    const customers = (await api.get('/api/customers')).body.items as Array<{ id: number; name: string; mainSiteId: number }>;
    const customerA = customers.find((c) => c.name === siteA!.name)!;

    // A branch site under customer A that Datto site B will point to.
    await page.goto(`${server.url}/customers/${customerA.id}`);
    await page.getByLabel('New site name').fill('Branch office');
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('link', { name: 'Branch office' }).waitFor();

    // Customer C loses its main site: the mapping table says so.
    const customerC = customers.find((c) => c.name === emu.state.sites[2]!.name)!;
    await api.patch(`/api/customers/${customerC.id}`, { mainSiteId: null });

    await page.goto(`${server.url}/config/integrations/datto-rmm#datto-mappings`);
    const mappings = page.locator('#datto-mappings');
    await expect.poll(() => mappings.getByTestId('mapping-row').count()).toBe(3);
    const rowC = mappings.getByTestId('mapping-row').filter({ hasText: emu.state.sites[2]!.name });
    await rowC.getByText('No main site').waitFor();
    await mappings.getByText('One mapped customer has no main site.').waitFor();

    await mappings.getByLabel('Search Datto sites').fill(siteB!.name);
    await expect.poll(() => mappings.getByTestId('mapping-row').count()).toBe(1);
    const rowB = mappings.getByTestId('mapping-row').first();
    await rowB.getByRole('combobox').selectOption({ label: `${customerA.name} — Branch office` });
    await rowB.getByRole('button', { name: 'Save' }).click();
    await rowB.getByText('Manual').waitFor();
    await mappings.getByLabel('Search Datto sites').fill('');
    await expect.poll(() => mappings.getByTestId('mapping-row').count()).toBe(3);
    await mappings.scrollIntoViewIfNeeded();
    await screenshot(page, 'datto-site-mapping');

    const links = (await api.get('/api/integrations/datto-rmm/site-mappings')).body.items as Array<{ dattoSiteUid: string; customerId: number }>;
    expect(links.find((l) => l.dattoSiteUid === siteA!.uid)!.customerId).toBe(customerA.id);
    expect(links.find((l) => l.dattoSiteUid === siteB!.uid)!.customerId).toBe(customerA.id);
    await api.patch(`/api/customers/${customerC.id}`, { mainSiteId: customers.find((c) => c.id === customerC.id)!.mainSiteId });

    const devices = (await api.post('/api/integrations/datto-rmm/sync', { what: 'devices' })).body;
    await eventually(async () => (await api.get(`/api/jobs/${devices.id}`)).body.state === 'done', 20_000);
  });

  it('an alert e-mail becomes a ticket of the right customer; a second copy adds an occurrence', async () => {
    const { page } = b;
    const siteB = emu.state.sites[1]!;
    const device = emu.state.devicesOfSite(siteB.uid)[0]!;
    const alert = emu.state.addAlert({ deviceUid: device.uid, priority: 'High', diagnostics: 'Disk C: 93% used (threshold 90%)', timestamp: Date.now() });
    alertUid = alert.alertUid;
    const customerA = emu.state.sites[0]!.name;

    await uploadEml(page, alertMail(alertUid, device.hostname), 'alert-1.eml');
    const trace = page.getByTestId('trace-row').first();
    await trace.getByText('processed').waitFor({ timeout: 15_000 });
    await trace.getByText('Datto RMM Alerts').waitFor();
    await screenshot(page, 'mailbox-trace');
    await trace.getByRole('link', { name: /^Ticket / }).waitFor();
    ticketId = Number((await trace.getByRole('link', { name: /^Ticket / }).getAttribute('href'))!.split('/').pop());

    // The ticket is placed through the alert's device and the site mapping (a background job).
    await eventually(async () => (await api.get(`/api/tickets/${ticketId}`)).body.customerId !== null, 15_000);
    await nav(page, 'Tickets').click();
    const row = page.locator('tbody tr', { has: page.locator(`a[href="/tickets/${ticketId}"]`) });
    await row.waitFor();
    await row.getByText(customerA).waitFor();
    await row.getByText('Branch office').waitFor();
    await row.getByText('E-mail').waitFor();

    await uploadEml(page, alertMail(alertUid, device.hostname), 'alert-2.eml');
    // The first copy's row is already "processed": the second's row has to be there before that says anything.
    await expect.poll(() => page.getByTestId('trace-row').count(), { timeout: 15_000 }).toBe(2);
    await page.getByTestId('trace-row').first().getByText('processed').waitFor({ timeout: 15_000 });
    expect((await api.get('/api/tickets')).body.items).toHaveLength(1);

    await page.goto(`${server.url}/tickets/${ticketId}`);
    const panel = page.locator('.alert-card');
    await panel.getByText(alertUid).waitFor();
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return page.locator('.header-meta').textContent();
    }).toContain('2 occurrences');
    await panel.getByText('Disk C: 93% used (threshold 90%)').waitFor();
    await page.getByRole('list', { name: 'Ticket history' }).locator('li', { hasText: 'Alert occurrence' }).first().waitFor();
    const portal = page.getByRole('link', { name: /Open in Datto RMM/ }).first();
    expect(await portal.getAttribute('href')).toMatch(/^https?:\/\//);
    expect(await portal.getAttribute('rel')).toBe('noopener noreferrer');
    await page.getByRole('link', { name: /Web remote/ }).first().waitFor();
  });

  it('closing the ticket resolves the alert in Datto exactly once, and the ticket shows it', async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Close ticket' }).click();
    await page.getByLabel('Closing note (optional)').fill('Cleaned up the temp folder.');
    await page.locator('form.close-form').getByRole('button', { name: 'Close ticket' }).click();
    await page.locator('.header-meta .badge', { hasText: 'Closed' }).waitFor();

    // The page follows the resolve by itself: no reload.
    await page.locator('.alert-card').getByText('Resolved in Datto RMM').waitFor({ timeout: 20_000 });
    await page.getByRole('list', { name: 'Ticket history' }).getByText('Alert resolved in Datto RMM.').waitFor();
    await screenshot(page, 'ticket-datto-alert');
    expect(resolveCalls(alertUid).filter((e) => e.status === 200)).toHaveLength(1);
    expect(resolveCalls(alertUid)).toHaveLength(1);
    expect(emu.state.alert(alertUid)!.resolved).toBe(true);

    // The device imported from Datto is the ticket's asset, with its links into Datto.
    const hostname = emu.state.devicesOfSite(emu.state.sites[1]!.uid)[0]!.hostname;
    await page.getByRole('region', { name: 'Device', exact: true }).getByRole('link', { name: hostname }).click();
    await page.getByRole('heading', { name: hostname }).waitFor();
    await page.getByRole('link', { name: /Open in Datto RMM/ }).waitFor();
    await page.locator('tbody tr', { has: page.locator(`a[href="/tickets/${ticketId}"]`) }).waitFor();
    await screenshot(page, 'asset');

    await nav(page, 'Assets').click();
    await page.getByRole('link', { name: hostname }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(emu.state.devices.length);
    await screenshot(page, 'assets');
    await nav(page, 'Sites').click();
    await page.getByRole('link', { name: 'Branch office' }).click();
    await page.getByRole('heading', { name: 'Branch office' }).waitFor();
    await page.getByRole('link', { name: hostname }).waitFor();
    await screenshot(page, 'site');
  });

  it('a failed resolve shows the reason and a Retry button that completes it', async () => {
    const { page } = b;
    const device = emu.state.devicesOfSite(emu.state.sites[0]!.uid)[0]!;
    const alert = emu.state.addAlert({ deviceUid: device.uid, priority: 'Critical', diagnostics: 'Service stopped', timestamp: Date.now() });
    await uploadEml(page, alertMail(alert.alertUid, device.hostname), 'alert-3.eml');
    const trace = page.getByTestId('trace-row').first();
    await trace.getByRole('link', { name: /^Ticket / }).waitFor({ timeout: 15_000 });
    await trace.getByRole('link', { name: /^Ticket / }).click();
    await page.locator('.alert-card').getByText(alert.alertUid).waitFor();

    emu.faults.forbid(`/api/v2/alert/${alert.alertUid}/resolve`);
    await page.getByRole('button', { name: 'Close ticket' }).click();
    await page.locator('form.close-form').getByRole('button', { name: 'Close ticket' }).click();
    // The failure appears without a reload.
    await page.getByText('The alert was not resolved in Datto RMM.').first().waitFor({ timeout: 20_000 });
    await page.getByRole('list', { name: 'Ticket history' }).getByText(/Resolving the alert in Datto RMM failed/).waitFor();
    // One place to act on it: the notice at the top, not again in the history and the alert panel.
    expect(await page.getByRole('button', { name: 'Retry resolve' }).count()).toBe(1);
    await screenshot(page, 'ticket-resolve-failed');

    emu.faults.clear();
    await page.getByRole('button', { name: 'Retry resolve' }).click();
    await page.locator('.alert-card').getByText('Resolved in Datto RMM').waitFor({ timeout: 20_000 });
    expect(await page.getByRole('button', { name: 'Retry resolve' }).count()).toBe(0);
    expect(emu.state.alert(alert.alertUid)!.resolved).toBe(true);
  });

  it('edits the rules: reorder, and change the Datto RMM rule like any other', async () => {
    const { page } = b;
    await nav(page, 'Email rules').click();
    await page.getByRole('link', { name: 'New rule' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Ignore newsletters');
    await page.getByLabel('Value of condition 1').fill('newsletter');
    await page.getByLabel('Action 1').selectOption({ label: 'Ignore' });
    await page.getByLabel('Reason').fill('Marketing mail');
    expect(await page.getByLabel(/Accept automated mail/).isChecked()).toBe(false);
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByRole('heading', { name: 'Email rules' }).waitFor();

    const rows = page.getByTestId('rule-row');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('Datto RMM Alerts');
    expect(await rows.nth(0).getByText('Automated mail').count()).toBe(1);
    expect(await rows.nth(1).getByText('Automated mail').count()).toBe(0);
    await page.getByRole('button', { name: 'Move Ignore newsletters up' }).click();
    await expect.poll(() => rows.nth(0).textContent()).toContain('Ignore newsletters');
    const order = (await api.get('/api/email-rules')).body.items.map((r: { name: string }) => r.name);
    expect(order).toEqual(['Ignore newsletters', 'Datto RMM Alerts']);
    await page.getByRole('button', { name: 'Move Ignore newsletters down' }).click();
    await expect.poll(() => rows.nth(0).textContent()).toContain('Datto RMM Alerts');
    await screenshot(page, 'email-rules');

    await rows.nth(0).getByRole('link', { name: 'Datto RMM Alerts' }).click();
    await page.getByText('Integration rule').waitFor();
    await expect.poll(() => page.getByTestId('condition-row').count()).toBe(3);
    expect(await page.getByLabel(/Accept automated mail/).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.getByLabel('Field of condition 4').selectOption({ label: 'Body' });
    await page.getByLabel('Operator of condition 4').selectOption({ label: 'contains' });
    await page.getByLabel('Value of condition 4').fill('Device:');
    await screenshot(page, 'email-rule-edit');

    // The Datto action has no options: no parameters box to guess at.
    await page.getByText('This action has no options').waitFor();
    expect(await page.getByLabel('Parameters (JSON)').count()).toBe(0);
    // A refused save is shown beside the button, wherever the page is scrolled.
    await page.getByLabel('Operator of condition 4').selectOption({ label: 'matches regex' });
    await page.getByLabel('Value of condition 4').fill('Device:(');
    await page.getByRole('button', { name: 'Save rule' }).click();
    const refused = page.locator('.sticky-actions').getByText(/Condition 4 \(value\): regex does not compile/);
    await refused.waitFor();
    expect(await refused.isVisible()).toBe(true);
    await page.getByLabel('Operator of condition 4').selectOption({ label: 'contains' });
    await page.getByLabel('Value of condition 4').fill('Device:');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Rule “Datto RMM Alerts” saved').waitFor();
    const rule = (await api.get('/api/email-rules')).body.items.find((r: { systemKey: string | null }) => r.systemKey === 'datto-rmm-alerts');
    expect(rule.conditions).toHaveLength(4);
    expect(rule.conditions[3]).toEqual({ field: 'body', operator: 'contains', value: 'Device:' });
    expect(rule.acceptAutomated).toBe(true);

    // The edited rule still turns an alert e-mail into a ticket.
    const device = emu.state.devicesOfSite(emu.state.sites[2]!.uid)[0]!;
    const alert = emu.state.addAlert({ deviceUid: device.uid, priority: 'Low', diagnostics: 'Reboot pending', timestamp: Date.now() });
    await uploadEml(page, alertMail(alert.alertUid, device.hostname), 'alert-4.eml');
    await page.getByTestId('trace-row').first().getByRole('link', { name: /^Ticket / }).waitFor({ timeout: 15_000 });
    expect(here(page)).toBe(`/config/email/mailboxes/${mailboxId}`);
  });

  it('shows the raw message, replays it, and reconciles open alerts', async () => {
    const { page } = b;
    const first = page.getByTestId('trace-row').first();
    await first.getByText('processed').waitFor({ timeout: 15_000 });
    await first.getByRole('button', { name: 'View raw' }).click();
    const raw = page.getByRole('region', { name: 'Inbox trace' }).locator('pre.raw');
    await raw.getByText('From: Datto RMM <alerts@rmm.example-msp.com>').waitFor();
    await screenshot(page, 'mailbox-raw');
    await first.getByRole('button', { name: 'Hide raw' }).click();

    // A processed message cannot be replayed; one a rule ignored can, once the rule is fixed.
    expect(await first.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    const newsletter = [
      'From: News <news@vendor.example>', 'To: alerts@desk.example-msp.com', 'Subject: Our monthly newsletter',
      `Message-ID: <${crypto.randomUUID()}@vendor.example>`, 'Content-Type: text/plain', '', 'Hello!', '',
    ].join('\r\n');
    await uploadEml(page, newsletter, 'newsletter.eml');
    const ignored = page.getByTestId('trace-row').first();
    await ignored.getByText('ignored').waitFor({ timeout: 15_000 });
    await ignored.getByText('Marketing mail').waitFor();
    await ignored.getByText('Ignore newsletters').waitFor();

    await nav(page, 'Email rules').click();
    await page.getByRole('switch', { name: 'Ignore newsletters enabled' }).click();
    await page.getByTestId('rule-row').filter({ hasText: 'Ignore newsletters' }).getByText('Disabled').waitFor();
    await page.goto(`${server.url}/config/email/mailboxes/${mailboxId}`);
    await page.getByTestId('trace-row').first().getByRole('button', { name: 'Replay' }).click();
    await page.getByText(/replayed through the rules/).waitFor();
    await expect.poll(async () => {
      await page.getByRole('region', { name: 'Inbox trace' }).getByRole('button', { name: 'Refresh' }).click();
      return page.getByTestId('trace-row').first().textContent();
    }, { timeout: 15_000 }).toMatch(/processed.*Ticket \d+/);

    await page.goto(`${server.url}/config/integrations/datto-rmm#datto-alerts`);
    const alerts = page.locator('#datto-alerts');
    await alerts.locator('tbody tr').first().waitFor();
    expect(await alerts.locator('tbody tr').count()).toBe(3);
    await alerts.getByRole('button', { name: 'Reconcile now' }).click();
    await page.locator('.toast', { hasText: /^\d+ open in Datto: \d+ new tickets?, / }).waitFor({ timeout: 20_000 });
    await alerts.getByRole('button', { name: 'Webhook deliveries' }).click();
    await alerts.getByText('No webhook deliveries yet').waitFor();
    await alerts.getByRole('button', { name: 'All alerts' }).click();
    await alerts.locator('tbody tr').first().waitFor();
    await alerts.scrollIntoViewIfNeeded();
    await screenshot(page, 'datto-alerts');
    expect(b.pageErrors).toEqual([]);
    expect(b.dialogs).toEqual([]);
  });
});
