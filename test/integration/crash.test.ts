// Crash safety: SIGKILL the server while visitors are sending; after a restart every
// acknowledged message exists exactly once, and every retried send lands once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { io as ioClient, type Socket } from 'socket.io-client';
import { freePort, killHard, spawnParley, type ParleyProcess } from '../helpers/process';
import { ADMIN, AgentClient, connected, mongoUriForTest, setupInstallation, visitorSession } from '../helpers/server';

const VISITORS = 6;
const PER_VISITOR = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends each message until acknowledged, reusing its client id across retries. */
async function sendAll(socket: Socket, msgs: { clientId: string; text: string }[], acked: Map<string, string>, stop: { failed?: Error; retries: number }): Promise<void> {
  for (const msg of msgs) {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 400) throw new Error(`message ${msg.clientId} never acknowledged`);
      try {
        const res = await socket.timeout(1500).emitWithAck('message:send', msg);
        if (!res.ok) throw Object.assign(new Error(res.error.code), { permanent: true });
        acked.set(msg.clientId, res.message.id);
        break;
      } catch (err) {
        if ((err as { permanent?: boolean }).permanent) {
          stop.failed = err as Error;
          throw err;
        }
        stop.retries++;
        await sleep(100); // disconnected or timed out: the server may or may not have it
      }
    }
  }
}

describe('crash safety', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-crash-'));
  let proc: ParleyProcess | undefined;
  const sockets: Socket[] = [];
  after(async () => {
    sockets.forEach((s) => s.close());
    if (proc) await killHard(proc);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every acknowledged message survives SIGKILL exactly once', async () => {
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: dataDir, SOCKET_EVENTS_PER_10S: '1000000', HTTP_PUBLIC_PER_MIN: '1000000', ...(await mongoUriForTest()) };
    proc = await spawnParley(env);
    const { site } = await setupInstallation(proc.url);
    const base = proc.url;

    const plans = await Promise.all(Array.from({ length: VISITORS }, async (_, v) => {
      const session = await visitorSession(base, site.widgetKey);
      const socket = ioClient(`${base}/visitor`, { auth: { token: session.token }, transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500 });
      sockets.push(socket);
      await connected(socket);
      const msgs = Array.from({ length: PER_VISITOR }, (_, i) => ({ clientId: randomUUID(), text: `visitor ${v} message ${i}` }));
      return { socket, msgs };
    }));

    const acked = new Map<string, string>();
    const stop: { failed?: Error; retries: number } = { retries: 0 };
    const sending = Promise.all(plans.map((p) => sendAll(p.socket, p.msgs, acked, stop)));

    // Kill mid-stream: once a fair share is acknowledged, but well before the end.
    while (acked.size < (VISITORS * PER_VISITOR) / 4) await sleep(5);
    const ackedBeforeCrash = new Map(acked);
    await killHard(proc);
    proc = await spawnParley(env);
    assert.equal(proc.url, base, 'restarted on the same address');

    await sending;
    assert.equal(stop.failed, undefined);
    assert.ok(stop.retries > 0, 'the crash interrupted sends in flight (otherwise this test proves nothing)');
    assert.equal(acked.size, VISITORS * PER_VISITOR);

    const admin = await new AgentClient(base).login(ADMIN.email, ADMIN.password);
    const convs = (await admin.get('/api/conversations?limit=100')).body.items;
    assert.equal(convs.length, VISITORS, 'one conversation per visitor, even across the crash');
    const stored = new Map<string, string>();
    for (const conv of convs) {
      const { messages } = (await admin.get(`/api/conversations/${conv.id}/messages?limit=200`)).body;
      const seqs = messages.map((m: any) => m.seq);
      assert.deepEqual(seqs, [...seqs].sort((a: number, b: number) => a - b), 'ascending sequence');
      for (const m of messages) {
        assert.ok(!stored.has(m.clientId), `client id ${m.clientId} stored twice`);
        stored.set(m.clientId, m.id);
      }
    }
    assert.equal(stored.size, VISITORS * PER_VISITOR, 'every message stored, none twice');
    for (const [clientId, id] of ackedBeforeCrash) assert.equal(stored.get(clientId), id, 'acknowledged before the crash: same message after it');
    for (const [clientId, id] of acked) assert.equal(stored.get(clientId), id);
  });
});
