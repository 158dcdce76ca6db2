// The durable outbox: producers enqueue deliveries (emails, webhook calls) in the store;
// one worker per cluster, holding the 'outbox' lease, sends them with retries and
// backoff. A job is claimed before it is sent and completed after, so a node that dies
// mid-send leaves a claim that expires and another node sends the job again: delivery
// is at least once, and every delivery carries the job's idempotency key so receivers
// can make it exactly once.
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF, nextAttemptAt, type BackoffPolicy } from '../core/backoff';
import { DeliveryError } from '../core/delivery';
import { newId } from '../core/ids';
import type { Clock, OutboxJob, Store } from '../core/ports';

export type Deliverer = (job: OutboxJob) => Promise<void>;

export const OUTBOX_LEASE = 'outbox';

export interface OutboxOptions {
  node: string;
  deliverers: Record<string, Deliverer>;
  backoff?: BackoffPolicy;
  /** How long the lease lasts without renewal; another node takes over after it. */
  leaseMs?: number;
  /** How long a claimed job stays locked to this node (longer than one delivery's timeout). */
  lockMs?: number;
  pollMs?: number;
  concurrency?: number;
}

let lastOrder = 0;
/** Creation order: milliseconds * 1000 + a counter, strictly rising within a process. */
function nextOrder(now: number): number {
  lastOrder = Math.max(lastOrder + 1, now * 1000);
  return lastOrder;
}

export class Outbox {
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<void>;
  private stopped = true;
  /** Kicked while a round ran: the next round starts without waiting pollMs. */
  private again = false;
  private readonly opts: Required<OutboxOptions>;

  constructor(private readonly deps: { store: Store; clock: Clock; logger: Logger }, opts: OutboxOptions) {
    this.opts = { backoff: DEFAULT_BACKOFF, leaseMs: 15_000, lockMs: 60_000, pollMs: 1_000, concurrency: 8, ...opts };
  }

  /** Stores a delivery; idempotent on `key`. Wakes the worker when it runs on this node. */
  async enqueue(job: { kind: string; key: string; queue: string; payload: unknown; notBefore?: number }): Promise<OutboxJob> {
    const now = this.deps.clock.now();
    const { job: stored } = await this.deps.store.enqueueJob({
      id: newId(), kind: job.kind, key: job.key, queue: job.queue, payload: job.payload,
      order: nextOrder(now), createdAt: now, ...(job.notBefore ? { nextAttemptAt: job.notBefore } : {}),
    });
    this.kick();
    return stored;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Runs a round soon: now, or right after the one running (which may have just found nothing to claim). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.round(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.deps.store.releaseLease(OUTBOX_LEASE, this.opts.node).catch(() => undefined);
  }

  private async round(): Promise<void> {
    if (this.running) return;
    this.running = this.work()
      .catch((err) => this.deps.logger.error({ err }, 'outbox round failed'))
      .finally(() => {
        this.running = undefined;
        const delay = this.again ? 0 : this.opts.pollMs;
        this.again = false;
        if (!this.stopped) this.timer = setTimeout(() => void this.round(), delay);
      });
    await this.running;
  }

  /**
   * While this node holds the lease, delivers due jobs until none are left, up to
   * `concurrency` at a time. It claims again as soon as half the slots are free instead of
   * waiting for a whole batch: waiting for the slowest of a batch left the CPU idle while the
   * SMTP pool sent, and the pool idle while the next batch's emails were built.
   */
  private async work(): Promise<void> {
    const { store, clock, logger } = this.deps;
    const { node, leaseMs, lockMs, concurrency } = this.opts;
    const inFlight = new Set<Promise<void>>();
    const refillAt = Math.ceil(concurrency / 2);
    try {
      while (!this.stopped) {
        const free = concurrency - inFlight.size;
        if (free >= refillAt) {
          if (!(await store.acquireLease(OUTBOX_LEASE, node, clock.now(), leaseMs))) return;
          for (const job of await store.claimJobs(node, clock.now(), lockMs, free)) {
            // deliver() settles every job itself; a store failure while it does leaves the
            // claim to expire, and the job is delivered again after lockMs.
            const delivery: Promise<void> = this.deliver(job)
              .catch((err) => logger.error({ err, jobId: job.id }, 'outbox: recording a delivery failed'))
              .finally(() => inFlight.delete(delivery));
            inFlight.add(delivery);
          }
        }
        if (inFlight.size === 0) return;
        await Promise.race(inFlight);
      }
    } finally {
      await Promise.all(inFlight);
    }
  }

  private async deliver(job: OutboxJob): Promise<void> {
    const { store, clock, logger } = this.deps;
    const deliverer = this.opts.deliverers[job.kind];
    try {
      if (!deliverer) throw new DeliveryError(`no deliverer for kind "${job.kind}"`, true);
      await deliverer(job);
      await store.completeJob(job.id, this.opts.node, clock.now());
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message ?? String(err), false);
      const now = clock.now();
      const attempts = job.attempts + 1;
      let retryAt = e.permanent ? null : nextAttemptAt(this.opts.backoff, attempts, now);
      if (retryAt !== null && e.retryAfterMs !== undefined) retryAt = Math.max(retryAt, now + e.retryAfterMs);
      await store.failJob(job.id, this.opts.node, now, { error: e.message, retryAt });
      logger[retryAt === null ? 'warn' : 'info']({ jobId: job.id, kind: job.kind, attempts, error: e.message, retryAt }, retryAt === null ? 'delivery dead' : 'delivery will be retried');
    }
  }
}
