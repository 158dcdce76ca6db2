// The Inboxes settings screen and email in the conversation view, in headless Chromium
// against a real Dovecot: an admin sets up an inbox in Advanced mode (STARTTLS on the
// plain IMAP port, self-signed certificate accepted), tests the connection with a wrong
// and a right password, saves and watches the status become Active; a delivered email
// becomes a conversation named after its subject, a reply's quote shows on demand, and
// with "convert all" off a stranger's email is set aside until the admin imports it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchDashboardPage, shotsDir, signInToDashboard } from '../helpers/browser';
import { DOVECOT_MISSING, startDovecot, type Dovecot } from '../helpers/dovecot';
import { mailSuiteSkip } from '../helpers/inbox';
import { ADMIN, setupInstallation, startServer, type AgentClient, type TestServer } from '../helpers/server';
import type { InboxView } from '../../server/transport/views';

const PASSWORD = 'mailbox-secret-1';
const ADDRESS = 'support@example.test';
const SUBJECT = 'Order 1234 <b>never</b> arrived';


const probe = await startDovecot({ users: [{ user: 'support', password: PASSWORD }, { user: 'sales', password: PASSWORD }] });

function firstEmail(): string {
  return [
    'From: Carla Customer <carla@example.test>',
    `To: ${ADDRESS}`,
    `Subject: ${SUBJECT}`,
    'Message-ID: <order-1234@example.test>',
    'Date: Mon, 06 Jan 2025 10:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Hello, my order 1234 never arrived. Where is it?',
    '',
  ].join('\r\n');
}

/** Carla answers her own thread: new text on top, the quote below, and an HTML part with a script the frame must never run. */
function replyEmail(): string {
  return [
    'From: Carla Customer <carla@example.test>',
    `To: ${ADDRESS}`,
    'Subject: Re: Order 1234 never arrived',
    'Message-ID: <order-1234-reply@example.test>',
    'In-Reply-To: <order-1234@example.test>',
    'References: <order-1234@example.test>',
    'Date: Mon, 06 Jan 2025 11:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="alt-1"',
    '',
    '--alt-1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Found it in the garage, thanks!',
    '',
    'On Mon, 6 Jan 2025 at 10:00, Carla Customer <carla@example.test> wrote:',
    '> Hello, my order 1234 never arrived. Where is it?',
    '',
    '--alt-1',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Found it in the garage, <b>thanks</b>!</p><script>parent.__xss = 1</script>',
    '<blockquote type="cite">Hello, my order 1234 never arrived. Where is it?</blockquote>',
    '--alt-1--',
    '',
  ].join('\r\n');
}

function strangerEmail(): string {
  return [
    'From: Sam Stranger <sam@elsewhere.test>',
    `To: ${ADDRESS}`,
    'Subject: Partnership proposal',
    'Message-ID: <proposal-1@elsewhere.test>',
    'Date: Mon, 06 Jan 2025 12:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Would you like to work together?',
    '',
  ].join('\r\n');
}

