// Settings → Deliveries and "Start a conversation" in headless Chromium: an admin sees a dead
// webhook delivery with the receiver's reason, retries it once the receiver is fixed and
// it goes out; then writes first to a known messenger user and lands in the conversation.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN, setupInstallation, startServer, type AgentClient, type TestServer } from '../helpers/server';
import { launchDashboardPage, shotsDir, signInToDashboard } from '../helpers/browser';
import { signedHeaders } from '../../server/channels/messenger/signature';
import type { SiteView } from '../../server/transport/views';

const CODE = 'outbox-test-code-2024';

/** A loopback HTTP server answering `status`, recording every body (and a messenger's confirmation). */
async function startReceiver(status: number): Promise<{ url: string; status: number; bodies: string[]; close(): Promise<void> }> {
  const r = {
    url: '',
    status,
    bodies: [] as string[],
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk)).on('end', () => {
      r.bodies.push(body);
      let event: { type?: string } = {};
      try {
        event = JSON.parse(body) as { type?: string };
      } catch { /* not JSON */ }
      if (event.type === 'confirmation') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ confirmation: CODE }));
      else res.writeHead(r.status).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  return r;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

describe('browser: outbox deliveries and operator-started messenger conversations', () => {
  let srv: TestServer;
  let admin: AgentClient;
  let site: SiteView;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let peer: Awaited<ReturnType<typeof startReceiver>>;
  let browser: Browser;
  let page: Page;
  let jobId = '';

  before(async () => {
    srv = await startServer();
    srv.deps.outbox.start();
    ({ admin, site } = await setupInstallation(srv.url));
    receiver = await startReceiver(410);
    peer = await startReceiver(200);
    ({ browser, page } = await launchDashboardPage());
  });

  after(async () => {
    await browser?.close();
    await srv?.deps.outbox.stop();
    await receiver?.close();
    await peer?.close();
    await srv?.close();
  });

  it('a delivery the receiver refuses with 410 is dead', async () => {
    const job = await srv.deps.outbox.enqueue({ kind: 'http', key: 'k1', queue: 'q', payload: { url: receiver.url, body: {} } });
    jobId = job.id;
    const dead = await until('the job to be dead', async () => {
      const j = await srv.deps.store.getJob(jobId);
      return j?.status === 'dead' ? j : null;
    });
    assert.match(dead.lastError ?? '', /HTTP 410/);
  });

  it('an admin opens Settings → Deliveries and sees it with the reason', async () => {
    await signInToDashboard(page, srv.url, ADMIN.email, ADMIN.password);
    await page.locator('[data-testid=nav-settings]').click();
    await page.locator('[data-testid=nav-deliveries]').click();
    assert.match(page.url(), /#\/settings\/deliveries$/);
    const row = page.locator(`[data-testid=delivery-row][data-id="${jobId}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-status'), 'dead');
    assert.match((await row.locator('[data-testid=delivery-error]').textContent()) ?? '', /HTTP 410/);
    assert.equal(await row.locator('[data-testid=delivery-kind]').textContent(), 'http');
    await page.screenshot({ path: join(shotsDir, 'deliveries-dead.png'), fullPage: true });

    // The filter shows the other statuses; nothing is sent yet.
    await page.locator('[data-testid=delivery-status]').selectOption('sent');
    await page.locator('[data-testid=delivery-empty]').waitFor();
    await page.locator('[data-testid=delivery-status]').selectOption('dead');
    await row.waitFor();
  });

  it('once the receiver answers 200, Retry makes it pending and it is sent', async () => {
    receiver.status = 200;
    const before = receiver.bodies.length;
    const row = page.locator(`[data-testid=delivery-row][data-id="${jobId}"]`);
    await row.locator('[data-testid=delivery-retry]').click();
    await page.locator(`[data-testid=delivery-row][data-id="${jobId}"][data-status=pending]`).waitFor();
    assert.equal(await row.locator('[data-testid=delivery-retry]').count(), 0);
    await until('the job to be sent', async () => (await srv.deps.store.getJob(jobId))?.status === 'sent');
    assert.ok(receiver.bodies.length > before, 'the receiver got the delivery again');

    await page.locator('[data-testid=delivery-refresh]').click();
    await page.locator('[data-testid=delivery-empty]', { hasText: 'No failed deliveries' }).waitFor();
    await page.locator('[data-testid=delivery-status]').selectOption('sent');
    await page.locator(`[data-testid=delivery-row][data-id="${jobId}"][data-status=sent]`).waitFor();
  });

  it('an operator starts a conversation with a known messenger user and lands in it', async () => {
    const created = await admin.post(`/api/sites/${site.id}/messengers`, {
      name: 'Staff messenger', webhookUrl: peer.url, confirmationCode: CODE, returning: 'reopen', allowOperatorStart: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = (created.body as { id: string }).id;
    const connected = await admin.post(`/api/messengers/${id}/connect`);
    assert.equal(connected.status, 200, JSON.stringify(connected.body));

    // The user writes once through the messenger: now Parley knows them.
    const raw = JSON.stringify({ message_id: 'm-1', user: { id: 'user-42', name: 'Uma User' }, text: 'Hello from the messenger' });
    const inbound = await fetch(`${srv.url}/api/channels/messenger/${id}/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(CODE, raw, Date.now()) }, body: raw,
    });
    const received = (await inbound.json()) as { conversation_id: string };
    assert.equal(inbound.status, 201, JSON.stringify(received));

    await page.locator('[data-testid=nav-messengers]').click();
    const row = page.locator(`[data-testid=messenger-row][data-id="${id}"][data-status=active]`);
    await row.waitFor();
    const form = row.locator('[data-testid=messenger-start]');

    // An unknown user id: the server's reason shows next to the form.
    await form.locator('[name=userId]').fill('nobody');
    await form.locator('[name=text]').fill('Hi there');
    await form.locator('[type=submit]').click();
    const error = form.locator('[data-testid=messenger-start-error]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /No user with this id/);
    await page.screenshot({ path: join(shotsDir, 'messenger-start-error.png'), fullPage: true });

    await form.locator('[name=userId]').fill('user-42');
    await form.locator('[name=text]').fill('Hello Uma, an operator here');
    await form.locator('[type=submit]').click();
    const view = page.locator('[data-testid=conv-view]');
    await view.waitFor();
    assert.match(page.url(), /#\/inbox\/[^/]+$/);
    const convId = decodeURIComponent(page.url().split('/').at(-1)!);
    assert.equal(await view.getAttribute('data-id'), convId);
    assert.equal(convId, received.conversation_id, 'the user\'s open conversation continues');
    await view.locator('[data-testid=message-text]', { hasText: 'Hello Uma, an operator here' }).waitFor();

    const sent = await until('the peer to receive the message', async () =>
      peer.bodies.map((b) => JSON.parse(b) as { type: string; message?: { user_id: string; text: string; conversation_id: string } })
        .find((e) => e.type === 'message' && e.message?.text === 'Hello Uma, an operator here'));
    assert.equal(sent.message?.user_id, 'user-42');
    assert.equal(sent.message?.conversation_id, convId);
    await page.screenshot({ path: join(shotsDir, 'messenger-started-conversation.png'), fullPage: true });
  });
});
