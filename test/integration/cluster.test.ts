// Several nodes sharing the load: two Parley processes with one store and one Redis.
// A visitor on node A and an agent on node B chat live; presence is cluster-wide; a
// Redis restart is ridden out; a node killed with SIGKILL has its agents go offline for
// the visitors of the surviving node once their presence expires.
//
// The shared store is one DATA_DIR (SQLite in WAL mode works across two processes on one
// machine; test only). With PARLEY_TEST_STORE=mongo, both nodes share one MongoDB database.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import { startCluster } from '../../server/cluster';
import { freePort, killHard, spawnParley, type ParleyProcess } from '../helpers/process';
import { REDIS_MISSING, startRedis, type RedisServer } from '../helpers/redis';
import type { AgentPublicView, MessageView } from '../../server/transport/views';
import { ADMIN, AgentClient, call, connected, nextEvent, setupInstallation, visitorSession, mongoUriForTest } from '../helpers/server';

type AgentsState = { agentsOnline: boolean; agents: AgentPublicView[] };

/** Presence expiry on the nodes (PRESENCE_TTL_MS); heartbeats run every third of it. */
const TTL_MS = 3000;
/** How long a dead node's agents may still look online: expiry plus a sweep, with slack for slow machines. */
const EXPIRY_WINDOW_MS = TTL_MS + TTL_MS / 3 + 7000;

const redisProbe = await startRedis();
const storeEnv = await mongoUriForTest();

