// "New email" in the dashboard, in headless Chromium against real mail servers: an agent
// starts a conversation by email with an attachment; the server's validation message shows
// beside the field; a submission whose answer was lost is sent again with the same client
// id and opens nothing new; the customer's mailbox (Dovecot, through smtp-server) gets
// one email with the attachment. An agent who may write from no inbox sees no button. A
// reply the SMTP server refuses shows in Settings → Deliveries as an email, and Retry sends it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumSkip, launchDashboardPage, shotsDir, signInToDashboard } from '../helpers/browser';
import { DOVECOT_MISSING, startDovecot, type Dovecot } from '../helpers/dovecot';
import { PASSWORD, conversations, mailSuiteSkip, messagesOf, startHarness, type Harness } from '../helpers/inbox';
import { waitForMail } from '../helpers/mailbox';
import { waitFor } from '../helpers/receiver';
import { ADMIN, createAgent } from '../helpers/server';
import { startSmtp, type SmtpServer } from '../helpers/smtp';

const MAIL_PASS = 'mailbox pass';
const AGENT_PASSWORD = 'agent password 123'; // createAgent's
const QUOTE = '%PDF-1.4 quote for Erin';

const skip = mailSuiteSkip() ?? chromiumSkip();
const probe = skip ? null : await startDovecot();

