// Store contract, part 4: the durable outbox and leases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewOutboxJob, Store } from '../../server/core/ports';

const job = (n: number, over: Partial<NewOutboxJob> = {}): NewOutboxJob => ({
  id: `j${n}`, kind: 'http', key: `key-${n}`, queue: 'q1', payload: { n, nested: { ok: true } }, order: n, createdAt: 1_000 + n, ...over,
});

export function outboxContract(get: () => Store): void {
  describe('outbox', () => {
    it('enqueue is idempotent on the key and keeps the payload', async () => {
      const store = get();
      const first = await store.enqueueJob(job(1));
      assert.equal(first.created, true);
      assert.deepEqual(first.job.payload, { n: 1, nested: { ok: true } });
      assert.equal(first.job.status, 'pending');
      assert.equal(first.job.attempts, 0);
      const again = await store.enqueueJob(job(1, { id: 'other-id', payload: { n: 99 } }));
      assert.equal(again.created, false);
      assert.equal(again.job.id, 'j1');
      assert.deepEqual(again.job.payload, { n: 1, nested: { ok: true } });
    });

    it('claims only due queue heads, in order, and never twice', async () => {
      const store = get();
      for (const n of [1, 2, 3]) await store.enqueueJob(job(n));
      await store.enqueueJob(job(4, { queue: 'q2' }));
      await store.enqueueJob(job(5, { queue: 'q3', nextAttemptAt: 50_000 }));
      const claimed = await store.claimJobs('w1', 10_000, 5_000, 10);
      assert.deepEqual(claimed.map((j) => j.id), ['j1', 'j4'], 'one head per queue; the future job waits');
      assert.ok(claimed.every((j) => j.lockedBy === 'w1' && j.lockedUntil === 15_000));
      assert.deepEqual(await store.claimJobs('w2', 10_001, 5_000, 10), [], 'live claims are not taken over');
    });

    it('the next job of a queue is claimable once its head is sent', async () => {
      const store = get();
      for (const n of [1, 2]) await store.enqueueJob(job(n));
      const [head] = await store.claimJobs('w1', 10_000, 5_000, 10);
      assert.equal(await store.completeJob(head!.id, 'w1', 10_100), true);
      const sent = await store.getJob('j1');
      assert.equal(sent?.status, 'sent');
      assert.equal(sent?.attempts, 1);
      assert.deepEqual((await store.claimJobs('w1', 10_200, 5_000, 10)).map((j) => j.id), ['j2']);
    });

    it('a retry waiting in the future holds back its queue; a dead head does not', async () => {
      const store = get();
      for (const n of [1, 2]) await store.enqueueJob(job(n));
      await store.claimJobs('w1', 10_000, 5_000, 10);
      assert.equal(await store.failJob('j1', 'w1', 10_100, { error: 'HTTP 503', retryAt: 20_000 }), true);
      const failed = await store.getJob('j1');
      assert.deepEqual([failed?.status, failed?.attempts, failed?.lastError, failed?.nextAttemptAt, failed?.lockedBy], ['pending', 1, 'HTTP 503', 20_000, null]);
      assert.deepEqual(await store.claimJobs('w1', 15_000, 5_000, 10), [], 'order is kept: j2 waits behind j1');
      assert.deepEqual((await store.claimJobs('w1', 20_000, 5_000, 10)).map((j) => j.id), ['j1']);
      assert.equal(await store.failJob('j1', 'w1', 20_100, { error: '550 no such user', retryAt: null }), true);
      assert.equal((await store.getJob('j1'))?.status, 'dead');
      assert.deepEqual((await store.claimJobs('w1', 20_200, 5_000, 10)).map((j) => j.id), ['j2']);
    });

    it('an expired claim can be taken over, and the old worker can no longer complete it', async () => {
      const store = get();
      await store.enqueueJob(job(1));
      await store.claimJobs('w1', 10_000, 5_000, 10);
      const taken = await store.claimJobs('w2', 15_000, 5_000, 10);
      assert.deepEqual(taken.map((j) => [j.id, j.lockedBy]), [['j1', 'w2']]);
      assert.equal(await store.completeJob('j1', 'w1', 15_100), false);
      assert.equal(await store.failJob('j1', 'w1', 15_100, { error: 'x', retryAt: 1 }), false);
      assert.equal(await store.completeJob('j1', 'w2', 15_200), true);
    });

    it('concurrent claims by two workers split the jobs without overlap', async () => {
      const store = get();
      for (let n = 1; n <= 20; n++) await store.enqueueJob(job(n, { queue: `q${n}` }));
      const [a, b] = await Promise.all([store.claimJobs('a', 10_000, 5_000, 20), store.claimJobs('b', 10_000, 5_000, 20)]);
      const ids = [...a, ...b].map((j) => j.id);
      assert.equal(ids.length, 20);
      assert.equal(new Set(ids).size, 20);
    });

    it('lists newest first with filters, and retries dead jobs only', async () => {
      const store = get();
      for (const n of [1, 2, 3]) await store.enqueueJob(job(n, { queue: `q${n}` }));
      await store.claimJobs('w', 10_000, 5_000, 10);
      await store.failJob('j2', 'w', 10_100, { error: 'bounced', retryAt: null });
      assert.deepEqual((await store.listJobs({}, 10)).map((j) => j.id), ['j3', 'j2', 'j1']);
      assert.deepEqual((await store.listJobs({ status: 'dead' }, 10)).map((j) => j.id), ['j2']);
      assert.deepEqual((await store.listJobs({ queue: 'q1' }, 10)).map((j) => j.id), ['j1']);
      assert.equal(await store.retryJob('j1', 11_000), null, 'a pending job is not "retried"');
      const retried = await store.retryJob('j2', 11_000);
      assert.deepEqual([retried?.status, retried?.attempts, retried?.nextAttemptAt], ['pending', 0, 11_000]);
    });
  });

  describe('leases', () => {
    it('one holder at a time; renewal by the holder; takeover after expiry; release', async () => {
      const store = get();
      assert.equal(await store.acquireLease('outbox', 'n1', 1_000, 10_000), true);
      assert.equal(await store.acquireLease('outbox', 'n2', 2_000, 10_000), false);
      assert.equal(await store.leaseHolder('outbox', 2_000), 'n1');
      assert.equal(await store.acquireLease('outbox', 'n1', 9_000, 10_000), true, 'renewal');
      assert.equal(await store.acquireLease('outbox', 'n2', 12_000, 10_000), false, 'renewed until 19 000');
      assert.equal(await store.acquireLease('outbox', 'n2', 19_000, 10_000), true, 'expired: taken over');
      assert.equal(await store.leaseHolder('outbox', 19_500), 'n2');
      await store.releaseLease('outbox', 'n1');
      assert.equal(await store.leaseHolder('outbox', 19_500), 'n2', 'only the holder can release');
      await store.releaseLease('outbox', 'n2');
      assert.equal(await store.leaseHolder('outbox', 19_500), null);
      assert.equal(await store.acquireLease('other', 'n1', 19_500, 1_000), true, 'leases are independent');
    });

    it('concurrent acquisitions: exactly one wins', async () => {
      const store = get();
      const wins = await Promise.all(['a', 'b', 'c', 'd'].map((h) => store.acquireLease('mailbox:1', h, 1_000, 5_000)));
      assert.equal(wins.filter(Boolean).length, 1);
    });
  });
}
