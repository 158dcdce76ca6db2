// The arbitrary-messenger channel against a real HTTP peer on loopback: handshake,
// signed inbound messages (and every way to get them wrong), replies through the outbox
// in order across an outage, disconnect and reconnect.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { signedHeaders, verify } from '../../server/channels/messenger/signature';
import { waitFor } from '../helpers/receiver';
import { AgentClient, setupInstallation, startServer, type TestServer } from '../helpers/server';
import type { SiteView } from '../../server/transport/views';

const CODE = 'peer-confirmation-code';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** A messenger backend: answers the confirmation request, records signed replies. */
class Peer {
  replies: { body: any; key: string; signatureOk: boolean }[] = [];
  confirmWith = CODE;
  down = false;
  private server?: Server;
  port = 0;
  get url() { return `http://127.0.0.1:${this.port}/parley`; }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET') {
        // Files the messenger's users "sent": Parley downloads them by URL.
        if (req.url === '/files/photo.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
        if (req.url === '/files/page.html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<script>alert(1)</script>');
        return res.writeHead(404).end();
      }
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(raw);
        const signatureOk = verify(CODE, { timestamp: req.headers['x-parley-timestamp'] as string, signature: req.headers['x-parley-signature'] as string }, raw, Date.now()) === 'ok';
        if (body.type === 'confirmation') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ confirmation: this.confirmWith }));
        this.replies.push({ body, key: String(req.headers['idempotency-key']), signatureOk });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((ok) => this.server!.listen(port, '127.0.0.1', ok));
    this.port = (this.server!.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    s?.closeAllConnections();
    await new Promise<void>((ok) => (s ? s.close(() => ok()) : ok()));
  }
}