if (skip || !probe) {
  it('browser: starting a conversation by email', { skip: skip ?? DOVECOT_MISSING }, () => {});
} else {
  describe('browser: starting a conversation by email', { concurrency: false }, () => {
    const dovecot: Dovecot = probe;
    let smtpOut: SmtpServer;
    let h: Harness;
    let browser: Browser;
    let page: Page;

    const form = () => page.locator('[data-testid=new-email-form]');

    before(async () => {
      smtpOut = await startSmtp({ dovecot, users: { 'parley-smtp': PASSWORD }, secure: 'plain' });
      h = await startHarness(dovecot, {
        plusAddressing: true,
        outgoing: { host: smtpOut.host, port: smtpOut.port, security: 'none', username: 'parley-smtp' },
      });
      h.server.deps.outbox.start();
      await dovecot.addUser('erin', MAIL_PASS);
      // The inbox belongs to Support: Ann (no departments) may write from it, Bob (Sales only) may not.
      const support = (await h.admin.post('/api/departments', { name: 'Support' })).body;
      const sales = (await h.admin.post('/api/departments', { name: 'Sales' })).body;
      assert.equal((await h.admin.patch(`/api/inboxes/${h.inbox.id}`, { departmentId: support.id })).status, 200);
      await createAgent(h.admin, { name: 'Ann', email: 'ann@example.test' });
      await createAgent(h.admin, { name: 'Bob', email: 'bob@example.test', departments: [sales.id] });
      ({ browser, page } = await launchDashboardPage());
    });

    after(async () => {
      await browser?.close();
      await h?.close();
      await smtpOut?.stop();
      await dovecot.destroy();
    });

    it('an agent who may write from no inbox sees no "New email" button', async () => {
      const bobPage = await (await browser.newContext()).newPage();
      const answered = bobPage.waitForResponse((r) => r.url().endsWith('/api/sending-inboxes'));
      await signInToDashboard(bobPage, h.server.url, 'bob@example.test', AGENT_PASSWORD);
      assert.deepEqual(await (await answered).json(), []);
      await bobPage.locator('[data-testid=conv-list]').waitFor();
      await bobPage.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
      assert.equal(await bobPage.locator('[data-testid=new-email]').count(), 0);
      await bobPage.context().close();
    });

    it('the form shows the server\'s validation message beside the field', async () => {
      await signInToDashboard(page, h.server.url, 'ann@example.test', AGENT_PASSWORD);
      await page.locator('[data-testid=new-email]').click();
      await form().waitFor();
      assert.equal(await form().locator('[data-testid=new-email-inbox]').inputValue(), h.inbox.id);
      assert.match((await form().locator('[data-testid=new-email-inbox] option').textContent()) ?? '', new RegExp(`Support <${h.address}>`));
      // The browser accepts "erin@example"; the server wants a domain with a dot.
      await form().locator('[name=to]').fill('erin@example');
      await form().locator('[name=name]').fill('Erin');
      await form().locator('[name=subject]').fill('Your quote');
      await form().locator('[name=text]').fill('Hello Erin,\nhere is your quote.');
      await form().locator('[data-testid=new-email-attach]').setInputFiles({ name: 'quote.pdf', mimeType: 'application/pdf', buffer: Buffer.from(QUOTE) });
      await form().locator('[data-testid=new-email-files]', { hasText: 'quote.pdf' }).waitFor();
      await form().locator('[data-testid=new-email-send]').click();
      const toField = form().locator('label.field', { has: page.locator('[name=to]') });
      await toField.locator('.field-error', { hasText: 'Enter a valid email address.' }).waitFor();
      assert.equal(await form().locator('[name=to]').getAttribute('aria-invalid'), 'true');
      await page.screenshot({ path: join(shotsDir, 'new-email-invalid.png') });
      assert.equal((await conversations(h)).length, 0);
    });

    it('a lost answer is retried with the same client id; the agent lands in the one new conversation', async () => {
      await form().locator('[name=to]').fill('erin@example.test');
      // The server gets the first request and answers it, but the answer never reaches the page.
      let dropped = 0;
      await page.route('**/api/conversations/email', async (route) => {
        if (dropped++ > 0) return route.continue();
        await route.fetch();
        await route.abort('connectionreset');
      });
      const sent: string[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/api/conversations/email')) sent.push(JSON.parse(r.postData() ?? '{}').clientId);
      });
      await form().locator('[data-testid=new-email-send]').click();
      await form().locator('[data-testid=new-email-error]', { hasText: 'cannot be reached' }).waitFor();
      await form().locator('[data-testid=new-email-send]').click();
      const view = page.locator('[data-testid=conv-view]');
      await view.waitFor();
      await page.unroute('**/api/conversations/email');
      assert.equal(await form().count(), 0, 'the form closed');
      assert.equal(sent.length, 2);
      assert.equal(sent[0], sent[1], 'the retry carried the same client id');

      const [conv] = await conversations(h);
      assert.equal((await conversations(h)).length, 1);
      assert.equal(await view.getAttribute('data-id'), conv!.id);
      assert.match(page.url(), new RegExp(`#/inbox/${conv!.id}$`));
      await view.locator('[data-testid=message][data-author=agent] [data-testid=message-text]', { hasText: 'here is your quote.' }).waitFor();
      await view.locator('[data-testid=attachment-link]', { hasText: 'quote.pdf' }).waitFor();
      await page.locator(`[data-testid=conv-item][data-id="${conv!.id}"]`).waitFor();
      assert.equal((await messagesOf(h, conv!.id)).length, 1);
      await page.screenshot({ path: join(shotsDir, 'new-email-sent.png') });
    });

    it('the customer\'s mailbox gets one email with the attachment', async () => {
      const [conv] = await conversations(h);
      const [mail] = await waitForMail(dovecot, 'erin', MAIL_PASS, 1);
      assert.equal(mail!.mail.subject, `Your quote [#${h.server.deps.threading.tokenFor(conv!.id)}]`);
      assert.equal(mail!.mail.to && !Array.isArray(mail!.mail.to) ? mail!.mail.to.value[0]!.address : '', 'erin@example.test');
      assert.match(mail!.mail.text!, /Hello Erin,\nhere is your quote\./);
      assert.equal(mail!.mail.attachments.length, 1);
      assert.equal(mail!.mail.attachments[0]!.filename, 'quote.pdf');
      assert.equal(mail!.mail.attachments[0]!.content.toString(), QUOTE);
      await waitFor(async () => (await h.server.deps.store.listJobs({ status: 'pending', kind: 'email' }, 1)).length === 0, 20_000, 'no email waiting in the outbox');
      assert.equal(await dovecot.count('erin'), 1);
    });

    it('a reply the SMTP server refuses is a dead "Email: reply to visitor" in Deliveries, with the reason; Retry sends it', async () => {
      const [conv] = await conversations(h);
      smtpOut.failNext(550, '5.1.1 Mailbox unavailable');
      const view = page.locator(`[data-testid=conv-view][data-id="${conv!.id}"]`);
      await view.locator('[data-testid=reply-input]').fill('Did you get the quote?');
      await view.locator('[data-testid=reply-send]').click();
      await waitFor(async () => (await h.server.deps.store.listJobs({ status: 'dead', kind: 'email' }, 5)).length === 1, 20_000, 'a dead email');

      const admin = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
      await signInToDashboard(admin, h.server.url, ADMIN.email, ADMIN.password);
      await admin.locator('[data-testid=nav-settings]').click();
      await admin.locator('[data-testid=nav-deliveries]').click();
      const row = admin.locator('[data-testid=delivery-row][data-status=dead]');
      await row.waitFor();
      assert.equal(await row.count(), 1);
      assert.equal(await row.locator('[data-testid=delivery-kind]').textContent(), 'Email: reply to visitor');
      assert.match((await row.textContent()) ?? '', new RegExp(`from Support <${h.address}>`));
      assert.match((await row.locator('[data-testid=delivery-error]').textContent()) ?? '', /550 5\.1\.1 Mailbox unavailable/);
      assert.equal(await row.locator('[data-testid=delivery-conversation]').getAttribute('href'), `#/inbox/${conv!.id}`);
      await admin.screenshot({ path: join(shotsDir, 'deliveries-dead-email.png'), fullPage: true });
      await row.locator('[data-testid=delivery-retry]').click();
      const retried = admin.locator('[data-testid=delivery-row][data-status=pending]');
      await retried.waitFor();
      assert.equal(await retried.locator('[data-testid=delivery-kind]').textContent(), 'Email: reply to visitor', 'the retried row keeps its label');
      const mails = await waitForMail(dovecot, 'erin', MAIL_PASS, 2);
      assert.match(mails[1]!.mail.text!, /Did you get the quote\?/);
      await admin.context().close();
    });
  });
}
