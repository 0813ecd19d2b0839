import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/mail-helpers.ts';
import { ADMIN, startTestServer, type TestServer } from '../support/test-server.ts';
import { describeBrowser, ensureWebBuilt, openBrowser, signIn, type Browser } from './browser.ts';

const MB = 1024 * 1024;

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

  it('an SMTP mailbox keeps its size limit when other fields are saved, and the limit can be changed', async () => {
    const { page } = b;
    const port = await freePort();
    const created = await server.admin.post('/api/mailboxes', { name: 'Small relay', kind: 'smtp', smtp: { port, addresses: ['small@desk.example'], maxMessageBytes: MB } });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    await open(`/config/email/mailboxes/${id}`);
    await page.getByText('1 MB', { exact: true }).waitFor();
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
});
