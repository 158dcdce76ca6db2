// The Emails part of the inbox form in headless Chromium: an admin edits an inbox's
// template and branding, previews them (HTML in a sandboxed frame, the text part beside),
// sees a broken template refused beside the field, sends a test email through a real SMTP
// server and saves. No mailbox is read: the inbox is disabled.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DELIMITER } from '../../server/channels/email/threading';
import type { InboxView } from '../../server/transport/views';
import { launchDashboardPage, shotsDir, signInToDashboard } from '../helpers/browser';
import { ADMIN, setupInstallation, startServer, type AgentClient, type TestServer } from '../helpers/server';
import { startSmtp, type SmtpServer } from '../helpers/smtp';

describe('browser: the emails of an inbox', () => {
  let srv: TestServer;
  let admin: AgentClient;
  let smtp: SmtpServer;
  let browser: Browser;
  let page: Page;
  let inbox: InboxView;

  const form = () => page.locator('[data-testid=inbox-edit-form]');

  before(async () => {
    smtp = await startSmtp({ secure: 'plain' });
    srv = await startServer();
    let site;
    ({ admin, site } = await setupInstallation(srv.url));
    const res = await admin.post(`/api/sites/${site.id}/inboxes`, {
      name: 'Support', address: 'support@acme.example', enabled: false, password: 'secret',
      settings: { preset: 'other', incoming: { host: 'imap.acme.example' }, outgoing: { host: smtp.host, port: smtp.port, security: 'none' } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    inbox = res.body;
    ({ browser, page } = await launchDashboardPage());
  });

  after(async () => {
    await browser?.close();
    await srv?.close();
    await smtp?.stop();
  });

  it('opens the inbox form with the SMTP server and the default templates', async () => {
    await signInToDashboard(page, srv.url, ADMIN.email, ADMIN.password);
    await page.locator('[data-testid=nav-settings]').click();
    await page.locator('[data-testid=nav-inboxes]').click();
    await page.locator(`[data-testid=inbox-row][data-id="${inbox.id}"] [data-testid=inbox-edit]`).click();
    await form().locator('[data-testid=inbox-emails]').waitFor();
    assert.equal(await form().locator('[name=smtpHost]').inputValue(), smtp.host);
    assert.equal(await form().locator('[name=smtpSecurity]').inputValue(), 'none');
    await form().locator('[data-testid=inbox-smtp-plaintext-warning]').waitFor();
    assert.match(await form().locator('[data-testid=inbox-template]').inputValue(), /\{\{ message\.text \}\}/);
    await form().locator('[data-testid=inbox-template-variables] code', { hasText: 'visitor.name' }).first().waitFor();
  });

  it('previews the unsaved template and branding: escaped, sanitized, in a sandboxed frame', async () => {
    await form().locator('[data-testid=inbox-template]').fill('<p>Hi {{ visitor.name }}, from {{ inbox.name }}</p><script>parent.__xss = 1</script>{{ message.text }}');
    await form().locator('[name=name]').fill('Sales <b>team</b>');
    await form().locator('[name=color]').fill('#aa3300');
    await form().locator('[name=signature]').fill('Acme Support\nMon-Fri');
    await form().locator('[data-testid=inbox-preview]').click();
    const frame = form().locator('[data-testid=inbox-preview-html]');
    await frame.waitFor();
    assert.equal(await frame.getAttribute('sandbox'), '');
    const srcdoc = (await frame.getAttribute('srcdoc')) ?? '';
    assert.match(srcdoc, /Hi Maria Garcia, from Sales &lt;b&gt;team&lt;\/b&gt;/);
    assert.doesNotMatch(srcdoc, /<script/);
    assert.match(srcdoc, /#aa3300/);
    const text = (await form().locator('[data-testid=inbox-preview-text]').textContent()) ?? '';
    assert.ok(text.startsWith(DELIMITER), text);
    assert.match(text, /-- \nAcme Support\nMon-Fri/);
    assert.match((await form().locator('[data-testid=inbox-preview-subject]').textContent()) ?? '', /^Re: Where is my order\? \[#[a-z2-7]{34}\]$/);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    await page.setViewportSize({ width: 1280, height: 3600 });
    await form().screenshot({ path: join(shotsDir, 'inbox-emails.png') });
    await page.setViewportSize({ width: 1280, height: 1000 });
  });

  it('refuses a broken template with the reason', async () => {
    const template = form().locator('[data-testid=inbox-template]');
    const good = await template.inputValue();
    await template.fill('{{#messages}}{{ text }}');
    await form().locator('[data-testid=inbox-preview]').click();
    const error = form().locator('[data-testid=inbox-preview-error]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /Reply to visitor template: Template syntax error: Unclosed section "messages"/);
    await template.fill(good);
  });

  it('sends a test email to the signed-in admin through the form\'s SMTP server', async () => {
    assert.equal(await form().locator('[data-testid=inbox-smtp-test-to]').inputValue(), ADMIN.email);
    await form().locator('[data-testid=inbox-smtp-test]').click();
    const result = form().locator('[data-testid=inbox-smtp-test-result]');
    await result.waitFor({ timeout: 15_000 });
    assert.equal(await result.getAttribute('data-ok'), 'true', (await result.textContent()) ?? '');
    assert.match((await result.getAttribute('class')) ?? '', /\bnotice\b/);
    assert.equal(smtp.received.length, 1);
    assert.deepEqual(smtp.received[0]!.to, [ADMIN.email]);
  });

  it('saves the templates, branding and notification options', async () => {
    await form().locator('[name=notifyVisitors]').uncheck();
    await form().locator('[name=debounceSeconds]').fill('90');
    await form().locator('[type=submit]').click();
    await form().waitFor({ state: 'detached' });
    const stored = (await admin.get(`/api/inboxes/${inbox.id}`)).body as InboxView;
    assert.match(stored.settings.templates!.visitorReply.html, /^<p>Hi \{\{ visitor\.name \}\}, from/);
    assert.deepEqual(stored.settings.branding, { logoUrl: null, color: '#aa3300', signature: 'Acme Support\nMon-Fri' });
    assert.deepEqual(stored.settings.outbound, { notifyAgents: true, notifyVisitors: false, debounceSeconds: 90 });
    assert.deepEqual(stored.settings.outgoing, { host: smtp.host, port: smtp.port, security: 'none', allowInvalidCert: false, username: 'support@acme.example' });
  });
});