if (!redisProbe) {
  it('cluster tests', { skip: REDIS_MISSING }, () => {});
} else {
  describe('two nodes sharing one store and one Redis', () => {
    const redis: RedisServer = redisProbe;
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
    const sockets: Socket[] = [];
    const nodes: ParleyProcess[] = [];
    let a: ParleyProcess;
    let b: ParleyProcess;
    let siteKey: string;
    let adminId: string;
    let adminA: AgentClient;
    let adminB: AgentClient;

    const randomKey = randomBytes(32).toString('base64url');
    const env = (name: string, port: number): Record<string, string> => ({
      PORT: String(port),
      NODE_NAME: name,
      DATA_DIR: dataDir,
      SECRET_KEY: randomKey,
      REDIS_URL: redis.url,
      PRESENCE_TTL_MS: String(TTL_MS),
      SOCKET_EVENTS_PER_10S: '100000',
      HTTP_PUBLIC_PER_MIN: '100000',
      LOGIN_PER_15MIN: '100000',
      ...storeEnv,
    });

    before(async () => {
      // One after the other: the first creates and migrates the shared database.
      a = await spawnParley(env('node-a', await freePort()));
      nodes.push(a);
      b = await spawnParley(env('node-b', await freePort()));
      nodes.push(b);
      const setup = await setupInstallation(a.url);
      siteKey = setup.site.widgetKey;
      adminA = setup.admin;
      adminId = adminA.auth!.agent.id;
      adminB = await new AgentClient(b.url).login(ADMIN.email, ADMIN.password);
    });

    after(async () => {
      sockets.forEach((s) => s.close());
      await Promise.all(nodes.map((n) => killHard(n)));
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** A visitor's socket on `base`, listening for `agents` from before it connects. */
    async function visitorOn(base: string): Promise<{ socket: Socket; agentsStates: AgentsState[] }> {
      const session = await visitorSession(base, siteKey);
      const socket = ioClient(`${base}/visitor`, { auth: { token: session.token }, transports: ['websocket'], forceNew: true });
      sockets.push(socket);
      const agentsStates: AgentsState[] = [];
      socket.on('agents', (s) => agentsStates.push(s));
      await connected(socket);
      return { socket, agentsStates };
    }

    function agentOn(client: AgentClient): Socket {
      const socket = client.socket() as unknown as Socket;
      sockets.push(socket);
      return socket;
    }

    /** The admin's status as GET /api/agents on `client`'s node shows it. */
    async function adminStatus(client: AgentClient): Promise<string> {
      const res = await client.get('/api/agents');
      assert.equal(res.status, 200);
      return res.body.find((x: { id: string }) => x.id === adminId).status;
    }

    async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    it('first and last connection are exact when nodes race on one key', async () => {
      const logger = pino({ level: 'silent' });
      const [one, two] = await Promise.all([
        startCluster({ REDIS_URL: redis.url, NODE_NAME: 'race-1', PRESENCE_TTL_MS: 30_000 }, logger),
        startCluster({ REDIS_URL: redis.url, NODE_NAME: 'race-2', PRESENCE_TTL_MS: 30_000 }, logger),
      ]);
      try {
        const key = `visitor:race-${randomUUID()}`;
        const ids = Array.from({ length: 40 }, (_, i) => `conn-${i}`);
        const node = (i: number) => (i % 2 ? one : two).presence;
        const firsts = await Promise.all(ids.map((id, i) => node(i).connected(key, id)));
        assert.equal(firsts.filter(Boolean).length, 1, 'exactly one connection was the first');
        assert.equal(await one.presence.isConnected(key), true);
        const lasts = await Promise.all(ids.map((id, i) => node(i).disconnected(key, id)));
        assert.equal(lasts.filter(Boolean).length, 1, 'exactly one connection was the last');
        assert.equal(await two.presence.isConnected(key), false);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });

    it('a visitor on node A and an agent on node B chat live', async () => {
      const agent = agentOn(adminB);
      await connected(agent);
      const visitor = await visitorOn(a.url);

      const atAgent = nextEvent<MessageView>(agent, 'message', (m) => m.text === 'hello from node A');
      const sent = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'hello from node A' });
      assert.equal(sent.ok, true, JSON.stringify(sent));
      const received = await atAgent;
      assert.equal(received.id, sent.message.id);

      const atVisitor = nextEvent<MessageView>(visitor.socket, 'message', (m) => m.text === 'hello from node B');
      const reply = await call(agent, 'message:send', { conversationId: received.conversationId, clientId: randomUUID(), text: 'hello from node B' });
      assert.equal(reply.ok, true, JSON.stringify(reply));
      const back = await atVisitor;
      assert.equal(back.id, reply.message.id);
      assert.equal(back.author.kind, 'agent');

      agent.close();
      visitor.socket.close();
    });

    it('an agent connected to node B is online for node A, and offline once gone', async () => {
      await eventually('the admin is offline on node A', async () => (await adminStatus(adminA)) === 'offline');
      const visitor = await visitorOn(a.url);
      await eventually('the visitor got its first agents state', async () => visitor.agentsStates.length > 0);
      assert.equal(visitor.agentsStates.at(-1)!.agentsOnline, false);

      const online = nextEvent(visitor.socket, 'agents', (s: AgentsState) => s.agentsOnline);
      const agent = agentOn(adminB);
      await connected(agent);
      const state = await online;
      assert.ok(state.agents.some((x) => x.id === adminId));
      assert.equal(await adminStatus(adminA), 'online');

      // A second connection on node A, then the one on node B leaves: still online.
      const second = agentOn(adminA);
      await connected(second);
      agent.close();
      await new Promise((r) => setTimeout(r, 500)); // node B handles the disconnect
      assert.equal(await adminStatus(adminA), 'online', 'the connection on node A still counts');
      assert.equal(await adminStatus(adminB), 'online');

      const offline = nextEvent(visitor.socket, 'agents', (s: AgentsState) => !s.agentsOnline);
      second.close();
      await offline;
      assert.equal(await adminStatus(adminA), 'offline');
      assert.equal(await adminStatus(adminB), 'offline');
      visitor.socket.close();
    });

    it('rides out a Redis restart: chat within a node goes on, presence comes back, chat across nodes resumes', async () => {
      const agent = agentOn(adminB);
      await connected(agent);
      await eventually('the admin is online on node A', async () => (await adminStatus(adminA)) === 'online');
      const localAgent = agentOn(adminA);
      await connected(localAgent);
      const localVisitor = await visitorOn(a.url);

      await redis.restart(async () => {
        // Redis is down: node A still serves its own sockets (each broadcast waits for its
        // publish to Redis to fail first, a few seconds at most).
        const atAgent = nextEvent<MessageView>(localAgent, 'message', (m) => m.text === 'while Redis is down', 15_000);
        const sent = await call(localVisitor.socket, 'message:send', { clientId: randomUUID(), text: 'while Redis is down' }, 15_000);
        assert.equal(sent.ok, true, JSON.stringify(sent));
        await atAgent;
      });
      localAgent.close();
      localVisitor.socket.close();
      // Redis lost everything; node B's heartbeat writes its connection again.
      await eventually('the admin is online again on node A', async () => (await adminStatus(adminA)) === 'online', 15_000);

      // Both ways: node A's and node B's stream readers are back (and caught up).
      const visitor = await visitorOn(a.url);
      const atAgent = nextEvent<MessageView>(agent, 'message', (m) => m.text === 'after the restart', 15_000);
      const sent = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text: 'after the restart' }, 15_000);
      assert.equal(sent.ok, true, JSON.stringify(sent));
      const received = await atAgent;
      const atVisitor = nextEvent<MessageView>(visitor.socket, 'message', (m) => m.text === 'welcome back', 15_000);
      const reply = await call(agent, 'message:send', { conversationId: received.conversationId, clientId: randomUUID(), text: 'welcome back' }, 15_000);
      assert.equal(reply.ok, true, JSON.stringify(reply));
      await atVisitor;
      agent.close();
      visitor.socket.close();
      await eventually('the admin is offline on node A', async () => (await adminStatus(adminA)) === 'offline');
    });

    it("a node killed with SIGKILL: its agent goes offline for the surviving node's visitors", async () => {
      const visitor = await visitorOn(a.url);
      const online = nextEvent(visitor.socket, 'agents', (s: AgentsState) => s.agentsOnline);
      const agent = agentOn(adminB);
      agent.io.opts.reconnection = false;
      await connected(agent);
      await online;

      const offline = nextEvent(visitor.socket, 'agents', (s: AgentsState) => !s.agentsOnline, EXPIRY_WINDOW_MS);
      await killHard(b);
      const state = await offline;
      assert.equal(state.agentsOnline, false);
      assert.equal(await adminStatus(adminA), 'offline');

      // Node A goes on serving: the agent comes back there and is online again.
      const again = nextEvent(visitor.socket, 'agents', (s: AgentsState) => s.agentsOnline);
      const back = agentOn(adminA);
      await connected(back);
      await again;
    });
  });
}
