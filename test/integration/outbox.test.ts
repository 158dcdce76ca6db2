// The durable outbox against a real HTTP receiver: order, retries, dead letters, and the
// lease that keeps one worker per cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Store } from '../../server/core/ports';
import { httpDeliverer } from '../../server/channels/http/deliver';
import { Outbox, OUTBOX_LEASE } from '../../server/jobs/outbox';
import { openSqliteStore } from '../../server/store/sqlite';
import { Receiver, waitFor } from '../helpers/receiver';

const logger = pino({ level: 'silent' });
const clock = { now: () => Date.now() };
const fast = { baseMs: 20, capMs: 200, maxAttempts: 50 };

describe('outbox', () => {
  let dir: string;
  let store: Store;
  let receiver: Receiver;
  const workers: Outbox[] = [];
  const worker = (node: string, extra: Partial<ConstructorParameters<typeof Outbox>[1]> = {}) => {
    const w = new Outbox({ store, clock, logger }, { node, deliverers: { http: httpDeliverer({ timeoutMs: 2_000 }) }, backoff: fast, pollMs: 20, ...extra });
    workers.push(w);
    return w;
  };
  const enqueue = (w: Outbox, n: number, queue = 'hook') => w.enqueue({ kind: 'http', key: `msg-${n}`, queue, payload: { url: receiver.url, body: { n } } });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-outbox-'));
    store = openSqliteStore(join(dir, 'db'));
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await receiver.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers in order, with the idempotency key', async () => {
    const w = worker('n1');
    w.start();
    for (let n = 1; n <= 10; n++) await enqueue(w, n);
    await waitFor(() => receiver.received.length === 10, 5_000, '10 deliveries');
    assert.deepEqual(receiver.received.map((r) => r.body.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(receiver.received.map((r) => r.key), receiver.received.map((r) => `msg-${r.body.n}`));
    await waitFor(async () => (await store.listJobs({ status: 'sent' }, 100)).length === 10, 5_000, 'all marked sent');
  });

  it('receiver down, then up: everything arrives once, in order', async () => {
    const port = receiver.port;
    await receiver.stop();
    const w = worker('n1');
    w.start();
    for (let n = 1; n <= 5; n++) await enqueue(w, n);
    await waitFor(async () => ((await store.getJob((await store.listJobs({}, 10)).at(-1)!.id))?.attempts ?? 0) >= 2, 5_000, 'failed attempts');
    assert.equal((await store.listJobs({ status: 'sent' }, 10)).length, 0);
    const failing = (await store.listJobs({}, 10)).find((j) => j.key === 'msg-1')!;
    assert.match(failing.lastError ?? '', /unreachable/, 'the last error is kept for admins');
    await receiver.start(port);
    await waitFor(() => receiver.received.length === 5, 5_000, 'backlog delivered');
    assert.deepEqual(receiver.received.map((r) => r.body.n), [1, 2, 3, 4, 5]);
  });

  it('a 4xx is permanent: dead letter with the reason; retry sends it once fixed', async () => {
    receiver.status = 400;
    const w = worker('n1');
    w.start();
    const job = await enqueue(w, 1);
    await waitFor(async () => (await store.getJob(job.id))?.status === 'dead', 5_000, 'dead letter');
    const dead = await store.getJob(job.id);
    assert.equal(dead?.attempts, 1);
    assert.match(dead?.lastError ?? '', /HTTP 400/);
    receiver.status = 200;
    await store.retryJob(job.id, Date.now());
    w.kick();
    await waitFor(() => receiver.received.length === 1, 5_000, 'retried delivery');
  });

  it('a 503 is retried with backoff', async () => {
    receiver.status = 503;
    const w = worker('n1');
    w.start();
    const job = await enqueue(w, 1);
    await waitFor(async () => ((await store.getJob(job.id))?.attempts ?? 0) >= 3, 5_000, 'three attempts');
    receiver.status = 200;
    await waitFor(() => receiver.received.length === 1, 5_000, 'delivery after recovery');
    assert.equal((await store.getJob(job.id))?.status, 'sent');
  });

  it('only the lease holder delivers; when it stops, another node takes over', async () => {
    const a = worker('node-a', { leaseMs: 300 });
    const b = worker('node-b', { leaseMs: 300 });
    a.start();
    await waitFor(async () => (await store.leaseHolder(OUTBOX_LEASE, Date.now())) === 'node-a', 2_000, 'a holds the lease');
    b.start();
    for (let n = 1; n <= 5; n++) await enqueue(b, n, `q${n}`);
    await waitFor(async () => (await store.listJobs({ status: 'sent' }, 10)).length === 5, 5_000, 'first batch');
    assert.equal(await store.leaseHolder(OUTBOX_LEASE, Date.now()), 'node-a');
    const sentBy = new Set((await store.listJobs({ status: 'sent' }, 10)).map((j) => j.lockedBy));
    assert.deepEqual([...sentBy], [null], 'claims are cleared on completion');

    await a.stop();
    for (let n = 6; n <= 10; n++) await enqueue(b, n, `q${n}`);
    await waitFor(() => receiver.received.length === 10, 5_000, 'second batch, by node-b');
    assert.equal(await store.leaseHolder(OUTBOX_LEASE, Date.now()), 'node-b');
    assert.deepEqual(receiver.uniqueKeys().length, 10);
    assert.equal(receiver.received.length, 10, 'nothing delivered twice');
  });
});
