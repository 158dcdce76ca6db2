// The durable outbox and leases. Every state change is one conditional single-document
// update (the filter says which state it may change from), so two workers or two nodes
// never both win, and a lost claim is noticed: the update matches nothing.
import { DuplicateKeyError, type JobStatus, type NewOutboxJob, type OutboxJob } from '../../core/ports';
import { isDuplicateKey, reportedKey } from './errors';
import type { JobDoc, LeaseDoc, Models } from './schemas';

const toJob = (d: JobDoc): OutboxJob => ({
  id: d._id, kind: d.kind, key: d.key, queue: d.queue, payload: JSON.parse(d.payload) as unknown,
  status: d.status as JobStatus, attempts: d.attempts ?? 0, nextAttemptAt: d.nextAttemptAt, lastError: d.lastError ?? null,
  lockedBy: d.lockedBy ?? null, lockedUntil: d.lockedUntil ?? 0, order: d.order, createdAt: d.createdAt, updatedAt: d.updatedAt,
});

export class MongoOutbox {
  constructor(private readonly m: Models) {}

  /** Insert, and on a taken key read what is stored: the first enqueue wins, retries are no-ops. */
  async enqueue(job: NewOutboxJob): Promise<{ job: OutboxJob; created: boolean }> {
    const doc: JobDoc = {
      _id: job.id, kind: job.kind, key: job.key, queue: job.queue, payload: JSON.stringify(job.payload ?? null),
      status: 'pending', attempts: 0, nextAttemptAt: job.nextAttemptAt ?? job.createdAt, lastError: null,
      lockedBy: null, lockedUntil: 0, order: job.order, createdAt: job.createdAt, updatedAt: job.createdAt,
    };
    try {
      await this.m.jobs.insertOne(doc);
      return { job: toJob(doc), created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const stored = await this.m.jobs.findOne({ key: job.key }).lean<JobDoc>();
      if (stored) return { job: toJob(stored), created: false };
      // Not the key: the id belongs to another job.
      throw new DuplicateKeyError(reportedKey(err, 'job') ?? 'job.id');
    }
  }

  /**
   * Walks the due, unclaimed pending jobs in order and claims those that head their queue
   * (no older pending job, claimed or not, in the same queue). Each queue is looked at
   * once: after its first candidate, later ones of that queue cannot be heads this round.
   */
  async claim(worker: string, now: number, lockMs: number, limit: number): Promise<OutboxJob[]> {
    const claimed: OutboxJob[] = [];
    if (limit <= 0) return claimed;
    const until = now + lockMs;
    const seenQueues = new Set<string>();
    const candidates = this.m.jobs
      .find({ status: 'pending', nextAttemptAt: { $lte: now }, lockedUntil: { $lte: now } })
      .sort({ order: 1 })
      .lean<JobDoc[]>()
      .cursor({ batchSize: Math.max(limit, 50) });
    try {
      for await (const job of candidates as AsyncIterable<JobDoc>) {
        if (seenQueues.has(job.queue)) continue;
        seenQueues.add(job.queue);
        const older = await this.m.jobs.exists({ queue: job.queue, status: 'pending', order: { $lt: job.order } });
        if (older) continue;
        const doc = await this.m.jobs
          .findOneAndUpdate(
            { _id: job._id, status: 'pending', lockedUntil: { $lte: now } },
            { $set: { lockedBy: worker, lockedUntil: until, updatedAt: now } },
            { returnDocument: 'after' },
          )
          .lean<JobDoc>();
        if (doc) claimed.push(toJob(doc));
        if (claimed.length >= limit) break;
      }
    } finally {
      await candidates.close();
    }
    return claimed;
  }

  async complete(id: string, worker: string, now: number): Promise<boolean> {
    const res = await this.m.jobs.updateOne(
      { _id: id, lockedBy: worker, status: 'pending' },
      { $set: { status: 'sent', lockedBy: null, lockedUntil: 0, lastError: null, updatedAt: now }, $inc: { attempts: 1 } },
    );
    return res.modifiedCount > 0;
  }

  async fail(id: string, worker: string, now: number, outcome: { error: string; retryAt: number | null }): Promise<boolean> {
    const res = await this.m.jobs.updateOne(
      { _id: id, lockedBy: worker, status: 'pending' },
      {
        $set: {
          status: outcome.retryAt === null ? 'dead' : 'pending', lastError: outcome.error.slice(0, 2000),
          nextAttemptAt: outcome.retryAt ?? now, lockedBy: null, lockedUntil: 0, updatedAt: now,
        },
        $inc: { attempts: 1 },
      },
    );
    return res.modifiedCount > 0;
  }

  async get(id: string): Promise<OutboxJob | null> {
    const doc = await this.m.jobs.findById(id).lean<JobDoc>();
    return doc ? toJob(doc) : null;
  }

  async list(filter: { status?: JobStatus; queue?: string; kind?: string }, limit: number): Promise<OutboxJob[]> {
    if (limit <= 0) return [];
    const query: Record<string, string> = {};
    if (filter.status !== undefined) query.status = filter.status;
    if (filter.queue !== undefined) query.queue = filter.queue;
    if (filter.kind !== undefined) query.kind = filter.kind;
    const docs = await this.m.jobs.find(query).sort({ order: -1 }).limit(limit).lean<JobDoc[]>();
    return docs.map(toJob);
  }

  async retry(id: string, now: number): Promise<OutboxJob | null> {
    const doc = await this.m.jobs
      .findOneAndUpdate(
        { _id: id, status: 'dead' },
        { $set: { status: 'pending', attempts: 0, nextAttemptAt: now, lockedBy: null, lockedUntil: 0, updatedAt: now } },
        { returnDocument: 'after' },
      )
      .lean<JobDoc>();
    return doc ? toJob(doc) : null;
  }

  /**
   * An upsert whose filter matches only a lease that is ours or expired. When it matches
   * nothing the upsert inserts, and if the lease exists (held by someone else, live) that
   * insert hits the `_id` index: not acquired. Either way one atomic operation.
   */
  async acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    try {
      await this.m.leases.updateOne(
        { _id: name, $or: [{ holder }, { expiresAt: { $lte: now } }] },
        { $set: { holder, expiresAt: now + ttlMs } },
        { upsert: true },
      );
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.m.leases.deleteOne({ _id: name, holder });
  }

  async leaseHolder(name: string, now: number): Promise<string | null> {
    const doc = await this.m.leases.findOne({ _id: name, expiresAt: { $gt: now } }).lean<LeaseDoc>();
    return doc?.holder ?? null;
  }
}
