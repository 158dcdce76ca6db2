// The end-to-end email scenario with the real widget and dashboard in headless
// Chromium, against real mail servers: Parley sends through smtp-server (AUTH) relaying
// into a private Dovecot; the test reads the recipients' mailboxes over IMAP and answers
// as a mail client would (quoted original below) through a second, AUTH-less SMTP server.
//
// A visitor leaves a message while every agent is offline (the widget's "leave a message"
// form); the agent's mailbox gets one notification; its answer by email shows in the
// visitor's open widget. The visitor leaves; the agent answers in the dashboard; the
// visitor's mailbox gets it; the visitor's answer by email shows in the dashboard.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumSkip, launchChromium, serveHostPage, shotsDir, signInToDashboard } from '../helpers/browser';
import { DOVECOT_MISSING, startDovecot, type Dovecot } from '../helpers/dovecot';
import { PASSWORD, mailSuiteSkip, messagesOf, startHarness, type Harness } from '../helpers/inbox';
import { replyTo, waitForMail, type Received } from '../helpers/mailbox';
import { waitFor } from '../helpers/receiver';
import { ADMIN, createAgent } from '../helpers/server';
import { startSmtp, type SmtpServer } from '../helpers/smtp';

const MAIL_PASS = 'mailbox pass';
const AGENT_PASSWORD = 'agent password 123'; // createAgent's

const skip = mailSuiteSkip() ?? chromiumSkip();
const probe = skip ? null : await startDovecot();

