// Two Parley nodes share one store; the outbox worker runs on whichever holds the lease.
// Killing that node mid-delivery: the other takes over, and every delivery arrives, in
// order per queue, exactly once after idempotency-key deduplication.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Store } from '../../server/core/ports';
import { Outbox, OUTBOX_LEASE } from '../../server/jobs/outbox';
import { openStore } from '../../server/store/open';
import { freePort, killHard, spawnParley, type ParleyProcess } from '../helpers/process';
import { Receiver, waitFor } from '../helpers/receiver';
import { mongoUriForTest } from '../helpers/server';

const QUEUES = 6;
const PER_QUEUE = 10;

describe('cluster lease', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-lease-'));
  const nodes = new Map<string, ParleyProcess>();
  let store: Store | undefined;
  const receiver = new Receiver();
  after(async () => {
    for (const p of nodes.values()) await killHard(p);
    await receiver.stop();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the node holding the outbox lease is killed mid-delivery; the other finishes, nothing lost', async () => {
    await receiver.start();
    receiver.delayMs = 40;
    const common: Record<string, string> = { DATA_DIR: dataDir, SECRET_KEY: 'k'.repeat(40), OUTBOX_LEASE_MS: '1500', OUTBOX_LOCK_MS: '3000', ...(await mongoUriForTest()) };
    for (const name of ['node-a', 'node-b']) {
      nodes.set(name, await spawnParley({ ...common, PORT: String(await freePort()), NODE_NAME: name }));
    }
    store = await openStore({ DATA_DIR: dataDir, MONGODB_URI: common.MONGODB_URI });
    const seeder = new Outbox({ store, clock: { now: Date.now }, logger: pino({ level: 'silent' }) }, { node: 'seeder', deliverers: {} });
    for (let i = 0; i < PER_QUEUE; i++) {
      for (let q = 0; q < QUEUES; q++) {
        await seeder.enqueue({ kind: 'http', key: `q${q}-${i}`, queue: `q${q}`, payload: { url: receiver.url, body: { q, i } } });
      }
    }

    await waitFor(() => receiver.received.length >= 15, 15_000, 'deliveries under way');
    const holder = await store.leaseHolder(OUTBOX_LEASE, Date.now());
    assert.ok(holder && nodes.has(holder), `a node holds the lease (${holder})`);
    await killHard(nodes.get(holder)!);
    nodes.delete(holder);
    const survivor = [...nodes.keys()][0]!;

    await waitFor(async () => (await store!.listJobs({ status: 'sent' }, 1000)).length === QUEUES * PER_QUEUE, 30_000, 'every job sent');
    assert.equal(await store.leaseHolder(OUTBOX_LEASE, Date.now()), survivor);
    const keys = receiver.uniqueKeys();
    assert.equal(keys.length, QUEUES * PER_QUEUE, 'every delivery arrived');
    const duplicates = receiver.received.length - keys.length;
    assert.ok(duplicates <= QUEUES, `only deliveries in flight at the kill may repeat (${duplicates})`);
    for (let q = 0; q < QUEUES; q++) {
      const order = keys.filter((k) => k.startsWith(`q${q}-`)).map((k) => Number(k.split('-')[1]));
      assert.deepEqual(order, [...Array(PER_QUEUE).keys()], `queue q${q} in order`);
    }
    assert.equal((await store.listJobs({ status: 'dead' }, 10)).length, 0);
  });
});
