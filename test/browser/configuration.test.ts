import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/mail-helpers.ts';
import { ADMIN, type TestServer } from '../support/test-server.ts';
import { describeBrowser, here, nav, openAsAdmin, screenshot, signIn, type Browser } from './browser.ts';

const AGENT = { name: 'Alex Agent', email: 'alex@msp.example', password: 'agent-password-1' };

describeBrowser('configuration: ticket types, agents, API tokens, mailboxes, audit log', () => {
  let server: TestServer;
  let b: Browser;

  beforeAll(async () => {
    ({ server, b } = await openAsAdmin({ path: '/config/ticket-types' }));
  });
  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });

  it('adds a ticket type, makes it the default and renames it', async () => {
    const { page } = b;
    await page.getByRole('heading', { name: 'Ticket types' }).waitFor();
    expect(here(page)).toBe('/config/ticket-types');
    await page.getByLabel('Name', { exact: true }).fill('Change request');
    await page.getByLabel('Make it the default').check();
    await page.getByRole('button', { name: 'Add type' }).click();
    const row = page.locator('tr', { hasText: 'Change request' });
    await row.locator('.badge', { hasText: 'Default' }).waitFor();
    expect(await page.locator('tr', { hasText: 'Incident' }).locator('.badge', { hasText: 'Default' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Rename Change request' }).click();
    await page.getByLabel('Name of Change request').fill('Change');
    await page.keyboard.press('Enter');
    await page.locator('tr', { hasText: 'Change' }).locator('.badge', { hasText: 'Default' }).waitFor();
    await page.locator('tr', { hasText: 'Incident' }).getByRole('button', { name: 'Make default' }).click();
    await page.locator('tr', { hasText: 'Incident' }).locator('.badge', { hasText: 'Default' }).waitFor();
    await screenshot(page, 'ticket-types');
  });

  it('adds an agent, who signs in without the administrator screens, reads mailboxes and email rules without changing them, and changes their password', async () => {
    const { page } = b;
    await nav(page, 'Agents').click();
    await page.getByRole('button', { name: 'New agent' }).click();
    await page.getByLabel('Name', { exact: true }).fill(AGENT.name);
    await page.getByLabel('E-mail').fill(AGENT.email);
    await page.getByLabel('Initial password').fill('short');
    await page.getByRole('button', { name: 'Add agent' }).click();
    await page.getByText(/at least 8 characters|password/i).first().waitFor();
    await page.getByLabel('Initial password').fill(AGENT.password);
    await page.getByRole('button', { name: 'Add agent' }).click();
    const row = page.locator('tr', { hasText: AGENT.email });
    await row.getByText('Active').waitFor();
    await row.getByRole('button', { name: 'Deactivate' }).click();
    await row.getByText('Deactivated').waitFor();
    await row.getByRole('button', { name: 'Reactivate' }).click();
    await row.getByText('Active', { exact: true }).waitFor();
    await screenshot(page, 'agents');

    // Mail the agent can look into (why did this e-mail do that?) but not change.
    const mailbox = (await server.admin.post('/api/mailboxes', { name: 'Agent-visible uploads', kind: 'upload' })).body.id;
    const rule = (await server.admin.post('/api/email-rules', { name: 'Newsletters away', conditions: [{ field: 'subject', operator: 'contains', value: 'newsletter' }], actions: [{ type: 'ignore' }] })).body.id;

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, AGENT.email, AGENT.password);
    await page.getByRole('heading', { name: 'Tickets' }).waitFor();
    expect(await nav(page, 'Integrations').count()).toBe(0);
    await page.goto(`${server.url}/config/integrations`);
    await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
    await nav(page, 'Ticket types').click();
    expect(await page.getByRole('button', { name: 'Add type' }).count()).toBe(0);

    await nav(page, 'Email rules').click();
    const ruleRow = page.getByTestId('rule-row').filter({ hasText: 'Newsletters away' });
    await ruleRow.waitFor();
    expect(await ruleRow.getByRole('link').count()).toBe(0);
    expect(await ruleRow.getByRole('button').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'New rule' }).count()).toBe(0);
    await page.goto(`${server.url}/config/email/rules/${rule}`);
    await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
    await nav(page, 'Mailboxes').click();
    await page.getByRole('link', { name: 'Agent-visible uploads' }).click();
    await page.getByLabel('Upload .eml').waitFor();
    expect(await page.getByRole('button', { name: 'Edit', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    await nav(page, 'Mailboxes').click();
    await page.getByRole('link', { name: 'Agent-visible uploads' }).waitFor();
    expect(await page.getByRole('button', { name: 'Add mailbox' }).count()).toBe(0);

    // The agent changes the password the administrator gave them.
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.getByLabel('Current password').fill('not-the-password');
    await page.getByLabel('New password', { exact: true }).fill('alex-own-password-2');
    await page.getByLabel('New password again').fill('alex-own-password-2');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('.field-error', { hasText: 'is not your current password' }).waitFor();
    await page.getByLabel('Current password').fill(AGENT.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('.toast', { hasText: 'Password changed' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, AGENT.email, 'alex-own-password-2');
    await page.getByRole('heading', { name: 'Tickets' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, ADMIN.email, ADMIN.password);
    expect((await server.admin.delete(`/api/email-rules/${rule}`)).status).toBe(204);
    expect((await server.admin.delete(`/api/mailboxes/${mailbox}`)).status).toBe(204);
  });

  it('creates an API token that is shown once and works, then revokes it', async () => {
    const { page } = b;
    await nav(page, 'API tokens').click();
    await page.getByText('No tokens yet').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('PSA sync script');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').textContent())!;
    expect(token.length).toBeGreaterThan(20);
    const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    await screenshot(page, 'api-tokens');

    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('new-token').count()).toBe(0);
    expect(await page.content()).not.toContain(token);
    b.acceptConfirms = true;
    await page.locator('tr', { hasText: 'PSA sync script' }).getByRole('button', { name: 'Revoke' }).click();
    await page.locator('tr', { hasText: 'PSA sync script' }).getByText('Revoked').waitFor();
    b.acceptConfirms = false;
    expect((await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('adds IMAP and SMTP mailboxes and shows their health', async () => {
    const { page } = b;
    await nav(page, 'Mailboxes').click();
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Support inbox');
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByLabel('Security').selectOption('none');
    await page.getByLabel('Port').fill('1');
    await page.getByLabel('Username').fill('support@msp.example');
    await page.getByLabel('Password').fill('imap-secret');
    // Trying the settings first says what is wrong before anything is saved.
    await page.getByTestId('imap-test').getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('imap-test').getByText('IMAP server refused the connection').waitFor();
    await page.getByRole('button', { name: 'Add mailbox', exact: true }).last().click();
    await page.getByRole('heading', { name: 'Support inbox' }).waitFor();
    await page.getByText('127.0.0.1:1 (none)').waitFor();
    expect(await page.content()).not.toContain('imap-secret');

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByText('Leave empty to keep the stored password.').waitFor();
    await page.getByLabel('Folder').fill('Support');
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    await page.locator('.fact', { hasText: 'Folder' }).getByText('Support').waitFor();

    await nav(page, 'Mailboxes').click();
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Alerts relay');
    await page.getByLabel('Kind').selectOption('smtp');
    await page.getByLabel('Port').fill(String(await freePort()));
    await page.getByLabel('Accepted addresses').fill('alerts@desk.msp.example');
    await page.getByRole('button', { name: 'Add mailbox', exact: true }).last().click();
    await page.getByRole('heading', { name: 'Alerts relay' }).waitFor();

    await nav(page, 'Mailboxes').click();
    await page.locator('tr', { hasText: 'Support inbox' }).waitFor();
    // The IMAP server refuses the connection: the list says so.
    await expect.poll(async () => {
      await page.reload();
      return page.locator('tr', { hasText: 'Support inbox' }).textContent();
    }, { timeout: 20_000 }).toMatch(/Error|Not connected/);
    await page.locator('tr', { hasText: 'Alerts relay' }).getByText('alerts@desk.msp.example · port').waitFor();
    await screenshot(page, 'mailboxes');
  });

  it('lists the integration modules', async () => {
    const { page } = b;
    await nav(page, 'Integrations').click();
    const row = page.locator('li.module', { hasText: 'Datto RMM' });
    await row.getByRole('switch', { name: 'Datto RMM enabled' }).waitFor();
    expect(await row.getByRole('switch').getAttribute('aria-checked')).toBe('false');
    await screenshot(page, 'integrations');
  });

  it('records changes in the audit log', async () => {
    const { page } = b;
    await nav(page, 'Audit log').click();
    await page.locator('tr', { hasText: 'Agent created' }).first().waitFor();
    await page.locator('tr', { hasText: 'Ticket type' }).first().waitFor();
    expect(await page.content()).not.toContain('imap-secret');
    await screenshot(page, 'audit-log');
  });

  it('says what to do when a record does not exist', async () => {
    const { page } = b;
    await page.goto(`${server.url}/tickets/999999`);
    await page.getByRole('heading', { name: 'Ticket #999999 does not exist' }).waitFor();
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await page.goto(`${server.url}/customers/424242`);
    await page.getByRole('heading', { name: 'Customer #424242 does not exist' }).waitFor();
    await page.goto(`${server.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('link', { name: 'ticket list' }).click();
    await page.getByRole('heading', { name: 'Tickets' }).waitFor();
    expect(b.pageErrors).toEqual([]);
  });
});
