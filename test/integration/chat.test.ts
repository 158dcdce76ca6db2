// Live chat over real Socket.IO connections to a server on port 0.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AgentClient, call, connectVisitor, connected, createAgent, nextEvent, setupInstallation, startServer, type TestServer,
} from '../helpers/server';
import type { SiteView } from '../../server/transport/views';

describe('live chat', () => {
  let srv: TestServer;
  let admin: AgentClient;
  let site: SiteView;

  before(async () => {
    srv = await startServer();
    ({ admin, site } = await setupInstallation(srv.url));
  });
  after(() => srv.close());

  it('a visitor message reaches the agent live, the reply reaches the visitor', async () => {
    const agentSocket = admin.socket();
    await connected(agentSocket);
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    try {
      const seen = nextEvent(agentSocket, 'message', (m) => m.text === 'Hello, anyone there?');
      const created = nextEvent(agentSocket, 'conversation');
      const ack = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'Hello, anyone there?' });
      assert.equal(ack.ok, true);
      assert.equal(ack.message.seq, 1);
      assert.equal(ack.duplicate, false);
      const live = await seen;
      assert.equal(live.id, ack.message.id);
      assert.equal(live.author.kind, 'visitor');
      const conv = await created;
      assert.equal(conv.id, ack.message.conversationId);
      assert.equal(conv.visitor.online, true);

      const reply = nextEvent(visitor.socket, 'message', (m) => m.author.kind === 'agent');
      const replyAck = await call(agentSocket, 'message:send', { conversationId: conv.id, clientId: randomUUID(), text: 'Yes! How can I help?' });
      assert.equal(replyAck.ok, true);
      assert.equal(replyAck.message.seq, 2);
      const got = await reply;
      assert.equal(got.text, 'Yes! How can I help?');
      assert.equal(got.author.name, 'Ada Admin');
    } finally {
      visitor.socket.close();
      agentSocket.close();
    }
  });

  it('a resent client id is stored once and acknowledged as a duplicate', async () => {
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    try {
      const clientId = randomUUID();
      const first = await call(visitor.socket, 'message:send', { clientId, text: 'only once' });
      const again = await call(visitor.socket, 'message:send', { clientId, text: 'only once' });
      assert.equal(again.ok, true);
      assert.equal(again.duplicate, true);
      assert.equal(again.message.id, first.message.id);
      const history = await call(visitor.socket, 'history', {});
      assert.equal(history.messages.filter((m: any) => m.clientId === clientId).length, 1);
    } finally {
      visitor.socket.close();
    }
  });

  it('after a reconnect the visitor catches up from the last sequence number', async () => {
    const v1 = await connectVisitor(srv.url, site.widgetKey);
    const first = await call(v1.socket, 'message:send', { clientId: randomUUID(), text: 'before the tunnel' });
    v1.socket.close();
    const convId = first.message.conversationId;
    for (const text of ['missed one', 'missed two']) {
      const res = await admin.post(`/api/conversations/${convId}/messages`, { clientId: randomUUID(), text });
      assert.equal(res.status, 201);
    }
    const v2 = await connectVisitor(srv.url, site.widgetKey, v1.session.token);
    try {
      assert.equal(v2.session.visitor.id, v1.session.visitor.id, 'same visitor after reconnect');
      const history = await call(v2.socket, 'history', { afterSeq: first.message.seq });
      assert.deepEqual(history.messages.map((m: any) => m.text), ['missed one', 'missed two']);
      assert.deepEqual(history.messages.map((m: any) => m.seq), [2, 3]);
    } finally {
      v2.socket.close();
    }
  });

  it('typing indicators and read receipts travel both ways', async () => {
    const agentSocket = admin.socket();
    await connected(agentSocket);
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    try {
      const ack = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'typing test' });
      const convId = ack.message.conversationId;

      const typing = nextEvent(agentSocket, 'typing', (t) => t.conversationId === convId && t.typing);
      visitor.socket.emit('typing', { typing: true });
      await typing;

      const agentTyping = nextEvent(visitor.socket, 'typing', (t) => t.typing);
      agentSocket.emit('typing', { conversationId: convId, typing: true });
      assert.equal((await agentTyping).agentName, 'Ada Admin');

      const readByAgent = nextEvent(visitor.socket, 'read', (r) => r.seq === ack.message.seq);
      agentSocket.emit('read', { conversationId: convId, seq: ack.message.seq });
      await readByAgent;

      const reply = await call(agentSocket, 'message:send', { conversationId: convId, clientId: randomUUID(), text: 'read me' });
      const readByVisitor = nextEvent(agentSocket, 'conversation', (c) => c.id === convId && c.visitorReadSeq === reply.message.seq);
      visitor.socket.emit('read', { seq: reply.message.seq });
      await readByVisitor;
    } finally {
      visitor.socket.close();
      agentSocket.close();
    }
  });

  it('agent presence follows live connections and the manual toggle', async () => {
    const bob = await createAgent(admin, { name: 'Bob', email: 'bob@example.com' });
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    const bobSocket = bob.socket();
    try {
      const online = nextEvent(visitor.socket, 'agents', (s) => s.agents.some((a: any) => a.name === 'Bob' && a.status === 'online'));
      await connected(bobSocket);
      await online;
      assert.equal((await online).agentsOnline, true);

      const away = nextEvent(visitor.socket, 'agents', (s) => s.agents.some((a: any) => a.name === 'Bob' && a.status === 'away'));
      const ack = await call(bobSocket, 'status:set', { status: 'away' });
      assert.equal(ack.ok, true);
      await away;
      const listed = await admin.get('/api/agents');
      assert.equal(listed.body.find((a: any) => a.name === 'Bob').status, 'away');

      const gone = nextEvent(visitor.socket, 'agents', (s) => !s.agents.some((a: any) => a.name === 'Bob'));
      bobSocket.close();
      await gone;
      const after = await admin.get('/api/agents');
      assert.equal(after.body.find((a: any) => a.name === 'Bob').status, 'offline');
    } finally {
      bobSocket.close();
      visitor.socket.close();
    }
  });

  it('the offline form stores the visitor email with the message', async () => {
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    try {
      const ack = await call(visitor.socket, 'offline:message', { clientId: randomUUID(), text: 'Call me back', name: 'Olga', email: 'olga@example.org' });
      assert.equal(ack.ok, true);
      const conv = await admin.get(`/api/conversations/${ack.message.conversationId}`);
      assert.equal(conv.body.visitor.email, 'olga@example.org');
      assert.equal(conv.body.visitor.name, 'Olga');
      assert.equal(conv.body.conversation.status, 'pending', 'a message left offline waits for an answer');
      const answered = nextEvent(visitor.socket, 'conversation', (c) => c.status === 'open');
      await admin.post(`/api/conversations/${ack.message.conversationId}/messages`, { clientId: randomUUID(), text: 'We will email you' });
      await answered;
      assert.equal((await admin.get(`/api/conversations/${ack.message.conversationId}`)).body.conversation.status, 'open');
      const bad = await call(visitor.socket, 'offline:message', { clientId: randomUUID(), text: 'x', email: 'not-an-email' });
      assert.equal(bad.ok, false);
      assert.equal(bad.error.code, 'VALIDATION_FAILED');
    } finally {
      visitor.socket.close();
    }
  });

  it('a closed conversation refuses replies and the next visitor message opens a new one', async () => {
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    try {
      const first = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'first chat' });
      const convId = first.message.conversationId;
      const closedEvent = nextEvent(visitor.socket, 'conversation', (c) => c.id === convId && c.status === 'closed');
      assert.equal((await admin.post(`/api/conversations/${convId}/close`)).body.status, 'closed');
      await closedEvent;
      const refused = await admin.post(`/api/conversations/${convId}/messages`, { clientId: randomUUID(), text: 'too late' });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'CONVERSATION_CLOSED');
      const second = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'second chat' });
      assert.notEqual(second.message.conversationId, convId);
      assert.equal(second.message.seq, 1);
      const reopen = await admin.post(`/api/conversations/${convId}/reopen`);
      assert.equal(reopen.status, 409, 'the visitor already has an open conversation');
      assert.equal(reopen.body.error.code, 'ALREADY_OPEN');
    } finally {
      visitor.socket.close();
    }
  });

  it('department routing: agents only receive what they may see', async () => {
    const sales = (await admin.post('/api/departments', { name: 'Sales' })).body;
    const support = (await admin.post('/api/departments', { name: 'Support' })).body;
    const carol = await createAgent(admin, { name: 'Carol', email: 'carol@example.com', departments: [support.id] });
    const carolSocket = carol.socket();
    await connected(carolSocket);
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    try {
      const ack = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'routing' });
      const convId = ack.message.conversationId;
      const moved = await admin.post(`/api/conversations/${convId}/transfer`, { departmentId: sales.id });
      assert.equal(moved.body.departmentId, sales.id);

      const received: string[] = [];
      const onMessage = (m: any) => { if (m.conversationId === convId) received.push(m.text); };
      carolSocket.on('message', onMessage);
      await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'for sales only' });
      // A round trip on Carol's socket: anything broadcast to her before it has arrived.
      await call(carolSocket, 'status:set', { status: 'online' });
      assert.deepEqual(received, [], 'a support agent must not receive a sales conversation');
      assert.equal((await carol.get(`/api/conversations/${convId}`)).status, 404);
      const list = await carol.get('/api/conversations');
      assert.ok(!list.body.items.some((c: any) => c.id === convId));

      const toSupport = nextEvent(carolSocket, 'message', (m) => m.conversationId === convId);
      await admin.post(`/api/conversations/${convId}/transfer`, { departmentId: support.id });
      await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'now for support' });
      assert.equal((await toSupport).text, 'now for support');
      carolSocket.off('message', onMessage);
      assert.equal((await carol.get(`/api/conversations/${convId}`)).status, 200);
    } finally {
      carolSocket.close();
      visitor.socket.close();
    }
  });
});
