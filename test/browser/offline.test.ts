// The widget when nobody is online (the "leave a message" form), in Italian from the
// page language; the pre-chat form; the unread badge while the panel is closed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, serveHostPage } from '../helpers/browser';
import { connected, call, setupInstallation, startServer, type AgentClient, type TestServer } from '../helpers/server';
import type { SiteView } from '../../server/transport/views';

describe('browser: offline form, language, pre-chat, unread badge', () => {
  let srv: TestServer;
  let admin: AgentClient;
  let site: SiteView;
  let browser: Browser;
  const hosts: { close(): Promise<void> }[] = [];

  before(async () => {
    srv = await startServer();
    ({ admin, site } = await setupInstallation(srv.url));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const h of hosts) await h.close();
    await srv?.close();
  });

  async function open(lang: string): Promise<Page> {
    const host = await serveHostPage(srv.url, site.widgetKey, lang);
    hosts.push(host);
    const page = await (await browser.newContext()).newPage();
    await page.goto(host.url);
    await page.locator('[data-testid=parley-launcher]').click();
    return page;
  }

  it('with every agent offline, an Italian page gets the Italian leave-a-message form; it becomes a pending conversation', async () => {
    const page = await open('it');
    const form = page.locator('[data-testid=parley-offline-form]');
    await form.waitFor();
    assert.match(await form.textContent() ?? '', /Lascia un messaggio/);
    await form.locator('[name=email]').fill('not an email');
    await form.locator('[name=message]').fill('Vorrei un preventivo');
    await page.locator('[data-testid=parley-offline-submit]').click();
    assert.equal(await page.locator('[data-testid=parley-offline-confirm]').count(), 0, 'an invalid email is refused in the form');
    await form.locator('[name=name]').fill('Giulia');
    await form.locator('[name=email]').fill('giulia@example.it');
    await page.locator('[data-testid=parley-offline-submit]').click();
    await page.locator('[data-testid=parley-offline-confirm]').waitFor();

    let convs: any[] = [];
    for (let i = 0; i < 50 && convs.length === 0; i++) {
      convs = (await admin.get('/api/conversations?status=pending')).body.items;
      if (!convs.length) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(convs.length, 1);
    assert.equal(convs[0].visitor.email, 'giulia@example.it');
    assert.equal(convs[0].visitor.name, 'Giulia');
    assert.equal(convs[0].lastMessagePreview, 'Vorrei un preventivo');
  });

  it('the pre-chat form asks for what the site requires, and an agent message while closed shows the unread badge', async () => {
    await admin.patch(`/api/sites/${site.id}`, { prechat: { enabled: true, name: 'required', email: 'hidden' } });
    const agent = admin.socket();
    await connected(agent);
    try {
      const page = await open('en');
      const prechat = page.locator('[data-testid=parley-prechat]');
      await prechat.waitFor();
      assert.equal(await prechat.locator('[name=email]').count(), 0, 'email is hidden for this site');
      await page.locator('[data-testid=parley-prechat-submit]').click();
      assert.equal(await page.locator('[data-testid=parley-input]').count(), 0, 'the required name blocks the form');
      await prechat.locator('[name=name]').fill('Sam');
      await page.locator('[data-testid=parley-prechat-submit]').click();
      const input = page.locator('[data-testid=parley-input]');
      await input.fill('Is the blue one in stock?');
      await input.press('Enter');
      await page.locator('[data-testid=parley-message][data-author=visitor]:not([data-pending=true])').waitFor();

      const conv = (await admin.get('/api/conversations?status=open')).body.items.find((c: any) => c.visitor.name === 'Sam');
      assert.ok(conv, 'the conversation carries the pre-chat name');
      await page.locator('[data-testid=parley-close]').click();
      await call(agent, 'message:send', { conversationId: conv.id, clientId: randomUUID(), text: 'Yes, it is!' });
      const badge = page.locator('[data-testid=parley-badge]');
      await badge.waitFor();
      assert.equal((await badge.textContent())?.trim(), '1');
      await page.locator('[data-testid=parley-launcher]').click();
      await page.locator('[data-testid=parley-message-text]', { hasText: 'Yes, it is!' }).waitFor();
      assert.equal(await badge.count(), 0, 'opening the panel clears the badge');
    } finally {
      agent.close();
    }
  });
});
