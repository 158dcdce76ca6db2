// Rate limits on the public endpoints and on socket events answer with RATE_LIMITED and
// lose nothing that was accepted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AgentClient, call, connectVisitor, setupInstallation, startServer, type TestServer } from '../helpers/server';
import type { SiteView } from '../../server/transport/views';

describe('rate limits', () => {
  let srv: TestServer;
  let site: SiteView;

  before(async () => {
    srv = await startServer({ SOCKET_EVENTS_PER_10S: '5', LOGIN_PER_15MIN: '3', HTTP_PUBLIC_PER_MIN: '100000' });
    ({ site } = await setupInstallation(srv.url));
  });
  after(() => srv.close());

  it('a socket over its event budget gets RATE_LIMITED acks; accepted messages are stored', async () => {
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    try {
      const results = [];
      for (let i = 0; i < 8; i++) results.push(await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: `burst ${i}` }));
      const accepted = results.filter((r) => r.ok);
      const limited = results.filter((r) => !r.ok);
      assert.equal(accepted.length, 5);
      assert.equal(limited.length, 3);
      for (const r of limited) assert.equal(r.error.code, 'RATE_LIMITED');
      const conv = (await srv.deps.store.listConversations({ visitorId: visitor.session.visitor.id }, 1)).items[0]!;
      const stored = await srv.deps.store.listMessages(conv.id, { limit: 50 });
      assert.deepEqual(stored.map((m) => m.text), accepted.map((r) => r.message.text));
    } finally {
      visitor.socket.close();
    }
  });

  it('repeated logins from one address get 429 RATE_LIMITED', async () => {
    const anon = new AgentClient(srv.url);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await anon.post('/api/auth/login', { email: 'x@example.com', password: 'wrong password' })).status);
    assert.ok(statuses.includes(429), `statuses: ${statuses}`);
    const last = await anon.post('/api/auth/login', { email: 'x@example.com', password: 'wrong password' });
    assert.equal(last.status, 429);
    assert.equal(last.body.error.code, 'RATE_LIMITED');
    assert.ok(last.headers.get('ratelimit-policy') || last.headers.get('ratelimit'), 'standard rate-limit headers');
  });
});
