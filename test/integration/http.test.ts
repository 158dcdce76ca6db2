// The REST API over real HTTP: setup, auth, authorization, validation, attachments.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { io as ioClient } from 'socket.io-client';
import {
  ADMIN, AgentClient, call, connectVisitor, createAgent, setupInstallation, startServer, visitorSession, type TestServer,
} from '../helpers/server';
import type { SiteView } from '../../server/transport/views';

describe('first-run setup', () => {
  let srv: TestServer;
  before(async () => { srv = await startServer(); });
  after(() => srv.close());

  it('is offered until the first admin exists, then refused', async () => {
    const anon = new AgentClient(srv.url);
    assert.deepEqual((await anon.get('/api/setup')).body, { needsSetup: true });
    const weak = await anon.post('/api/setup', { name: 'A', email: 'a@example.com', password: 'short' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.code, 'VALIDATION_FAILED');
    assert.ok(weak.body.error.details.some((d: any) => d.path === 'password'));
    const { admin } = await setupInstallation(srv.url);
    assert.equal(admin.auth?.agent.role, 'admin');
    assert.deepEqual((await anon.get('/api/setup')).body, { needsSetup: false });
    const again = await anon.post('/api/setup', { name: 'Mallory', email: 'm@example.com', password: 'long enough password' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'SETUP_DONE');
  });
});

describe('authentication and authorization', () => {
  let srv: TestServer;
  let admin: AgentClient;
  let agent: AgentClient;
  let site: SiteView;

  before(async () => {
    srv = await startServer();
    ({ admin, site } = await setupInstallation(srv.url));
    agent = await createAgent(admin, { name: 'Bob', email: 'bob@example.com' });
  });
  after(() => srv.close());

  it('unauthenticated requests get 401 with a code and a sentence', async () => {
    const anon = new AgentClient(srv.url);
    for (const path of ['/api/auth/me', '/api/agents', '/api/departments', '/api/sites', '/api/conversations', '/api/conversations/x/messages']) {
      const res = await anon.get(path);
      assert.equal(res.status, 401, path);
      assert.equal(res.body.error.code, 'UNAUTHENTICATED');
      assert.match(res.body.error.message, /sign in/i);
    }
    assert.equal((await anon.post('/api/conversations/x/close')).status, 401);
  });

  it('a wrong password is refused the same way as an unknown email', async () => {
    const anon = new AgentClient(srv.url);
    const wrong = await anon.post('/api/auth/login', { email: ADMIN.email, password: 'nope nope nope' });
    const unknown = await anon.post('/api/auth/login', { email: 'ghost@example.com', password: 'nope nope nope' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.body.error.code, 'INVALID_CREDENTIALS');
  });

  it('the session cookie is httpOnly and SameSite, and logout ends it', async () => {
    const res = await fetch(`${srv.url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    const c = await new AgentClient(srv.url).login(ADMIN.email, ADMIN.password);
    assert.equal((await c.post('/api/auth/logout')).status, 204);
    assert.equal((await c.get('/api/auth/me')).status, 401);
  });

  it('state-changing requests without the CSRF token are refused', async () => {
    const res = await admin.request('POST', '/api/departments', { name: 'X' }, { 'x-csrf-token': 'forged' });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'CSRF_FAILED');
  });

  it('an agent cannot reach admin-only endpoints', async () => {
    const attempts: [string, string, unknown?][] = [
      ['POST', '/api/agents', { name: 'X', email: 'x@example.com', password: 'long enough password', role: 'admin' }],
      ['PATCH', `/api/agents/${agent.auth!.agent.id}`, { role: 'admin' }],
      ['DELETE', `/api/agents/${admin.auth!.agent.id}`],
      ['POST', '/api/departments', { name: 'Mine' }],
      ['GET', '/api/sites'],
      ['POST', '/api/sites', { name: 'Evil' }],
      ['PATCH', `/api/sites/${site.id}`, { allowedOrigins: ['https://evil.example'] }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await agent.request(method, path, body);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.error.code, 'FORBIDDEN');
    }
    assert.equal((await agent.get('/api/agents')).status, 200, 'reading the team is allowed');
  });

  it('the last admin cannot be demoted or deleted', async () => {
    const res = await admin.patch(`/api/agents/${admin.auth!.agent.id}`, { role: 'agent' });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'LAST_ADMIN');
  });

  it('a visitor cannot read or write another visitor\'s conversation', async () => {
    const alice = await connectVisitor(srv.url, site.widgetKey);
    const mallory = await connectVisitor(srv.url, site.widgetKey);
    try {
      const secret = await call(alice.socket, 'message:send', { clientId: randomUUID(), text: 'my secret order number' });
      const hers = await call(mallory.socket, 'history', {});
      assert.equal(hers.conversation, null);
      assert.deepEqual(hers.messages, []);
      // Guessing ids gets nothing: there is no visitor event that takes a conversation id,
      // and the REST API refuses visitor tokens.
      const res = await fetch(`${srv.url}/api/conversations/${secret.message.conversationId}/messages`, {
        headers: { authorization: `Bearer ${mallory.session.token}` },
      });
      assert.equal(res.status, 401);
      const own = await call(mallory.socket, 'message:send', { clientId: randomUUID(), text: 'hi' });
      assert.notEqual(own.message.conversationId, secret.message.conversationId);
    } finally {
      alice.socket.close();
      mallory.socket.close();
    }
  });

  it('a forged or foreign visitor token is refused', async () => {
    const socket = ioClient(`${srv.url}/visitor`, { auth: { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA' }, transports: ['websocket'], forceNew: true });
    const err = await new Promise<any>((ok) => socket.once('connect_error', ok));
    socket.close();
    assert.equal(err.data.code, 'INVALID_VISITOR_TOKEN');
    const fresh = await visitorSession(srv.url, site.widgetKey, 'garbage');
    assert.ok(fresh.token && fresh.token !== 'garbage', 'a bad token gets a new identity, not an error page');
  });

  it('the agent socket refuses a cross-site handshake carrying the cookie', async () => {
    const socket = ioClient(`${srv.url}/agent`, {
      extraHeaders: { cookie: admin.cookie, origin: 'https://evil.example' }, transports: ['websocket'], forceNew: true,
    });
    const err = await new Promise<any>((ok) => socket.once('connect_error', ok));
    socket.close();
    assert.equal(err.data.code, 'CSRF_FAILED');
  });

  it('allowed origins restrict the widget API and socket', async () => {
    const created = await admin.post('/api/sites', { name: 'Locked', allowedOrigins: ['https://shop.example.com/'] });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.allowedOrigins, ['https://shop.example.com']);
    const key = created.body.widgetKey;
    const bad = await fetch(`${srv.url}/api/widget/config?site=${key}`, { headers: { origin: 'https://evil.example' } });
    assert.equal(bad.status, 403);
    assert.equal(((await bad.json()) as any).error.code, 'ORIGIN_NOT_ALLOWED');
    const good = await fetch(`${srv.url}/api/widget/config?site=${key}`, { headers: { origin: 'https://shop.example.com' } });
    assert.equal(good.status, 200);
    assert.equal(good.headers.get('access-control-allow-origin'), 'https://shop.example.com');
    const session = await visitorSession(srv.url, key, undefined, 'https://shop.example.com');
    const socket = ioClient(`${srv.url}/visitor`, { auth: { token: session.token }, extraHeaders: { origin: 'https://evil.example' }, transports: ['websocket'], forceNew: true });
    const err = await new Promise<any>((ok) => socket.once('connect_error', ok));
    socket.close();
    assert.equal(err.data.code, 'ORIGIN_NOT_ALLOWED');
  });
});

describe('validation and errors', () => {
  let srv: TestServer;
  let admin: AgentClient;
  let site: SiteView;

  before(async () => {
    srv = await startServer({ MAX_UPLOAD_MB: '1' });
    ({ admin, site } = await setupInstallation(srv.url));
  });
  after(() => srv.close());

  it('malformed JSON, oversized bodies and unknown routes get 4xx with a message', async () => {
    const bad = await fetch(`${srv.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).error.code, 'BAD_REQUEST');
    const huge = await fetch(`${srv.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'x'.repeat(200_000) }) });
    assert.equal(huge.status, 413);
    const missing = await admin.get('/api/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
    const dup = await admin.post('/api/agents', { name: 'Dup', email: ADMIN.email.toUpperCase(), password: 'long enough password', role: 'agent' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'EMAIL_TAKEN');
    const badColor = await admin.patch(`/api/sites/${site.id}`, { appearance: { color: 'red;background:url(x)' } });
    assert.equal(badColor.status, 400);
    assert.equal(badColor.body.error.details[0].path, 'appearance.color');
  });

  it('an unknown widget key says how to fix it', async () => {
    const res = await fetch(`${srv.url}/api/widget/config?site=nope`);
    assert.equal(res.status, 404);
    const body = (await res.json()) as any;
    assert.equal(body.error.code, 'SITE_NOT_FOUND');
    assert.match(body.error.message, /snippet/);
  });

  it('attachments: upload, send, download as attachment with nosniff; limits enforced', async () => {
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    try {
      const form = new FormData();
      form.append('file', new Blob(['hello attachment'], { type: 'text/plain' }), 'note.txt');
      const up = await fetch(`${srv.url}/api/widget/attachments`, { method: 'POST', headers: { authorization: `Bearer ${visitor.session.token}` }, body: form });
      assert.equal(up.status, 201);
      const att = (await up.json()) as any;
      assert.equal(att.name, 'note.txt');
      assert.equal(att.size, 16);

      const ack = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: '', attachmentIds: [att.id] });
      assert.equal(ack.ok, true);
      assert.equal(ack.message.attachments[0].name, 'note.txt');
      const again = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'reuse', attachmentIds: [att.id] });
      assert.equal(again.ok, false);
      assert.equal(again.error.code, 'ATTACHMENT_UNAVAILABLE');

      const dl = await fetch(srv.url + ack.message.attachments[0].url);
      assert.equal(dl.status, 200);
      assert.equal(await dl.text(), 'hello attachment');
      assert.equal(dl.headers.get('x-content-type-options'), 'nosniff');
      assert.match(dl.headers.get('content-disposition') ?? '', /^attachment; filename="?note\.txt"?/);
      assert.equal(dl.headers.get('content-type'), 'application/octet-stream');

      const forged = await fetch(`${srv.url}/api/files/${att.id}?exp=9999999999&sig=forged`);
      assert.equal(forged.status, 404);

      const html = new FormData();
      html.append('file', new Blob(['<script>alert(1)</script>'], { type: 'text/html' }), 'x.html');
      const refused = await fetch(`${srv.url}/api/widget/attachments`, { method: 'POST', headers: { authorization: `Bearer ${visitor.session.token}` }, body: html });
      assert.equal(refused.status, 415);
      assert.equal(((await refused.json()) as any).error.code, 'FILE_TYPE_NOT_ALLOWED');

      const big = new FormData();
      big.append('file', new Blob([Buffer.alloc(1024 * 1024 + 10)], { type: 'application/pdf' }), 'big.pdf');
      const tooBig = await fetch(`${srv.url}/api/widget/attachments`, { method: 'POST', headers: { authorization: `Bearer ${visitor.session.token}` }, body: big });
      assert.equal(tooBig.status, 413);
      assert.equal(((await tooBig.json()) as any).error.code, 'FILE_TOO_LARGE');

      const noToken = await fetch(`${srv.url}/api/widget/attachments`, { method: 'POST', body: form });
      assert.equal(noToken.status, 401);
    } finally {
      visitor.socket.close();
    }
  });

  it('conversation list: filters and cursor paging', async () => {
    const dep = (await admin.post('/api/departments', { name: 'Billing' })).body;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const v = await connectVisitor(srv.url, site.widgetKey);
      ids.push((await call(v.socket, 'message:send', { clientId: randomUUID(), text: `chat ${i}` })).message.conversationId);
      v.socket.close();
    }
    await admin.post(`/api/conversations/${ids[0]}/transfer`, { departmentId: dep.id });
    await admin.post(`/api/conversations/${ids[1]}/close`);
    await admin.post(`/api/conversations/${ids[2]}/assign`, { agentId: admin.auth!.agent.id });

    const billing = await admin.get(`/api/conversations?department=${dep.id}`);
    assert.deepEqual(billing.body.items.map((c: any) => c.id), [ids[0]]);
    const closed = await admin.get('/api/conversations?status=closed');
    assert.ok(closed.body.items.some((c: any) => c.id === ids[1]));
    const mine = await admin.get('/api/conversations?assignee=me');
    assert.deepEqual(mine.body.items.map((c: any) => c.id), [ids[2]]);

    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: any = await admin.get(`/api/conversations?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.ok(page.body.items.length <= 2);
      for (const c of page.body.items) {
        assert.ok(!seen.has(c.id), 'no conversation twice across pages');
        seen.add(c.id);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    for (const id of ids) assert.ok(seen.has(id));

    const badQuery = await admin.get('/api/conversations?status=archived');
    assert.equal(badQuery.status, 400);
  });
});

describe('outbox administration', () => {
  let srv: TestServer;
  let admin: AgentClient;

  before(async () => {
    srv = await startServer();
    ({ admin } = await setupInstallation(srv.url));
  });
  after(() => srv.close());

  it('admins list dead deliveries with the reason, without payloads, and retry them', async () => {
    const { store, outbox } = srv.deps;
    const job = await outbox.enqueue({ kind: 'http', key: 'k1', queue: 'q', payload: { url: 'http://127.0.0.1:9/x', body: { secret: 's3cret' } } });
    const [claimed] = await store.claimJobs('test', Date.now(), 1000, 1);
    await store.failJob(claimed!.id, 'test', Date.now(), { error: 'receiver answered HTTP 410', retryAt: null });

    const dead = await admin.get('/api/outbox?status=dead');
    assert.equal(dead.status, 200);
    assert.deepEqual(dead.body.map((j: any) => [j.id, j.lastError, j.attempts]), [[job.id, 'receiver answered HTTP 410', 1]]);
    assert.ok(!JSON.stringify(dead.body).includes('s3cret'), 'payloads stay on the server');

    const retried = await admin.post(`/api/outbox/${job.id}/retry`);
    assert.equal(retried.status, 200);
    assert.equal(retried.body.status, 'pending');
    assert.equal((await admin.post(`/api/outbox/${job.id}/retry`)).status, 404, 'only dead jobs can be retried');

    const agent = await createAgent(admin, { name: 'Nosy', email: 'nosy@example.com' });
    assert.equal((await agent.get('/api/outbox')).status, 403);
  });
});
