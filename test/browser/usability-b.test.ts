import crypto from 'node:crypto';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alertMail, emulatorAlert } from '../datto-alerts/alerts-env.ts';
import { startDattoEmulator, type DattoEmulator } from '../datto-emulator/index.ts';
import { freePort } from '../support/mail-helpers.ts';
import { ADMIN, eventually, startTestServer, type TestServer } from '../support/test-server.ts';
import { describeBrowser, ensureWebBuilt, here, nav, noSideScroll, openBrowser, screenshot, signIn, type Browser } from './browser.ts';

const windowFactor = 60;
const FROM = 'alerts@rmm.example-msp.com';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function mail(subject: string) {
  return [
    'From: Pat Customer <pat@customer.example>', 'To: help@desk.example', `Subject: ${subject}`,
    `Message-ID: <${crypto.randomUUID()}@customer.example>`, 'Content-Type: text/plain', '', 'Hello, the printer is down.', '',
  ].join('\r\n');
}

/** Whether a select shows the whole text of its chosen option (text, padding and the arrow fit its box). */
// Page-side functions: `w` is the page's window (this Node-side code has no DOM types).
const selectFits = (select: Locator) => select.evaluate((el: any) => {
  const w: any = globalThis;
  const cs = w.getComputedStyle(el);
  const span = w.document.createElement('span');
  span.style.font = cs.font;
  span.style.whiteSpace = 'pre';
  span.style.position = 'absolute';
  span.textContent = el.options[el.selectedIndex].text;
  w.document.body.append(span);
  const text = span.getBoundingClientRect().width;
  span.remove();
  const need = text + parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight) + 18;
  return need <= el.clientWidth ? true : `${el.options[el.selectedIndex].text} needs ${Math.ceil(need)} px, has ${el.clientWidth}`;
});

/** Controls of form fields that start on the same row of a .form-grid but not at the same height. */
const misaligned = (grid: Locator) => grid.evaluate((g: any) => {
  const rows = new Map<number, Array<[string, number]>>();
  for (const f of g.querySelectorAll(':scope > .field')) {
    const control = f.querySelector(':scope > input, :scope > select, :scope > textarea, :scope > .search-select');
    if (!control) continue;
    const top = Math.round(f.getBoundingClientRect().top);
    rows.set(top, [...(rows.get(top) ?? []), [f.querySelector('label').textContent, Math.round(control.getBoundingClientRect().top)]]);
  }
  return [...rows.values()].filter((r) => new Set(r.map((x) => x[1])).size > 1).map((r) => r.map((x) => x.join(' @ ')).join(' | '));
});

