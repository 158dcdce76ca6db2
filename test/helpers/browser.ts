// Headless Chromium from Debian (never a downloaded browser build), driven by
// playwright-core, and a host page served from a second origin.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const shotsDir = join(process.cwd(), '.test-tmp', 'screenshots');
export const CHROMIUM_MISSING = `${CHROMIUM} not found: run "npm run setup:test" (installs Debian's chromium) or set CHROMIUM_PATH`;
/** Why browser tests cannot run here, or null. */
export const chromiumSkip = (): string | null => (existsSync(CHROMIUM) ? null : CHROMIUM_MISSING);

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM_MISSING);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
    // launch() always runs Chromium on a fresh temporary profile (it refuses --user-data-dir).
  });
}

/** Chromium with one desktop-sized page for the dashboard; screenshots go to shotsDir. */
export async function launchDashboardPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  mkdirSync(shotsDir, { recursive: true });
  return { browser, page: await ctx.newPage() };
}

/**
 * A host page on http://localhost:<port> embedding the widget from `parleyUrl`
 * (http://127.0.0.1:...), with deliberately hostile CSS.
 */
export async function serveHostPage(parleyUrl: string, siteKey: string, lang = 'en'): Promise<{ url: string; close(): Promise<void> }> {
  const html = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Host shop</title>
<style>* { box-sizing: content-box !important; font: 30px serif !important; color: red !important } button { display: none !important }</style>
</head><body><h1>Acme shop</h1><p>Products and more products.</p>
<script src="${parleyUrl}/widget.js" data-site="${siteKey}" async></script></body></html>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://localhost:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Opens the dashboard and signs in through its login form; resolves once it is live. */
export async function signInToDashboard(page: Page, parleyUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${parleyUrl}/admin/`);
  const form = page.locator('[data-testid=login-form]');
  await form.locator('[name=email]').fill(email);
  await form.locator('[name=password]').fill(password);
  await form.locator('[type=submit]').click();
  await page.locator('[data-testid=conn-state][data-state=connected]').waitFor();
}