if (!probe || mailSuiteSkip()) {
  await probe?.destroy();
  it('browser: inboxes in the admin settings', { skip: probe ? mailSuiteSkip()! : DOVECOT_MISSING }, () => {});
} else {
  describe('browser: inboxes in the admin settings', () => {
    const dovecot: Dovecot = probe;
    let srv: TestServer;
    let admin: AgentClient;
    let browser: Browser;
    let page: Page;
    let id = '';

    const row = () => page.locator(`[data-testid=inbox-row][data-id="${id}"]`);
    const onServer = async (): Promise<InboxView> => {
      const res = await admin.get(`/api/inboxes/${id}`);
      assert.equal(res.status, 200);
      return res.body as InboxView;
    };
    const openInboxesTab = async () => {
      await page.locator('[data-testid=nav-settings]').click();
      await page.locator('[data-testid=nav-inboxes]').click();
      await page.locator('[data-testid=inbox-form]').waitFor();
    };

    before(async () => {
      await dovecot.createFolder('support', 'Archive');
      srv = await startServer({ MAIL_SUPERVISE_MS: '200' });
      srv.deps.email.start();
      ({ admin } = await setupInstallation(srv.url));
      ({ browser, page } = await launchDashboardPage());
    });

    after(async () => {
      await browser?.close();
      await srv?.close();
      await dovecot.destroy();
    });

    it('an admin signs in and opens Settings → Inboxes', async () => {
      await signInToDashboard(page, srv.url, ADMIN.email, ADMIN.password);
      await openInboxesTab();
      assert.match(page.url(), /#\/settings\/inboxes$/);
      await page.locator('[data-testid=inbox-site][aria-pressed=true]').waitFor();
      // Standard mode first, the service still to be chosen: the server's complaint shows beside it.
      const form = page.locator('[data-testid=inbox-form]');
      assert.equal(await form.locator('[data-testid=inbox-mode-standard]').getAttribute('aria-pressed'), 'true');
      assert.equal(await form.locator('select[name=preset]').inputValue(), 'other');
      await form.locator('[name=password]').fill('anything');
      await form.locator('[data-testid=inbox-test]').click();
      const serviceError = form.locator('.field:has(select[name=preset]) .field-error');
      await serviceError.waitFor();
      assert.match((await serviceError.textContent()) ?? '', /choose a service preset/);
      // A preset shows its server; POP3 is greyed out for a preset without it.
      await form.locator('select[name=preset]').selectOption('icloud');
      assert.equal(await form.locator('input[name=protocol][value=pop3]').isDisabled(), true);
      assert.match((await form.locator('[data-testid=inbox-preset-server]').textContent()) ?? '', /imap\.mail\.me\.com:993/);
      await form.locator('select[name=preset]').selectOption('gmail');
      assert.equal(await form.locator('input[name=protocol][value=pop3]').isDisabled(), false);
    });

    it('Advanced mode: Test connection says why a wrong password fails, then lists the folders', async () => {
      const form = page.locator('[data-testid=inbox-form]');
      await form.locator('[name=name]').fill('Support');
      await form.locator('[name=address]').fill(ADDRESS);
      await form.locator('[data-testid=inbox-mode-advanced]').click();
      await form.locator('input[name=protocol][value=imap]').check();
      await form.locator('[name=host]').fill(dovecot.host);
      await form.locator('[name=security]').selectOption('starttls');
      await form.locator('[name=port]').fill(String(dovecot.ports.imap));
      assert.equal(await form.locator('[data-testid=inbox-cert-warning]').count(), 0);
      await form.locator('[name=allowInvalidCert]').check();
      await form.locator('[data-testid=inbox-cert-warning]').waitFor();
      assert.equal(await form.locator('[name=username]').getAttribute('placeholder'), ADDRESS);

      await form.locator('[name=password]').fill('not-the-password');
      await form.locator('[data-testid=inbox-test]').click();
      const result = form.locator('[data-testid=inbox-test-result]');
      await result.waitFor();
      assert.equal(await result.getAttribute('data-ok'), 'false');
      assert.match((await result.textContent()) ?? '', /wrong username or password/);
      assert.match((await result.getAttribute('class')) ?? '', /\berror\b/);

      await form.locator('[name=password]').fill(PASSWORD);
      assert.equal(await result.count(), 0, 'a changed connection clears the old result');
      await form.locator('[data-testid=inbox-test]').click();
      await form.locator('[data-testid=inbox-test-result][data-ok=true]').waitFor();
      assert.match((await result.textContent()) ?? '', /Connected over IMAP/);
      assert.match((await result.getAttribute('class')) ?? '', /\bnotice\b/);
      // The folder field became a picker of the mailbox's folders.
      const folders = await form.locator('select[name=folder] option').allTextContents();
      for (const f of ['INBOX', 'Archive']) assert.ok(folders.includes(f), `folder ${f} listed: ${folders.join(', ')}`);
      assert.equal(await form.locator('select[name=folder]').inputValue(), 'INBOX');

      await form.locator('[name=convertAll]').check();
      // The settings page scrolls inside the app shell: a tall viewport shows the whole form.
      await page.setViewportSize({ width: 1280, height: 3200 });
      await form.screenshot({ path: join(shotsDir, 'inbox-form.png') });
      await page.setViewportSize({ width: 1280, height: 1000 });
    });

    it('saving adds the inbox; its status becomes Active with the last sync shown', async () => {
      const form = page.locator('[data-testid=inbox-form]');
      await form.locator('[type=submit]').click();
      const added = page.locator('[data-testid=inbox-row]');
      await added.waitFor();
      id = (await added.getAttribute('data-id')) ?? '';
      assert.ok(id);
      assert.equal(await form.locator('[name=name]').inputValue(), '', 'the form is reset for the next inbox');

      await page.locator(`[data-testid=inbox-row][data-id="${id}"][data-state=active]`).waitFor({ timeout: 20_000 });
      assert.equal(await row().locator('[data-testid=inbox-status]').textContent(), 'Active');
      await row().locator('[data-testid=inbox-last-sync]', { hasNotText: 'Never' }).waitFor({ timeout: 20_000 });

      const stored = await onServer();
      assert.equal(stored.settings.preset, 'other');
      assert.equal(stored.settings.protocol, 'imap');
      assert.deepEqual(
        { host: stored.settings.incoming.host, port: stored.settings.incoming.port, security: stored.settings.incoming.security },
        { host: dovecot.host, port: dovecot.ports.imap, security: 'starttls' },
      );
      assert.equal(stored.settings.incoming.allowInvalidCert, true);
      assert.equal(stored.settings.incoming.username, ADDRESS);
      assert.equal(stored.settings.convertAll, true);
      // Gmail was chosen before Advanced pointed elsewhere: nothing of Gmail's trust is kept.
      assert.equal(stored.settings.trustedAuthServId, null);
      assert.equal(stored.settings.plusAddressing, false);
      assert.deepEqual(stored.settings.headerFilters, [{ header: 'X-Spam-Flag', pattern: 'YES' }]);
      assert.equal(stored.hasPassword, true);
      assert.equal(stored.status.state, 'active');
    });

    it('an email becomes a conversation named after its subject, with an envelope in the list', async () => {
      await dovecot.deliver(ADDRESS, firstEmail(), { from: 'carla@example.test' });
      await page.locator('[data-testid=nav-inbox]').click();
      const item = page.locator('[data-testid=conv-item]', { has: page.locator('.conv-name', { hasText: SUBJECT }) });
      await item.waitFor({ timeout: 20_000 });
      assert.equal(await item.locator('.conv-name').textContent(), SUBJECT, 'the subject shows as text');
      assert.equal(await item.locator('[data-testid=conv-channel]').getAttribute('data-channel'), 'email');
      assert.match((await item.locator('[data-testid=conv-channel]').textContent()) ?? '', /✉\s*Email/);
      assert.equal(await page.locator('.conv-name b').count(), 0);

      await item.click();
      const view = page.locator('[data-testid=conv-view]');
      const message = view.locator('[data-testid=message]').first();
      await message.waitFor();
      assert.equal(await message.locator('[data-testid=message-subject]').textContent(), SUBJECT);
      assert.match((await message.locator('[data-testid=message-text]').textContent()) ?? '', /order 1234 never arrived/);
    });

    it('a reply shows only its new text; "Show quoted text" reveals the quote, and the HTML opens in a sandboxed frame', async () => {
      await dovecot.deliver(ADDRESS, replyEmail(), { from: 'carla@example.test' });
      const view = page.locator('[data-testid=conv-view]');
      const reply = view.locator('[data-testid=message]', { hasText: 'Found it in the garage' });
      await reply.waitFor({ timeout: 20_000 });
      const text = (await reply.locator('[data-testid=message-text]').textContent()) ?? '';
      assert.doesNotMatch(text, /Where is it\?/, 'the quote is cut from the message');
      assert.equal(await reply.locator('[data-testid=message-subject]').textContent(), 'Re: Order 1234 never arrived');

      const toggle = reply.locator('[data-testid=message-quoted-toggle]');
      assert.equal(await toggle.textContent(), 'Show quoted text');
      await toggle.click();
      const original = reply.locator('[data-testid=message-original]');
      await original.waitFor();
      assert.match((await original.textContent()) ?? '', /> Hello, my order 1234 never arrived\. Where is it\?/);
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');

      await reply.locator('[data-testid=message-html-toggle]').click();
      const frame = reply.locator('iframe[data-testid=message-html]');
      await frame.waitFor();
      assert.equal(await frame.getAttribute('sandbox'), '', 'no scripts, no same origin');
      const inner = page.frameLocator('iframe[data-testid=message-html]');
      await inner.locator('text=Found it in the garage').waitFor();
      assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);
      await reply.screenshot({ path: join(shotsDir, 'inbox-email-quoted.png') });

      await toggle.click();
      assert.equal(await original.count(), 0);
    });

    it('editing keeps the stored password: the form says "unchanged" and Test connection still logs in', async () => {
      await openInboxesTab();
      await row().locator('[data-testid=inbox-edit]').click();
      const form = row().locator('[data-testid=inbox-edit-form]');
      await form.waitFor();
      assert.equal(await form.locator('[data-testid=inbox-mode-advanced]').getAttribute('aria-pressed'), 'true');
      assert.equal(await form.locator('[name=password]').getAttribute('placeholder'), 'unchanged');
      assert.equal(await form.locator('[name=password]').inputValue(), '');
      assert.equal(await form.locator('[name=host]').inputValue(), dovecot.host);
      await form.locator('[data-testid=inbox-test]').click();
      await form.locator('[data-testid=inbox-test-result][data-ok=true]').waitFor();

      // "Convert all" off: mail from strangers is set aside from now on.
      await form.locator('[name=convertAll]').uncheck();
      await form.locator('[type=submit]').click();
      await form.waitFor({ state: 'detached' });
      await row().locator('.notice', { hasText: 'Saved' }).waitFor();
      const stored = await onServer();
      assert.equal(stored.settings.convertAll, false);
      assert.equal(stored.hasPassword, true);
      await page.locator(`[data-testid=inbox-row][data-id="${id}"][data-state=active]`).waitFor({ timeout: 20_000 });
      await page.screenshot({ path: join(shotsDir, 'inbox-status-list.png'), fullPage: true });
    });

    it('with "convert all" off a stranger\'s email is set aside; Import turns it into a conversation', async () => {
      await dovecot.deliver(ADDRESS, strangerEmail(), { from: 'sam@elsewhere.test' });
      await row().locator('[data-testid=inbox-count-set-aside]', { hasText: '1' }).waitFor({ timeout: 20_000 });
      await row().locator('[data-testid=inbox-mail-toggle]').click();
      const item = row().locator('[data-testid=mail-item]', { hasText: 'Partnership proposal' });
      await item.waitFor();
      assert.match((await item.locator('[data-testid=mail-from]').textContent()) ?? '', /sam@elsewhere\.test/);
      assert.match((await item.locator('[data-testid=mail-reason]').textContent()) ?? '', /convert all emails/);
      assert.match((await item.locator('[data-testid=mail-download]').getAttribute('href')) ?? '', new RegExp(`/api/inboxes/${id}/mail/.+/raw$`));
      await row().screenshot({ path: join(shotsDir, 'inbox-set-aside.png') });

      await item.locator('[data-testid=mail-import]').click();
      const link = item.locator('[data-testid=mail-conversation-link]');
      await link.waitFor();
      await link.click();
      const view = page.locator('[data-testid=conv-view]');
      await view.locator('.thread-title', { hasText: 'Partnership proposal' }).waitFor();
      await view.locator('[data-testid=message-text]', { hasText: 'Would you like to work together?' }).waitFor();
      assert.equal((await admin.get(`/api/inboxes/${id}/mail?kind=set-aside`)).body.items.length, 0);
    });

    it('a refused login shows Error with the reason and Reconnect; a new password brings the inbox back', async () => {
      await openInboxesTab();
      const site = (await admin.get('/api/sites')).body[0] as { id: string };
      const created = await admin.post(`/api/sites/${site.id}/inboxes`, {
        name: 'Sales', address: 'sales@example.test', password: 'wrong-password',
        settings: { protocol: 'imap', incoming: { host: dovecot.host, port: dovecot.ports.imap, security: 'starttls', allowInvalidCert: true } },
      });
      assert.equal(created.status, 201);
      const sales = page.locator(`[data-testid=inbox-row][data-id="${(created.body as InboxView).id}"]`);
      await sales.and(page.locator('[data-state=error]')).waitFor({ timeout: 20_000 });
      assert.equal(await sales.locator('[data-testid=inbox-status]').textContent(), 'Error');
      assert.match((await sales.locator('[data-testid=inbox-status-detail]').textContent()) ?? '', /wrong username or password/);
      await sales.screenshot({ path: join(shotsDir, 'inbox-status-error.png') });

      // Reconnect tries again at once; a wrong password is still refused.
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/reconnect') && r.request().method() === 'POST'),
        sales.locator('[data-testid=inbox-reconnect]').click(),
      ]);
      assert.equal(answer.status(), 200);
      await sales.and(page.locator('[data-state=error]')).waitFor({ timeout: 20_000 });

      await sales.locator('[data-testid=inbox-edit]').click();
      const form = sales.locator('[data-testid=inbox-edit-form]');
      await form.locator('[name=password]').fill(PASSWORD);
      await form.locator('[type=submit]').click();
      await sales.and(page.locator('[data-state=active]')).waitFor({ timeout: 20_000 });
      assert.equal(await sales.locator('[data-testid=inbox-status-detail]').count(), 0);
      assert.equal(await sales.locator('[data-testid=inbox-reconnect]').count(), 0);
    });

    it('Delete asks first; confirming removes the inbox', async () => {
      await openInboxesTab();
      await row().locator('[data-testid=inbox-delete]').click();
      const confirm = row().locator('[data-testid=inbox-delete-confirmation]');
      await confirm.waitFor();
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      assert.equal((await onServer()).id, id);

      await row().locator('[data-testid=inbox-delete]').click();
      await row().locator('[data-testid=inbox-delete-confirm]').click();
      await row().waitFor({ state: 'detached' });
      assert.equal((await admin.get(`/api/inboxes/${id}`)).status, 404);
    });
  });
}