describe('messenger channel', () => {
  let srv: TestServer;
  let admin: AgentClient;
  let site: SiteView;
  const peer = new Peer();
  let messenger: any;

  const post = (raw: string, headers: Record<string, string>) =>
    fetch(`${srv.url}/api/channels/messenger/${messenger.id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  const send = async (payload: unknown, secret = CODE, at = Date.now()) => {
    const raw = JSON.stringify(payload);
    const res = await post(raw, signedHeaders(secret, raw, at));
    return { status: res.status, body: (await res.json()) as any };
  };
  const storedCount = async () => (await admin.get('/api/conversations?channel=messenger')).body.items.length;

  before(async () => {
    srv = await startServer({ OUTBOX_LEASE_MS: '1000' });
    srv.deps.outbox.start();
    ({ admin, site } = await setupInstallation(srv.url));
    await peer.start();
  });
  after(async () => {
    await srv.deps.outbox.stop();
    await peer.stop();
    await srv.close();
  });

  it('connecting checks that the webhook answers with the confirmation code', async () => {
    const created = await admin.post(`/api/sites/${site.id}/messengers`, { name: 'Acme Talk', webhookUrl: peer.url, confirmationCode: CODE });
    assert.equal(created.status, 201);
    messenger = created.body;
    assert.equal(messenger.status, 'pending');
    assert.equal(messenger.inboundUrl, `${srv.deps.config.PUBLIC_URL}/api/channels/messenger/${messenger.id}/messages`);
    assert.ok(!JSON.stringify(messenger).includes(CODE), 'the code never leaves the server');

    peer.confirmWith = 'something else';
    const refused = await admin.post(`/api/messengers/${messenger.id}/connect`);
    assert.equal(refused.status, 502);
    assert.equal(refused.body.error.code, 'MESSENGER_HANDSHAKE_FAILED');
    assert.match(refused.body.error.details[0].message, /without the confirmation code/);
    assert.equal((await admin.get(`/api/messengers?site=${site.id}`)).body[0].status, 'pending');

    peer.confirmWith = CODE;
    const ok = await admin.post(`/api/messengers/${messenger.id}/connect`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, 'active');
    assert.equal(ok.body.lastError, null);
  });

  it('one messenger account serves one live chat', async () => {
    const other = await admin.post('/api/sites', { name: 'Second site' });
    const dup = await admin.post(`/api/sites/${other.body.id}/messengers`, { name: 'Copy', webhookUrl: peer.url, confirmationCode: CODE });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'MESSENGER_TAKEN');
  });

  it('a signed message opens a conversation; a retry of the same message id is stored once', async () => {
    const msg = { message_id: 'm-1', user: { id: 'u-42', name: 'Ann', email: 'ann@example.com', avatar_url: 'https://cdn.example.com/ann.png' }, text: 'Hello from Acme Talk' };
    const first = await send(msg);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.duplicate, false);
    // A messenger's retry is signed anew (a later timestamp); the same message id is stored once.
    const retry = await send(msg, CODE, Date.now() + 2_000);
    assert.equal(retry.status, 200);
    assert.equal(retry.body.duplicate, true);
    assert.equal(retry.body.message_id, first.body.message_id);
    const conv = (await admin.get(`/api/conversations/${first.body.conversation_id}`)).body;
    assert.equal(conv.conversation.channel, 'messenger');
    assert.equal(conv.visitor.name, 'Ann');
    assert.equal(conv.visitor.email, 'ann@example.com');
    assert.equal(conv.visitor.avatarUrl, 'https://cdn.example.com/ann.png', 'the messenger profile picture is kept');
    const second = await send({ ...msg, message_id: 'm-2', text: 'Are you there?' });
    assert.equal(second.body.conversation_id, first.body.conversation_id, 'a known user continues their conversation');
    const { messages } = (await admin.get(`/api/conversations/${first.body.conversation_id}/messages`)).body;
    assert.deepEqual(messages.map((m: any) => m.text), ['Hello from Acme Talk', 'Are you there?']);
  });

  it('wrong secret, stale timestamp, replay and tampered body are refused with 401 and store nothing', async () => {
    const before = await storedCount();
    const msg = { message_id: 'm-x', user: { id: 'u-evil' }, text: 'nope' };
    const wrong = await send(msg, 'not the code');
    assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'SIGNATURE_INVALID']);
    const stale = await send(msg, CODE, Date.now() - 10 * 60_000);
    assert.deepEqual([stale.status, stale.body.error.code], [401, 'SIGNATURE_INVALID']);
    const raw = JSON.stringify({ ...msg, message_id: 'm-replay' });
    const headers = signedHeaders(CODE, raw, Date.now());
    assert.equal((await post(raw, headers)).status, 201);
    const replay = await post(raw, headers);
    assert.equal(replay.status, 401);
    assert.equal(((await replay.json()) as any).error.code, 'REPLAYED');
    const tampered = await post(raw.replace('nope', 'yes!'), signedHeaders(CODE, raw, Date.now()));
    assert.equal(tampered.status, 401);
    const unsigned = await post(JSON.stringify(msg), {});
    assert.equal(unsigned.status, 401);
    assert.equal(await storedCount(), before + 1, 'only the one valid request was stored');
  });

  it('malformed JSON, invalid fields and oversized payloads get 4xx', async () => {
    const raw = '{"message_id": "m-bad", ';
    const bad = await post(raw, signedHeaders(CODE, raw, Date.now()));
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).error.code, 'BAD_REQUEST');
    const invalid = await send({ message_id: 'm-inv', user: {}, text: '' });
    assert.equal(invalid.status, 400);
    assert.ok(invalid.body.error.details.some((d: any) => d.path === 'user.id'));
    const huge = JSON.stringify({ message_id: 'm-huge', user: { id: 'u' }, text: 'x'.repeat(300_000) });
    const tooBig = await post(huge, signedHeaders(CODE, huge, Date.now()));
    assert.equal(tooBig.status, 413);
  });

  it('agent replies reach the webhook signed; sent while it is down, they arrive once, in order, when it is back', async () => {
    const start = await send({ message_id: 'm-10', user: { id: 'u-7', name: 'Bo' }, text: 'help' });
    const convId = start.body.conversation_id;
    const reply = (text: string) => admin.post(`/api/conversations/${convId}/messages`, { clientId: randomUUID(), text });

    await reply('first answer');
    await waitFor(() => peer.replies.some((r) => r.body.message.text === 'first answer'), 5_000, 'first reply');
    const got = peer.replies.find((r) => r.body.message.text === 'first answer')!;
    assert.equal(got.signatureOk, true, 'signed with the confirmation code');
    assert.equal(got.body.message.user_id, 'u-7');
    assert.equal(got.body.messenger_id, messenger.id);

    const port = peer.port;
    await peer.stop();
    for (const text of ['one', 'two', 'three']) await reply(text);
    await new Promise((r) => setTimeout(r, 300));
    await peer.start(port);
    srv.deps.outbox.kick();
    await waitFor(() => ['one', 'two', 'three'].every((t) => peer.replies.some((r) => r.body.message.text === t)), 60_000, 'held replies');
    const texts = peer.replies.map((r) => r.body.message.text).filter((t: string) => ['one', 'two', 'three'].includes(t));
    assert.deepEqual(texts, ['one', 'two', 'three'], 'in order, each once');
  });

  it('disconnect refuses inbound messages and holds replies; reconnect delivers them', async () => {
    const start = await send({ message_id: 'm-20', user: { id: 'u-9' }, text: 'hi' });
    const off = await admin.post(`/api/messengers/${messenger.id}/disconnect`);
    assert.equal(off.body.status, 'disconnected');
    const refused = await send({ message_id: 'm-21', user: { id: 'u-9' }, text: 'anyone?' });
    assert.deepEqual([refused.status, refused.body.error.code], [403, 'MESSENGER_DISCONNECTED']);
    await admin.post(`/api/conversations/${start.body.conversation_id}/messages`, { clientId: randomUUID(), text: 'held while disconnected' });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!peer.replies.some((r) => r.body.message.text === 'held while disconnected'));
    const on = await admin.post(`/api/messengers/${messenger.id}/connect`);
    assert.equal(on.body.status, 'active');
    await waitFor(() => peer.replies.some((r) => r.body.message.text === 'held while disconnected'), 60_000, 'held reply');
  });

  it('attachments by URL are downloaded and stored; disallowed types refuse the message; agent files go out as links', async () => {
    const files = `http://127.0.0.1:${peer.port}/files`;
    const sent = await send({ message_id: 'm-att', user: { id: 'u-42' }, text: '', attachments: [{ url: `${files}/photo.png` }] });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const { messages } = (await admin.get(`/api/conversations/${sent.body.conversation_id}/messages`)).body;
    const stored = messages.find((m: any) => m.id === sent.body.message_id);
    assert.deepEqual([stored.attachments[0].name, stored.attachments[0].type, stored.attachments[0].size], ['photo.png', 'image/png', PNG.length]);
    const bytes = Buffer.from(await (await fetch(srv.url + stored.attachments[0].url)).arrayBuffer());
    assert.deepEqual(bytes, PNG);

    const before = (await admin.get(`/api/conversations/${sent.body.conversation_id}/messages`)).body.messages.length;
    const refused = await send({ message_id: 'm-html', user: { id: 'u-42' }, text: 'see this', attachments: [{ url: `${files}/page.html` }] });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.details[0].path, 'attachments.0');
    const missing = await send({ message_id: 'm-404', user: { id: 'u-42' }, text: 'x', attachments: [{ url: `${files}/nope.png` }] });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.details[0].message, /HTTP 404/);
    assert.equal((await admin.get(`/api/conversations/${sent.body.conversation_id}/messages`)).body.messages.length, before, 'nothing stored');

    const form = new FormData();
    form.append('file', new Blob(['quote'], { type: 'application/pdf' }), 'quote.pdf');
    const up = await admin.request('POST', '/api/attachments', form);
    await admin.post(`/api/conversations/${sent.body.conversation_id}/messages`, { clientId: randomUUID(), text: 'our quote', attachmentIds: [up.body.id] });
    await waitFor(() => peer.replies.some((r) => r.body.message.text === 'our quote'), 10_000, 'reply with a file');
    const out = peer.replies.find((r) => r.body.message.text === 'our quote')!.body.message.attachments[0];
    assert.deepEqual([out.name, out.type, out.size], ['quote.pdf', 'application/pdf', 5]);
    const link = out.url.replace(srv.deps.config.PUBLIC_URL, srv.url);
    assert.equal(await (await fetch(link)).text(), 'quote', 'the link downloads the file');
  });

  it('operators can start a conversation with a known user; rename and delete', async () => {
    const started = await admin.post(`/api/messengers/${messenger.id}/conversations`, { userId: 'u-42', text: 'We have news for you', clientId: randomUUID() });
    assert.equal(started.status, 201);
    await waitFor(() => peer.replies.some((r) => r.body.message.text === 'We have news for you' && r.body.message.user_id === 'u-42'), 10_000, 'operator message');
    const unknown = await admin.post(`/api/messengers/${messenger.id}/conversations`, { userId: 'u-nobody', text: 'x', clientId: randomUUID() });
    assert.equal(unknown.status, 404);
    const renamed = await admin.patch(`/api/messengers/${messenger.id}`, { name: 'Acme Chat' });
    assert.deepEqual([renamed.body.name, renamed.body.status], ['Acme Chat', 'active']);
    assert.equal((await admin.del(`/api/messengers/${messenger.id}`)).status, 204);
    const gone = await send({ message_id: 'm-30', user: { id: 'u-42' }, text: 'hello?' });
    assert.equal(gone.status, 404);
  });
});
