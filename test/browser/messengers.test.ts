// The Messengers settings screen in headless Chromium: an admin adds a messenger channel
// pointing at a real webhook on loopback, sees why the handshake fails while the webhook
// answers a wrong code, connects once it answers the right one, copies the inbound URL,
// disconnects, edits and deletes the channel.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN, setupInstallation, startServer, type AgentClient, type TestServer } from '../helpers/server';
import { launchDashboardPage, shotsDir, signInToDashboard } from '../helpers/browser';
import type { MessengerView, SiteView } from '../../server/transport/views';

const CODE = 'right-code-2024';
const NAME = 'Staff <img src=x onerror="window.__xss=1"> messenger';

/** A messenger's webhook: answers the confirmation request with `answer`, records every request. */
async function startPeer(): Promise<{ url: string; answer: string; requests: { body: string; signature?: string }[]; close(): Promise<void> }> {
  const peer = {
    url: '',
    answer: 'wrong-code-0000',
    requests: [] as { body: string; signature?: string }[],
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk)).on('end', () => {
      peer.requests.push({ body, signature: req.headers['x-parley-signature'] as string | undefined });
      const event = JSON.parse(body) as { type?: string };
      if (event.type === 'confirmation') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ confirmation: peer.answer }));
      } else {
        res.writeHead(200).end();
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  peer.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/parley`;
  return peer;
}

describe('browser: messenger channels in the admin settings', () => {
  let srv: TestServer;
  let admin: AgentClient;
  let site: SiteView;
  let peer: Awaited<ReturnType<typeof startPeer>>;
  let browser: Browser;
  let page: Page;
  let id = '';

  const row = () => page.locator(`[data-testid=messenger-row][data-id="${id}"]`);
  const onServer = async (): Promise<MessengerView> => {
    const res = await admin.get(`/api/messengers?site=${site.id}`);
    const found = (res.body as MessengerView[]).find((m) => m.id === id);
    assert.ok(found, 'the channel exists on the server');
    return found;
  };

  before(async () => {
    srv = await startServer();
    ({ admin, site } = await setupInstallation(srv.url));
    peer = await startPeer();
    ({ browser, page } = await launchDashboardPage());
  });

  after(async () => {
    await browser?.close();
    await peer?.close();
    await srv?.close();
  });

  it('an admin signs in and opens Settings → Messengers', async () => {
    await signInToDashboard(page, srv.url, ADMIN.email, ADMIN.password);
    await page.locator('[data-testid=nav-settings]').click();
    await page.locator('[data-testid=nav-messengers]').click();
    await page.locator('[data-testid=messenger-form]').waitFor();
    assert.match(page.url(), /#\/settings\/messengers$/);
    await page.locator(`[data-testid=messenger-site][data-id="${site.id}"][aria-pressed=true]`).waitFor();
  });

  it('adding a channel shows field errors from the server next to the fields, then adds it as pending', async () => {
    const form = page.locator('[data-testid=messenger-form]');
    await form.locator('[name=name]').fill(NAME);
    await form.locator('[name=webhookUrl]').fill('ftp://messenger.example.com/hook'); // a URL, but not http(s)
    const code = form.locator('[name=confirmationCode]');
    await code.fill(CODE);
    assert.equal(await code.getAttribute('type'), 'password');
    await form.locator('[data-testid=messenger-code-toggle]').click();
    assert.equal(await code.getAttribute('type'), 'text');
    await form.locator('[data-testid=messenger-code-toggle]').click();
    assert.equal(await code.getAttribute('type'), 'password');
    await form.locator('input[name=returning][value=new]').check();
    await form.locator('[type=submit]').click();

    const urlError = form.locator('.field:has([name=webhookUrl]) .field-error');
    await urlError.waitFor();
    assert.match((await urlError.textContent()) ?? '', /webhook URL/);
    assert.equal(await form.locator('[name=webhookUrl]').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('[data-testid=messenger-row]').count(), 0);
    await form.screenshot({ path: join(shotsDir, 'messenger-form-errors.png') });

    await form.locator('[name=webhookUrl]').fill(peer.url);
    await form.locator('[type=submit]').click();
    const added = page.locator('[data-testid=messenger-row]');
    await added.waitFor();
    id = (await added.getAttribute('data-id')) ?? '';
    assert.ok(id);
    assert.equal(await row().getAttribute('data-status'), 'pending');
    // The form is reset for the next channel.
    assert.equal(await form.locator('[name=name]').inputValue(), '');

    const stored = await onServer();
    assert.equal(stored.name, NAME);
    assert.equal(stored.webhookUrl, peer.url);
    assert.equal(stored.returning, 'new');
    assert.equal(stored.allowOperatorStart, true);
  });

  it('names render as text, and the inbound and public URLs are shown to copy', async () => {
    assert.equal(await row().locator('[data-testid=messenger-name]').textContent(), NAME);
    assert.equal(await row().locator('img').count(), 0);
    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);

    const publicUrl = srv.deps.config.PUBLIC_URL;
    const inbound = row().locator('[data-testid=messenger-inbound-url]');
    assert.equal(await inbound.inputValue(), `${publicUrl}/api/channels/messenger/${id}/messages`);
    assert.equal(await inbound.getAttribute('readonly'), '');
    assert.equal(await row().locator('[data-testid=messenger-public-url]').inputValue(), publicUrl);
    await row().getByRole('button', { name: 'Copy Inbound URL' }).click();
    await row().locator('.copy-field .notice').first().waitFor();
  });

  it('while the webhook answers a wrong code, Connect shows why and the row stays pending', async () => {
    await row().locator('[data-testid=messenger-connect]').click();
    const error = row().locator('[data-testid=messenger-error]');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    assert.match(text, /did not confirm the connection/);
    assert.match(text, /Webhook URL: the webhook answered without the confirmation code/);
    assert.equal(await row().getAttribute('data-status'), 'pending');
    assert.equal((await onServer()).status, 'pending');

    const request = JSON.parse(peer.requests.at(-1)!.body) as { type: string; messenger_id: string };
    assert.deepEqual(request, { type: 'confirmation', messenger_id: id });
    assert.match(peer.requests.at(-1)!.signature ?? '', /^v1=[0-9a-f]{64}$/);
    await page.screenshot({ path: join(shotsDir, 'messengers-handshake-failed.png'), fullPage: true });
  });

  it('once the webhook answers the right code, Connect makes the channel active', async () => {
    peer.answer = CODE;
    await row().locator('[data-testid=messenger-connect]').click();
    await page.locator(`[data-testid=messenger-row][data-id="${id}"][data-status=active]`).waitFor();
    assert.equal(await row().locator('[data-testid=messenger-error]').count(), 0);
    assert.equal(await row().locator('[data-testid=messenger-status]').textContent(), 'Active');
    assert.equal((await onServer()).status, 'active');
    await page.screenshot({ path: join(shotsDir, 'messengers.png'), fullPage: true });
  });

  it('Disconnect, from the keyboard, makes it disconnected', async () => {
    await row().locator('[data-testid=messenger-disconnect]').focus();
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid=messenger-row][data-id="${id}"][data-status=disconnected]`).waitFor();
    assert.equal((await onServer()).status, 'disconnected');
    await page.screenshot({ path: join(shotsDir, 'messengers-disconnected.png'), fullPage: true });
  });

  it('Edit renames the channel; a new confirmation code sends it back to pending until connected again', async () => {
    await row().locator('[data-testid=messenger-edit]').click();
    const form = row().locator('[data-testid=messenger-edit-form]');
    await form.waitFor();
    assert.equal(await form.locator('[name=confirmationCode]').inputValue(), '', 'the code is never shown again');
    await form.locator('[data-testid=messenger-reconnect-note]').waitFor();
    await form.locator('[name=name]').fill('Staff messenger');
    await form.locator('[type=submit]').click();
    await row().locator('[data-testid=messenger-name]', { hasText: 'Staff messenger' }).waitFor();
    assert.equal(await row().getAttribute('data-status'), 'disconnected', 'a rename alone needs no new handshake');
    // The save closes the form and reloads the list: let both finish before editing again,
    // or the reload can replace the form being typed into.
    await form.waitFor({ state: 'detached' });
    await page.waitForLoadState('networkidle');

    await row().locator('[data-testid=messenger-edit]').click();
    await form.waitFor();
    await form.locator('[name=confirmationCode]').fill('a-new-code-5678');
    assert.equal(await form.locator('[name=confirmationCode]').inputValue(), 'a-new-code-5678');
    await row().screenshot({ path: join(shotsDir, 'messenger-edit.png') });
    const saved = page.waitForResponse((r) => r.url().endsWith(`/api/messengers/${id}`) && r.request().method() === 'PATCH');
    await form.locator('[type=submit]').click();
    const body = await (await saved).json();
    assert.equal(body.status, 'pending', `the new code was sent: ${JSON.stringify(body)}`);
    await page.locator(`[data-testid=messenger-row][data-id="${id}"][data-status=pending]`).waitFor();
    const stored = await onServer();
    assert.equal(stored.name, 'Staff messenger');
    assert.equal(stored.webhookUrl, peer.url);

    peer.answer = 'a-new-code-5678';
    await row().locator('[data-testid=messenger-connect]').click();
    await page.locator(`[data-testid=messenger-row][data-id="${id}"][data-status=active]`).waitFor();
  });

  it('Delete asks first; cancelling keeps the channel, confirming removes it', async () => {
    await row().locator('[data-testid=messenger-delete]').click();
    const confirmation = row().locator('[data-testid=messenger-delete-confirmation]');
    await confirmation.waitFor();
    await confirmation.getByRole('button', { name: 'Cancel' }).click();
    await confirmation.waitFor({ state: 'detached' });
    assert.equal(await row().count(), 1);

    await row().locator('[data-testid=messenger-delete]').click();
    await row().locator('[data-testid=messenger-delete-confirm]').click();
    await row().waitFor({ state: 'detached' });
    const res = await admin.get(`/api/messengers?site=${site.id}`);
    assert.deepEqual(res.body, []);
  });
});