if (skip || !probe) {
  it('browser: the email scenario end to end', { skip: skip ?? DOVECOT_MISSING }, () => {});
} else {
  describe('browser: the email scenario end to end', { concurrency: false }, () => {
    const dovecot: Dovecot = probe;
    let smtpOut: SmtpServer;
    let mx: SmtpServer;
    let h: Harness;
    let browser: Browser;
    let host: { url: string; close(): Promise<void> };
    let widget: Page;
    let ann: { id: string; user: string; address: string };
    let dashboard: Page;
    let visitorMail: Received;
    const carla = { user: 'carla', address: 'carla@example.test' };
    let conversationId = '';
    let token = '';
    let note: Received;

    const conversation = () => dashboard.locator(`[data-testid=conv-view][data-id="${conversationId}"]`);
    const outboxIdle = () => waitFor(async () => (await h.server.deps.store.listJobs({ status: 'pending', kind: 'email' }, 1)).length === 0, 20_000, 'no email waiting in the outbox');

    before(async () => {
      smtpOut = await startSmtp({ dovecot, users: { 'parley-smtp': PASSWORD }, secure: 'plain' });
      mx = await startSmtp({ dovecot, secure: 'plain' });
      h = await startHarness(dovecot, {
        plusAddressing: true,
        outgoing: { host: smtpOut.host, port: smtpOut.port, security: 'none', username: 'parley-smtp' },
        outbound: { debounceSeconds: 1 },
      });
      h.server.deps.outbox.start();
      // Every agent has a real mailbox; the first administrator is an agent too.
      await dovecot.addUser('admin', MAIL_PASS);
      assert.equal((await h.admin.patch(`/api/agents/${h.admin.auth!.agent.id}`, { email: 'admin@example.test' })).status, 200);
      await dovecot.addUser('ann', MAIL_PASS);
      const client = await createAgent(h.admin, { name: 'Ann', email: 'ann@example.test' });
      ann = { id: client.auth!.agent.id, user: 'ann', address: 'ann@example.test' };
      await dovecot.addUser(carla.user, MAIL_PASS);
      const site = (await h.admin.get('/api/sites')).body[0];
      host = await serveHostPage(h.server.url, site.widgetKey);
      browser = await launchChromium();
      widget = await (await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'en-US' })).newPage();
    });

    after(async () => {
      await browser?.close();
      await host?.close();
      await h?.close();
      await smtpOut?.stop();
      await mx?.stop();
      await dovecot.destroy();
    });

    it('with nobody online the visitor leaves a message in the widget; it opens a pending conversation', async () => {
      await widget.goto(host.url);
      await widget.locator('[data-testid=parley-launcher]').click();
      const form = widget.locator('[data-testid=parley-offline-form]');
      await form.waitFor();
      await form.locator('[name=name]').fill('Carla');
      await form.locator('[name=email]').fill(carla.address);
      await form.locator('[name=message]').fill('Hello, my order 1234 never arrived.');
      await widget.locator('[data-testid=parley-offline-submit]').click();
      await widget.locator('[data-testid=parley-offline-confirm]', { hasText: carla.address }).waitFor();
      await widget.locator('[data-testid=parley-message][data-author=visitor]:not([data-pending=true])', { hasText: 'my order 1234' }).waitFor();
      const pending = (await h.admin.get('/api/conversations?status=pending')).body.items;
      assert.equal(pending.length, 1);
      assert.equal(pending[0].visitor.email, carla.address);
      conversationId = pending[0].id;
      token = h.server.deps.threading.tokenFor(conversationId);
    });

    it('the agent\'s mailbox gets exactly one notification', async () => {
      [note] = (await waitForMail(dovecot, ann.user, MAIL_PASS, 1)) as [Received];
      assert.equal(note.mail.subject, `Re: Chat with Carla [#${token}]`);
      assert.match(note.mail.text!, /Hello, my order 1234 never arrived\./);
      await outboxIdle();
      assert.equal(await dovecot.count(ann.user), 1);
    });

    it('the agent answers the notification from a mail client; the answer shows in the visitor\'s open widget', async () => {
      await replyTo(mx, note, `Ann <${ann.address}>`, 'Sorry about that! It ships today.');
      const answer = widget.locator('[data-testid=parley-message][data-author=agent] [data-testid=parley-message-text]', { hasText: 'It ships today' });
      await answer.waitFor({ timeout: 20_000 });
      // Only the new text: the quoted notification below it is cut off.
      assert.equal((await answer.textContent())?.trim(), 'Sorry about that! It ships today.');
      await widget.screenshot({ path: join(shotsDir, 'email-e2e-widget.png') });
      const stored = (await messagesOf(h, conversationId)).at(-1)!;
      assert.equal(stored.authorKind, 'agent');
      assert.equal(stored.authorId, ann.id);
      // The visitor saw it live: no email to the visitor, and none to the agent about its own answer.
      await outboxIdle();
      assert.equal(await dovecot.count(carla.user), 0, 'a connected visitor was emailed');
      assert.equal(await dovecot.count(ann.user), 1);
    });

    it('the visitor leaves; the agent answers in the dashboard; the visitor\'s mailbox gets it', async () => {
      const visitorId = (await h.server.deps.store.getConversation(conversationId))!.visitorId;
      await widget.context().close();
      await waitFor(async () => !(await h.server.deps.presence.isConnected(`visitor:${visitorId}`)), 10_000, 'visitor gone');

      dashboard = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
      await signInToDashboard(dashboard, h.server.url, ann.address, AGENT_PASSWORD);
      await dashboard.locator(`[data-testid=conv-item][data-id="${conversationId}"]`).click();
      const view = conversation();
      await view.locator('[data-testid=message][data-author=agent] [data-testid=message-text]', { hasText: 'It ships today' }).waitFor();
      await view.locator('[data-testid=reply-input]').fill('Tracking number: AB123.\nIt arrives on Friday.');
      await view.locator('[data-testid=reply-send]').click();
      await view.locator('[data-testid=message][data-author=agent] [data-testid=message-text]', { hasText: 'AB123' }).waitFor();

      [visitorMail] = (await waitForMail(dovecot, carla.user, MAIL_PASS, 1)) as [Received];
      assert.equal(visitorMail.mail.subject, `Re: Chat with Carla [#${token}]`);
      assert.match(visitorMail.mail.text!, /Tracking number: AB123\.\nIt arrives on Friday\./);
      assert.equal(visitorMail.mail.replyTo!.value[0]!.address, h.address.replace('@', `+${token}@`));
    });

    it('the visitor answers by email; it lands in the open dashboard conversation', async () => {
      await replyTo(mx, visitorMail, `Carla <${carla.address}>`, 'Great, thank you!');
      const back = conversation().locator('[data-testid=message][data-author=visitor] [data-testid=message-text]', { hasText: 'Great, thank you!' });
      await back.waitFor({ timeout: 20_000 });
      assert.equal((await back.textContent())?.trim(), 'Great, thank you!');
      await dashboard.screenshot({ path: join(shotsDir, 'email-e2e-dashboard.png') });
      const last = (await messagesOf(h, conversationId)).at(-1)!;
      assert.equal(last.authorKind, 'visitor');
      assert.equal(last.channel, 'email');
      // Ann was online in the dashboard: still one notification.
      await outboxIdle();
      assert.equal(await dovecot.count(ann.user), 1);
    });

    it('Settings → Deliveries tells the emails apart: a notification to Ann, a reply to the visitor, each with its conversation', async () => {
      const admin = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
      await signInToDashboard(admin, h.server.url, 'admin@example.test', ADMIN.password); // the address given in before()
      await admin.locator('[data-testid=nav-settings]').click();
      await admin.locator('[data-testid=nav-deliveries]').click();
      await admin.locator('[data-testid=delivery-status]').selectOption('sent');
      const rows = admin.locator('[data-testid=delivery-row][data-status=sent]');
      const toAnn = rows.filter({ has: admin.locator('[data-testid=delivery-kind]', { hasText: /^Email: notification to agent Ann$/ }) });
      const toCarla = rows.filter({ has: admin.locator('[data-testid=delivery-kind]', { hasText: /^Email: reply to visitor$/ }) });
      await toAnn.first().waitFor();
      assert.equal(await toAnn.count(), 1);
      assert.equal(await toCarla.count(), 1);
      for (const row of [toAnn, toCarla]) {
        assert.match((await row.textContent()) ?? '', new RegExp(`from Support <${h.address}>`));
        assert.equal(await row.locator('[data-testid=delivery-conversation]').getAttribute('href'), `#/inbox/${conversationId}`);
      }
      await admin.screenshot({ path: join(shotsDir, 'email-e2e-deliveries.png'), fullPage: true });
      await toAnn.locator('[data-testid=delivery-conversation]').click();
      await admin.locator(`[data-testid=conv-view][data-id="${conversationId}"] [data-testid=message-text]`, { hasText: 'Great, thank you!' }).waitFor();
    });
  });
}
