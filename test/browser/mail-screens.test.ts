import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, storeRuleUnchecked } from '../support/mail-helpers.ts';
import { ADMIN, startTestServer, type TestServer } from '../support/test-server.ts';
import { describeBrowser, ensureWebBuilt, openBrowser, signIn, type Browser } from './browser.ts';

const MB = 1024 * 1024;

function mail(subject: string) {
  return [
    'From: Pat Customer <pat@customer.example>', 'To: help@desk.example', `Subject: ${subject}`,
    `Message-ID: <${crypto.randomUUID()}@customer.example>`, 'Content-Type: text/plain', '', 'Hello, the printer is down.', '',
  ].join('\r\n');
}

/** The text of a select's chosen option. */
const chosen = (page: Page, label: string) =>
  page.getByLabel(label, { exact: true }).evaluate((el: any) => el.options[el.selectedIndex]?.text ?? null);
/** Whether the control with this label has the keyboard focus. */
const hasFocus = (page: Page, label: string) => page.getByLabel(label, { exact: true }).evaluate((el: any) => el === (globalThis as any).document.activeElement);

describeBrowser('mail screens: mailboxes and email rules', () => {
  let server: TestServer;
  let b: Browser;
  /** Every dialog's message, and the answers the next confirm() dialogs get (none left: dismissed). */
  const dialogs: string[] = [];
  const answers: boolean[] = [];

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startTestServer();
    b = await openBrowser();
    // This file answers each confirm() itself; leaving a page with unsaved changes is allowed.
    b.page.removeAllListeners('dialog');
    b.page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      const yes = d.type() === 'beforeunload' || (d.type() === 'confirm' && answers.shift() === true);
      void (yes ? d.accept() : d.dismiss()).catch(() => {});
    });
    await b.page.goto(`${server.url}/config/email/mailboxes`);
    await signIn(b.page, ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    await b?.close();
    await server?.stop();
  });

  const open = (path: string) => b.page.goto(server.url + path);
  const upload = async (mailboxId: number, subject: string) =>
    expect((await server.admin.post(`/api/mailboxes/${mailboxId}/messages`, mail(subject), { contentType: 'message/rfc822' })).status).toBe(202);
  const uploadBox = async (name: string) => (await server.admin.post('/api/mailboxes', { name, kind: 'upload' })).body.id as number;
  /** Rules that each ignore mail whose subject holds their name, in this order; their ids. */
  const ignoringRules = async (...names: string[]) => {
    const ids: number[] = [];
    for (const name of names) {
      ids.push((await server.admin.post('/api/email-rules', { name, conditions: [{ field: 'subject', operator: 'contains', value: name }], actions: [{ type: 'ignore' }] })).body.id);
    }
    return ids;
  };

  it('an SMTP mailbox keeps its size limit when other fields are saved, and the limit can be changed', async () => {
    const { page } = b;
    const port = await freePort();
    const created = await server.admin.post('/api/mailboxes', { name: 'Small relay', kind: 'smtp', smtp: { port, addresses: ['small@desk.example'], maxMessageBytes: MB } });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    await open(`/config/email/mailboxes/${id}`);
    await page.getByText('1 MB', { exact: true }).waitFor();
    // A mailbox of any kind takes an upload, not only an upload mailbox.
    await page.getByLabel('Upload .eml').waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    const limit = page.getByLabel('Size limit (MB)');
    expect(await limit.inputValue()).toBe('1');
    await page.getByLabel('Accepted addresses').fill('small@desk.example, more@desk.example');
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    await page.locator('.toast', { hasText: 'Mailbox saved' }).waitFor();
    let smtp = (await server.admin.get(`/api/mailboxes/${id}`)).body.smtp;
    expect(smtp.addresses).toEqual(['small@desk.example', 'more@desk.example']);
    expect(smtp.maxMessageBytes).toBe(MB);

    await page.getByRole('button', { name: 'Edit' }).click();
    // Above what the server accepts: the form says so and sends nothing.
    await limit.fill('51');
    expect(await limit.evaluate((el: any) => el.validity.rangeOverflow)).toBe(true);
    await limit.fill('10');
    await page.getByRole('button', { name: 'Save mailbox' }).click();
    await page.getByText('10 MB', { exact: true }).waitFor();
    smtp = (await server.admin.get(`/api/mailboxes/${id}`)).body.smtp;
    expect(smtp.maxMessageBytes).toBe(10 * MB);
    expect(smtp.addresses).toEqual(['small@desk.example', 'more@desk.example']);
  });

  it('deleting a mailbox that received mail asks again in plain words, and deletes it only when confirmed', async () => {
    const { page } = b;
    const id = await uploadBox('Old uploads');
    await upload(id, 'Printer down');
    const rule = await server.admin.post('/api/email-rules', { name: 'Old uploads only', conditions: [{ field: 'mailbox', value: id }], actions: [{ type: 'ignore' }] });
    expect(rule.status).toBe(201);
    await open(`/config/email/mailboxes/${id}`);
    const remove = page.getByRole('button', { name: 'Delete' });

    // The second question is answered no: nothing is deleted, and no error with API syntax shows.
    dialogs.length = 0;
    answers.push(true, false);
    await remove.click();
    await expect.poll(() => dialogs.length).toBe(2);
    const second = dialogs[1]!;
    expect(second).toMatch(/has received 1 message\b/);
    expect(second).toContain('history');
    expect(second).toContain('“Old uploads only”');
    expect(second).toMatch(/match no mail/);
    expect(second).toMatch(/Delete anyway\?$/);
    expect(second).not.toContain('force');
    await page.waitForTimeout(300);
    expect(await page.locator('body').textContent()).not.toContain('force=true');
    expect((await server.admin.get(`/api/mailboxes/${id}`)).status).toBe(200);

    // Yes twice: deleted with its messages; the rule is flagged.
    answers.push(true, true);
    await remove.click();
    await page.waitForURL((u) => u.pathname === '/config/email/mailboxes');
    expect((await server.admin.get(`/api/mailboxes/${id}`)).status).toBe(404);
    expect((await server.admin.get(`/api/email-rules/${rule.body.id}`)).body.problems).toHaveLength(1);
    await server.admin.delete(`/api/email-rules/${rule.body.id}`);
  });

  it('the mailbox page and the mailbox list show new mail without a reload', async () => {
    const { page } = b;
    const id = await uploadBox('Live box');
    await open(`/config/email/mailboxes/${id}`);
    await page.getByText('No messages received yet').waitFor();
    const lastMessage = page.locator('.fact', { hasText: 'Last message' });
    expect(await lastMessage.textContent()).toContain('never');
    // The state filter the user picked stays.
    await page.locator('#trace-state').selectOption('processed');
    await upload(id, 'Arrived while watching');
    await page.getByTestId('trace-row').filter({ hasText: 'Arrived while watching' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#trace-state').inputValue()).toBe('processed');
    await expect.poll(() => lastMessage.textContent(), { timeout: 20_000 }).not.toContain('never');

    const other = await uploadBox('Quiet box');
    await open('/config/email/mailboxes');
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'Quiet box', exact: true }) });
    await row.getByText('never').waitFor();
    await upload(other, 'Into the quiet box');
    await row.getByText('never').waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('a rule naming a deleted mailbox shows that in its select, and saves once a real mailbox is picked', async () => {
    const { page } = b;
    const kept = await uploadBox('Kept box');
    const doomed = await uploadBox('Doomed box');
    const rule = (await server.admin.post('/api/email-rules', {
      name: 'Only the doomed box', conditions: [{ field: 'mailbox', value: doomed }], actions: [{ type: 'ignore' }],
    })).body as { id: number };
    expect((await server.admin.delete(`/api/mailboxes/${doomed}?force=true`)).status).toBe(204);
    await open(`/config/email/rules/${rule.id}`);
    await expect.poll(() => chosen(page, 'Value of condition 1')).toBe(`(deleted mailbox #${doomed})`);
    expect(await page.getByLabel('Value of condition 1').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Value of condition 1').selectOption(String(kept));
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.locator('.toast', { hasText: 'Rule “Only the doomed box” saved' }).waitFor();
    expect((await server.admin.get(`/api/email-rules/${rule.id}`)).body.conditions[0].value).toBe(kept);
    await server.admin.delete(`/api/email-rules/${rule.id}`);

    // A ticket type or customer that is gone (a rule stored before references were checked) shows the same way.
    const unchecked = await storeRuleUnchecked(server.ctx.db, {
      name: 'Names gone rows', conditions: [], actions: [{ type: 'create-ticket', params: { ticketTypeId: 9999, customerId: 8888 } }],
    });
    await open(`/config/email/rules/${unchecked}`);
    await expect.poll(() => chosen(page, 'Ticket type')).toBe('(deleted ticket type #9999)');
    await expect.poll(() => chosen(page, 'Customer')).toBe('(deleted customer #8888)');
    await server.admin.delete(`/api/email-rules/${unchecked}`);
  });

  it('keyboard: Add mailbox focuses the Name field; the rule list keeps focus on the control used', async () => {
    const { page } = b;
    await open('/config/email/mailboxes');
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByLabel('Name', { exact: true }).waitFor();
    expect(await hasFocus(page, 'Name')).toBe(true);

    const ids = await ignoringRules('Key A', 'Key B', 'Key C');
    try {
      await open('/config/email/rules');
      await page.getByRole('button', { name: 'Move Key A down' }).focus();
      await page.keyboard.press('Enter');
      await page.locator('.toast', { hasText: '“Key A” is now rule' }).waitFor();
      await page.waitForTimeout(200);
      expect(await hasFocus(page, 'Move Key A down')).toBe(true);
      await page.keyboard.press('Enter');
      await page.locator('.toast', { hasText: '“Key A” is now rule 3' }).waitFor();
      await page.waitForTimeout(200);
      // The last rule's down arrow cannot be used: the focus goes to its up arrow, not to the page.
      expect(await hasFocus(page, 'Move Key A up')).toBe(true);

      await page.getByLabel('Key B enabled').focus();
      await page.keyboard.press('Space');
      await page.locator('.toast', { hasText: '“Key B” disabled' }).waitFor();
      await page.waitForTimeout(200);
      expect(await hasFocus(page, 'Key B enabled')).toBe(true);
      expect((await server.admin.get(`/api/email-rules/${ids[1]}`)).body.enabled).toBe(false);
    } finally {
      for (const id of ids) await server.admin.delete(`/api/email-rules/${id}`);
    }
  });

  it('keyboard: a field focused in the rule editor is not hidden behind the Save bar', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 1280, height: 720 });
    try {
      await open('/config/email/rules/new');
      await page.getByLabel('Name', { exact: true }).waitFor();
      await page.waitForLoadState('networkidle');
      await page.getByLabel('Action 1').focus();
      const hidden: string[] = [];
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press('Tab');
        const overlap = await page.evaluate(`(() => {
          const el = document.activeElement, bar = document.querySelector('.sticky-actions');
          if (!el || !bar || bar.contains(el)) return null;
          const r = el.getBoundingClientRect(), top = bar.getBoundingClientRect().top;
          return r.bottom > top + 1 ? (el.getAttribute('aria-label') || el.id || el.tagName) + ' ends at ' + Math.round(r.bottom) + ', bar at ' + Math.round(top) : null;
        })()`);
        if (overlap) hidden.push(overlap as string);
      }
      expect(hidden).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('errors of the mailbox form name the field as the form does, beside that field', async () => {
    const { page } = b;
    const port = await freePort();
    expect((await server.admin.post('/api/mailboxes', { name: 'Taken name', kind: 'smtp', smtp: { port, addresses: ['taken@desk.example'] } })).status).toBe(201);
    await open('/config/email/mailboxes');
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Second relay');
    await page.getByLabel('Kind').selectOption('smtp');
    await page.getByLabel('Port').fill(String(port));
    await page.getByLabel('Accepted addresses').fill('second@desk.example');
    await page.getByRole('button', { name: 'Add mailbox', exact: true }).last().click();
    const error = page.locator('.mailbox-form > .inline-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(`Port: another SMTP mailbox already listens on port ${port}`);
    expect(await page.getByLabel('Port').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field', { has: page.getByLabel('Port') }).locator('.field-error').textContent()).toBe(`another SMTP mailbox already listens on port ${port}`);

    await page.getByLabel('Name', { exact: true }).fill('taken NAME');
    await page.getByLabel('Port').fill(String(await freePort()));
    await page.getByRole('button', { name: 'Add mailbox', exact: true }).last().click();
    await expect.poll(() => error.textContent()).toMatch(/^Name: mailbox \d+ is already called "Taken name"; give this one another name$/);
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Kind').selectOption('imap');
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByLabel('Username').fill('desk');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const testError = page.getByTestId('imap-test').locator('.inline-error');
    await testError.waitFor();
    expect(await testError.textContent()).toBe('Password: enter the password to test the connection');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
  });

  it('a failed reorder says so in plain words, and the message goes once a later change succeeds', async () => {
    const { page } = b;
    const ids = await ignoringRules('Order A', 'Order B', 'Order C');
    try {
      await open('/config/email/rules');
      await page.getByRole('button', { name: 'Move Order A down' }).waitFor();
      // Another administrator deletes a rule meanwhile: the order this page sends is no longer complete.
      await server.admin.delete(`/api/email-rules/${ids.pop()}`);
      await page.getByRole('button', { name: 'Move Order A down' }).click();
      const error = page.locator('.inline-error');
      await error.waitFor();
      expect(await error.textContent()).not.toMatch(/\bids\b/);
      await page.getByLabel('Order B enabled').click();
      await page.locator('.toast', { hasText: '“Order B” disabled' }).waitFor();
      await error.waitFor({ state: 'detached' });
    } finally {
      for (const id of ids) await server.admin.delete(`/api/email-rules/${id}`);
    }
  });
});
