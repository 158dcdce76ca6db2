// The whole product in headless Chromium: the widget on a host page served from another
// origin, the agent in the dashboard, live both ways, history after a reload, and XSS
// payloads rendered as inert text on both sides.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN, setupInstallation, startServer, type TestServer } from '../helpers/server';
import { launchChromium, serveHostPage, shotsDir } from '../helpers/browser';
import type { SiteView } from '../../server/transport/views';

const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold?</b>`;

describe('browser: widget and dashboard', () => {
  let srv: TestServer;
  let site: SiteView;
  let browser: Browser;
  let host: { url: string; close(): Promise<void> };
  let agentCtx: BrowserContext;
  let visitorCtx: BrowserContext;
  let agentPage: Page;
  let visitorPage: Page;

  before(async () => {
    srv = await startServer();
    ({ site } = await setupInstallation(srv.url));
    // Parley on 127.0.0.1, the host page on localhost: two different origins.
    host = await serveHostPage(srv.url, site.widgetKey);
    browser = await launchChromium();
    agentCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    visitorCtx = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'en-US' });
    agentPage = await agentCtx.newPage();
    visitorPage = await visitorCtx.newPage();
    mkdirSync(shotsDir, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await host?.close();
    await srv?.close();
  });

  it('the agent signs in to the dashboard', async () => {
    await agentPage.goto(`${srv.url}/admin/`);
    const form = agentPage.locator('[data-testid=login-form]');
    await form.locator('[name=email]').fill(ADMIN.email);
    await form.locator('[name=password]').fill('wrong password!!');
    await form.locator('[type=submit]').click();
    await agentPage.locator('[data-testid=login-error]').waitFor();
    await form.locator('[name=password]').fill(ADMIN.password);
    await form.locator('[type=submit]').click();
    await agentPage.locator('[data-testid=conv-list]').waitFor();
    await agentPage.locator('[data-testid=conn-state][data-state=connected]').waitFor();
  });

  it('a visitor on another origin opens the widget and sends a message; the agent sees it live', async () => {
    await visitorPage.goto(host.url);
    const launcher = visitorPage.locator('[data-testid=parley-launcher]');
    await launcher.waitFor();
    await launcher.click();
    const input = visitorPage.locator('[data-testid=parley-input]');
    await input.waitFor();
    await input.fill('Hello from the host page');
    await input.press('Enter');
    await visitorPage.locator('[data-testid=parley-message][data-author=visitor]:not([data-pending=true])', { hasText: 'Hello from the host page' }).waitFor();

    const row = agentPage.locator('[data-testid=conv-item]').first();
    await row.waitFor();
    await row.click();
    await agentPage.locator('[data-testid=message][data-author=visitor] [data-testid=message-text]', { hasText: 'Hello from the host page' }).waitFor();
    await visitorPage.screenshot({ path: join(shotsDir, 'widget-open.png') });
  });

  it('the agent replies and the visitor sees it live', async () => {
    await agentPage.locator('[data-testid=reply-input]').fill('Hi! How can I help?');
    await agentPage.locator('[data-testid=reply-send]').click();
    await visitorPage.locator('[data-testid=parley-message][data-author=agent] [data-testid=parley-message-text]', { hasText: 'Hi! How can I help?' }).waitFor();
    await agentPage.screenshot({ path: join(shotsDir, 'dashboard-conversation.png') });
  });

  it('after a reload the visitor still has the history', async () => {
    await visitorPage.reload();
    await visitorPage.locator('[data-testid=parley-launcher]').click();
    const texts = visitorPage.locator('[data-testid=parley-message-text]');
    await texts.filter({ hasText: 'Hi! How can I help?' }).waitFor();
    const all = await texts.allTextContents();
    assert.ok(all.includes('Hello from the host page'));
    assert.ok(all.includes('Hi! How can I help?'));
  });

  it('HTML and script payloads render as inert text in widget and dashboard', async () => {
    const input = visitorPage.locator('[data-testid=parley-input]');
    await input.fill(XSS);
    await input.press('Enter');
    const inDashboard = agentPage.locator('[data-testid=message-text]', { hasText: 'window.__xss=2' });
    await inDashboard.waitFor();
    assert.equal(await inDashboard.textContent(), XSS);

    await agentPage.locator('[data-testid=reply-input]').fill(XSS);
    await agentPage.locator('[data-testid=reply-send]').click();
    const inWidget = visitorPage.locator('[data-testid=parley-message][data-author=agent] [data-testid=parley-message-text]', { hasText: 'window.__xss=2' });
    await inWidget.waitFor();
    assert.equal(await inWidget.textContent(), XSS);

    for (const page of [agentPage, visitorPage]) {
      assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);
      assert.equal(await page.locator('[data-testid=message-text] img, [data-testid=parley-message-text] img, [data-testid=message-text] b, [data-testid=parley-message-text] b').count(), 0);
    }
  });

  it('the host page\'s hostile CSS does not reach inside the widget', async () => {
    const launcher = visitorPage.locator('[data-testid=parley-launcher]');
    assert.equal(await launcher.isVisible(), true, 'host CSS hides every button; the widget\'s must stay visible');
    const font = await visitorPage.locator('[data-testid=parley-input]').evaluate((el) => getComputedStyle(el).fontSize);
    assert.notEqual(font, '30px');
  });
});