describeBrowser('usability: mailboxes, email rules and Datto RMM settings', () => {
  let server: TestServer;
  let emu: DattoEmulator;
  let b: Browser;
  let uploadId = 0;
  let customerId = 0;

  beforeAll(async () => {
    await ensureWebBuilt();
    emu = await startDattoEmulator({ windowFactor, sites: 2, devicesPerSite: 2, alerts: 6, resolvedAlerts: 0 });
    server = await startTestServer({
      start: { modules: { 'datto-rmm': { client: { windowFactor, timeoutMs: 3_000, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 } } } } },
    });
    const { admin } = server;
    uploadId = (await admin.post('/api/mailboxes', { name: 'Uploads', kind: 'upload' })).body.id;
    customerId = (await admin.post('/api/customers', { name: 'Northwind' })).body.id;
    const saved = await admin.put('/api/integrations/datto-rmm', {
      apiUrl: emu.url, apiKey: emu.apiKey, apiSecret: emu.apiSecret, enabled: true, alerting: { mailboxId: uploadId, fromAddress: FROM },
    });
    expect(saved.status).toBe(200);
    b = await openBrowser();
    await b.page.goto(`${server.url}/config/email/mailboxes`);
    await signIn(b.page, ADMIN.email, ADMIN.password);
  });
  /** Opens a page of the app, first leaving the current one through the app, discarding what a test left unsaved. */
  const open = async (path: string) => {
    const { page } = b;
    if (page.url().startsWith(server.url)) {
      b.acceptConfirms = true;
      await page.getByRole('link', { name: 'New ticket' }).click();
      await page.getByRole('heading', { name: 'New ticket' }).waitFor();
      b.acceptConfirms = false;
    }
    await page.goto(server.url + path);
  };

  afterAll(async () => {
    await b?.close();
    await server?.stop();
    await emu?.stop();
  });

  it('an upload says what became of each file: a failed one in a warning, a processed one with its ticket', async () => {
    const { page } = b;
    await open(`/config/email/mailboxes/${uploadId}`);
    const chooser = page.getByLabel('Upload .eml');
    const button = page.getByRole('button', { name: 'Upload', exact: true });
    await button.waitFor();
    // The button sits beside the file chooser, on its line.
    const [c, u] = [(await chooser.boundingBox())!, (await button.boundingBox())!];
    expect(u.x).toBeGreaterThanOrEqual(c.x + c.width - 1);
    expect(u.x - (c.x + c.width)).toBeLessThan(40);
    expect(Math.abs((u.y + u.height / 2) - (c.y + c.height / 2))).toBeLessThan(8);

    await chooser.setInputFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
    await button.click();
    const results = page.getByTestId('upload-results');
    const failed = results.locator('li', { hasText: 'screenshot.png' });
    await failed.getByText(/failed: not an RFC 822 message/).waitFor();
    expect(await failed.getAttribute('class')).toMatch(/upload-failed/);
    expect(await results.textContent()).not.toContain('(received)');
    await page.locator('.toast', { hasText: /failed/ }).waitFor();
    expect(await page.locator('.toast', { hasText: '1 file uploaded' }).count()).toBe(0);

    // A file stored before (here through the API) is counted as already received, not as processed.
    const earlier = Buffer.from(mail('Scanner jammed'));
    expect((await server.admin.post(`/api/mailboxes/${uploadId}/messages`, earlier, { contentType: 'message/rfc822' })).status).toBe(202);
    await chooser.setInputFiles({ name: 'scanner-again.eml', mimeType: 'message/rfc822', buffer: earlier });
    await button.click();
    await results.locator('li', { hasText: 'scanner-again.eml' }).getByText(/already received/).waitFor();
    await page.locator('.toast', { hasText: 'Uploaded 1 file: 1 already received' }).waitFor();

    const printer = Buffer.from(mail('Printer down'));
    await chooser.setInputFiles({ name: 'printer.eml', mimeType: 'message/rfc822', buffer: printer });
    await button.click();
    const ok = results.locator('li', { hasText: 'printer.eml' });
    await ok.getByText(/processed/).waitFor();
    const link = ok.getByRole('link', { name: /^Ticket \d+$/ });
    await link.waitFor();
    expect((await ok.getAttribute('class')) ?? '').not.toMatch(/upload-failed/);
    await screenshot(page, 'usability-upload-results');


    await link.click();
    await page.getByRole('heading', { name: 'Printer down' }).waitFor();
    // The e-mail in the history is the sender's, with its addressees.
    const email = page.locator('li.history-item', { has: page.locator('.email-head') });
    await email.waitFor();
    expect(await email.locator('.history-who').textContent()).toBe('Pat Customer');
    expect(await email.locator('.email-head').innerText()).toMatch(/From\s+Pat Customer <pat@customer\.example>\s+To\s+help@desk\.example\s+Subject\s+Printer down/);
  });

  it('a refused save names fields as the form does, and marks them', async () => {
    const { page } = b;
    // SMTP mailbox: the second address is wrong.
    await open(`/config/email/mailboxes`);
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Relay');
    await page.getByLabel('Kind').selectOption('smtp');
    await page.getByLabel('Port').fill(String(await freePort()));
    await page.getByLabel('Accepted addresses').fill('alerts@desk.example, not-an-address');
    await page.getByRole('button', { name: 'Add mailbox', exact: true }).last().click();
    const mailboxError = page.locator('.mailbox-form .inline-error');
    await mailboxError.waitFor();
    expect(await mailboxError.textContent()).toMatch(/^Accepted addresses, address 2: /);
    expect(await page.getByLabel('Accepted addresses').getAttribute('aria-invalid')).toBe('true');

    // Rule: the regex of action 1 does not compile.
    await open(`/config/email/rules/new`);
    await page.getByLabel('Name', { exact: true }).fill('Group printer mail');
    await page.getByLabel('Value of condition 1').fill('printer');
    await page.getByLabel('Group by subject (regex)').fill('Printer (');
    await page.getByRole('button', { name: 'Create rule' }).click();
    const ruleError = page.locator('.sticky-actions .inline-error');
    await ruleError.waitFor();
    expect(await ruleError.textContent()).toMatch(/^Action 1 \(Group by subject\): regex does not compile/);
    expect(await page.getByLabel('Group by subject (regex)').getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('action-row').getByText(/regex does not compile/).waitFor();

    // Maintenance window that ends before it starts.
    await open(`/config/integrations/datto-rmm#datto-maintenance`);
    const card = page.locator('#datto-maintenance');
    await card.getByLabel('Name').fill('Patching');
    await card.getByLabel('Customer').selectOption(String(customerId));
    await card.getByLabel('Starts').fill('2030-01-02T10:00');
    await card.getByLabel('Ends').fill('2030-01-02T09:00');
    await card.getByRole('button', { name: 'Create window' }).click();
    const windowError = card.locator('.inline-error');
    await windowError.waitFor();
    expect(await windowError.textContent()).toBe('Ends: must be after the start');
    expect(await card.getByLabel('Ends').getAttribute('aria-invalid')).toBe('true');
    expect(b.pageErrors).toEqual([]);
  });

  it('the Datto rule shows its place in the rule order, not its sort key', async () => {
    const { page } = b;
    const rules = (await server.admin.get('/api/email-rules')).body.items as Array<{ id: number; systemKey: string | null; position: number }>;
    const datto = rules.find((r) => r.systemKey === 'datto-rmm-alerts')!;
    expect(datto.position).toBeLessThan(1);
    await open(`/config/email/rules/${datto.id}`);
    await page.getByText('Integration rule').waitFor();
    const order = [...rules].sort((x, y) => x.position - y.position).findIndex((r) => r.id === datto.id) + 1;
    await page.locator('.header-meta').getByText(`Rule ${order} of ${rules.length} in the order`).waitFor();
    expect(await page.locator('.header-meta').textContent()).not.toContain('Position');
  });

  it('a rule naming a mailbox deleted since says so, in the list and on the rule', async () => {
    const { page } = b;
    const doomed = (await server.admin.post('/api/mailboxes', { name: 'Doomed', kind: 'upload' })).body.id as number;
    const rule = (await server.admin.post('/api/email-rules', {
      name: 'Only the doomed box', conditions: [{ field: 'mailbox', value: doomed }], actions: [{ type: 'ignore' }],
    })).body as { id: number };
    expect((await server.admin.delete(`/api/mailboxes/${doomed}?force=true`)).status).toBe(204);
    try {
      await open('/config/email/rules');
      const row = page.getByTestId('rule-row').filter({ hasText: 'Only the doomed box' });
      await row.getByText('Names something deleted').waitFor();
      expect(await row.getByTestId('rule-problems').textContent()).toBe(`Condition 1 (value): no mailbox ${doomed}: this rule cannot match or act as saved; edit it or delete it.`);
      await open(`/config/email/rules/${rule.id}`);
      await page.getByText('This rule names something that was deleted.').waitFor();
    } finally {
      await server.admin.delete(`/api/email-rules/${rule.id}`);
    }
  });

  it('selects show their whole option text and fields of a row line up', async () => {
    const { page } = b;
    for (const [width, height] of [[1440, 900], [1280, 800], [390, 844]] as const) {
      await page.setViewportSize({ width, height });
      await open(`/config/email/mailboxes`);
      await page.getByRole('button', { name: 'Add mailbox' }).click();
      const kind = page.getByLabel('Kind');
      for (const k of ['imap', 'smtp', 'upload']) {
        await kind.selectOption(k);
        expect(await selectFits(kind), `Kind ${k} at ${width}`).toBe(true);
      }

      await open(`/config/integrations/datto-rmm#datto-policies`);
      const policies = page.locator('#datto-policies');
      const resolved = policies.getByLabel('When an alert is resolved in Datto RMM');
      for (const v of ['closeIfUntouched', 'close', 'note']) {
        await resolved.selectOption(v);
        expect(await selectFits(resolved), `resolved ${v} at ${width}`).toBe(true);
      }
      expect(await misaligned(policies.locator('.form-grid').first()), `policies at ${width}`).toEqual([]);
      if (width === 1280) {
        await policies.scrollIntoViewIfNeeded();
        await screenshot(page, 'usability-datto-policies');
      }

      await open(`/config/email/rules/new`);
      const action = page.getByLabel('Action 1');
      await action.selectOption('datto-rmm.alert');
      expect(await selectFits(action), `action at ${width}`).toBe(true);
      await page.getByTestId('action-row').getByText(/one ticket per alert/i).waitFor();
      expect(await noSideScroll(page), `rule page at ${width}`).toBe(true);
      if (width === 390) await screenshot(page, 'usability-rule-action-phone');
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('the inbox trace scrolls in its own area on a phone; the screens do not scroll sideways', async () => {
    const { page } = b;
    await server.admin.post(`/api/mailboxes/${uploadId}/messages`, mail('Scanner jams on every page of a long document'), { contentType: 'message/rfc822' });
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await open(`/config/email/mailboxes/${uploadId}`);
      await page.getByTestId('trace-row').first().waitFor();
      expect(await noSideScroll(page)).toBe(true);
      const wrap = page.locator('#trace .table-wrap');
      expect(await wrap.evaluate((el: any) => el.scrollWidth > el.clientWidth && (globalThis as any).getComputedStyle(el).overflowX === 'auto')).toBe(true);
      await screenshot(page, 'usability-trace-phone');
      for (const path of ['/config/email/mailboxes', '/config/email/rules', '/config/integrations/datto-rmm']) {
        await open(path);
        await page.locator('h1').first().waitFor();
        await page.waitForLoadState('networkidle');
        expect(await noSideScroll(page), path).toBe(true);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('asks before leaving a form with unsaved changes', async () => {
    const { page } = b;
    const rule = (await server.admin.post('/api/email-rules', {
      name: 'Group printer mail', match: 'all', conditions: [{ field: 'subject', operator: 'contains', value: 'printer' }], actions: [{ type: 'create-ticket', params: {} }],
    })).body;
    await open(`/config/email/rules/${rule.id}`);
    b.dialogs.length = 0;
    const name = page.getByLabel('Name', { exact: true });
    await name.waitFor();
    // Nothing changed: no question.
    await nav(page, 'Mailboxes').click();
    await page.getByRole('heading', { name: 'Mailboxes', exact: true }).waitFor();
    expect(b.dialogs).toEqual([]);

    await page.goBack();
    await name.fill('Group printer mails');
    const unloadPrevented = `(() => { const e = new Event('beforeunload', { cancelable: true }); window.dispatchEvent(e); return e.defaultPrevented; })()`;
    expect(await page.evaluate(unloadPrevented)).toBe(true);
    await nav(page, 'Mailboxes').click();
    await expect.poll(() => b.dialogs.length).toBe(1);
    expect(b.dialogs[0]).toMatch(/^confirm: .*unsaved changes/);
    expect(here(page)).toBe(`/config/email/rules/${rule.id}`);
    expect(await name.inputValue()).toBe('Group printer mails');
    // Back button: the page stays too.
    await page.evaluate('history.back()');
    await expect.poll(() => b.dialogs.length).toBe(2);
    expect(here(page)).toBe(`/config/email/rules/${rule.id}`);
    expect(await name.inputValue()).toBe('Group printer mails');
    // Saved: leaving asks nothing.
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Rule “Group printer mails” saved').waitFor();
    expect(await page.evaluate(unloadPrevented)).toBe(false);
    await nav(page, 'Mailboxes').click();
    await page.getByRole('heading', { name: 'Mailboxes', exact: true }).waitFor();
    expect(b.dialogs).toHaveLength(2);

    // The mailbox form and the Datto settings forms ask too; accepting leaves.
    await page.goto(`${server.url}/config/email/mailboxes/${uploadId}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Uploads (old)');
    await nav(page, 'Email rules').click();
    await expect.poll(() => b.dialogs.length).toBe(3);
    expect(here(page)).toBe(`/config/email/mailboxes/${uploadId}`);
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.goto(`${server.url}/config/integrations/datto-rmm#datto-alerting`);
    await page.locator('#datto-alerting').getByLabel('From Address').fill('other@rmm.example-msp.com');
    b.acceptConfirms = true;
    await nav(page, 'Email rules').click();
    await page.getByRole('heading', { name: 'Email rules' }).waitFor();
    b.acceptConfirms = false;
    expect(b.dialogs).toHaveLength(4);
  });

  it('Reconcile now says what it found in Datto RMM; alerts from unmapped sites have a view of their own', async () => {
    const { page } = b;
    await open(`/config/integrations/datto-rmm#datto-alerts`);
    const alerts = page.locator('#datto-alerts');
    await alerts.getByRole('button', { name: 'Reconcile now' }).click();
    const openInDatto = emu.state.alerts.filter((a) => !a.resolved).length;
    const line = alerts.getByTestId('reconcile-result');
    await line.waitFor({ timeout: 20_000 });
    expect(await line.textContent()).toMatch(new RegExp(`^${openInDatto} open in Datto: \\d+ new tickets?, \\d+ older than the 24 h look-back, \\d+ resolved`));
    await page.locator('.toast', { hasText: `${openInDatto} open in Datto` }).waitFor();
    await screenshot(page, 'usability-reconcile');

    // No site is imported here: an alert e-mail, once read from Datto, comes from an unmapped site. The view lists it and says what to do.
    const raised = emulatorAlert(emu);
    expect((await server.admin.post(`/api/mailboxes/${uploadId}/messages`, Buffer.from(alertMail({ uid: raised.alertUid, from: FROM })), { contentType: 'message/rfc822' })).status).toBe(202);
    await eventually(async () => (await server.admin.get(`/api/integrations/datto-rmm/alerts/${raised.alertUid}`)).body.enrichedAt, 15_000);
    const fromUnmapped = (await server.admin.get('/api/integrations/datto-rmm/alerts?unmappedSite=true&limit=200')).body.items.map((a: { alertUid: string }) => a.alertUid);
    expect(fromUnmapped).toContain(raised.alertUid);
    await open(`/config/integrations/datto-rmm#datto-alerts`);
    const tab = alerts.getByRole('button', { name: /^From unmapped sites/ });
    await expect.poll(async () => (await tab.locator('.tab-count').textContent())?.trim(), { timeout: 10_000 }).toBe(String(fromUnmapped.length));
    await tab.click();
    await alerts.getByText(/no Relaydesk site is mapped to/).waitFor();
    await alerts.locator('tbody tr', { hasText: raised.alertUid }).waitFor();
  });

  it('navigation: no dead breadcrumbs, no stray active item, mailbox names look like links', async () => {
    const { page } = b;
    for (const path of ['/config/email/mailboxes', '/config/email/rules']) {
      await open(path);
      await page.locator('h1').first().waitFor();
      const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
      // Every crumb leads somewhere.
      const dead = await crumbs.locator(':scope > span').evaluateAll((spans: any[]) => spans.filter((s) => !s.querySelector('a')).map((s) => s.textContent));
      expect(dead, path).toEqual([]);
    }
    await open(`/config/email/mailboxes`);
    const name = page.getByRole('link', { name: 'Uploads', exact: true });
    const intro = page.locator('.page-intro').getByRole('link', { name: 'email rules' });
    const color = (el: any) => (globalThis as any).getComputedStyle(el).color as string;
    expect(await name.evaluate(color)).toBe(await intro.evaluate(color));

    await open(`/config/email/messages`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await nav(page, 'Mailboxes').getAttribute('aria-current')).toBeNull();
  });
});
