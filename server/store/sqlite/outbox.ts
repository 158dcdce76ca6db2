// The outbox and leases of the SQLite adapter. Every state change is one conditional
// UPDATE, so the semantics are the same as the MongoDB adapter's findOneAndUpdate.
import type Database from 'better-sqlite3';
import type { JobStatus, NewOutboxJob, OutboxJob } from '../../core/ports';

export interface JobRow {
  id: string; kind: string; key: string; queue: string; payload: string; status: JobStatus; attempts: number;
  next_attempt_at: number; last_error: string | null; locked_by: string | null; locked_until: number; ord: number;
  created_at: number; updated_at: number;
}

export const toJob = (r: JobRow): OutboxJob => ({
  id: r.id, kind: r.kind, key: r.key, queue: r.queue, payload: JSON.parse(r.payload) as unknown, status: r.status,
  attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error, lockedBy: r.locked_by,
  lockedUntil: r.locked_until, order: r.ord, createdAt: r.created_at, updatedAt: r.updated_at,
});

export class SqliteOutbox {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      insert: db.prepare(`INSERT INTO outbox_jobs (id, kind, key, queue, payload, status, next_attempt_at, ord, created_at, updated_at)
        VALUES (@id, @kind, @key, @queue, @payload, 'pending', @next, @ord, @created, @created) ON CONFLICT (key) DO NOTHING`),
      byKey: db.prepare('SELECT * FROM outbox_jobs WHERE key = ?'),
      byId: db.prepare('SELECT * FROM outbox_jobs WHERE id = ?'),
      // Queue heads that are due and not under a live claim.
      heads: db.prepare(`SELECT j.* FROM outbox_jobs j
        WHERE j.status = 'pending' AND j.next_attempt_at <= @now AND j.locked_until <= @now
          AND NOT EXISTS (SELECT 1 FROM outbox_jobs o WHERE o.queue = j.queue AND o.status = 'pending' AND o.ord < j.ord)
        ORDER BY j.ord LIMIT @limit`),
      claim: db.prepare(`UPDATE outbox_jobs SET locked_by = @worker, locked_until = @until, updated_at = @now
        WHERE id = @id AND status = 'pending' AND locked_until <= @now`),
      complete: db.prepare(`UPDATE outbox_jobs SET status = 'sent', locked_by = NULL, locked_until = 0, last_error = NULL,
        attempts = attempts + 1, updated_at = @now WHERE id = @id AND locked_by = @worker AND status = 'pending'`),
      fail: db.prepare(`UPDATE outbox_jobs SET status = @status, attempts = attempts + 1, last_error = @error,
        next_attempt_at = @next, locked_by = NULL, locked_until = 0, updated_at = @now
        WHERE id = @id AND locked_by = @worker AND status = 'pending'`),
      retry: db.prepare(`UPDATE outbox_jobs SET status = 'pending', attempts = 0, next_attempt_at = @now, locked_by = NULL,
        locked_until = 0, updated_at = @now WHERE id = @id AND status = 'dead'`),
      lease: db.prepare(`INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @until)
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`),
      release: db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?'),
      holder: db.prepare('SELECT holder FROM leases WHERE name = ? AND expires_at > ?'),
    };
  }

  enqueue(job: NewOutboxJob): { job: OutboxJob; created: boolean } {
    const created = this.s.insert.run({
      id: job.id, kind: job.kind, key: job.key, queue: job.queue, payload: JSON.stringify(job.payload ?? null),
      next: job.nextAttemptAt ?? job.createdAt, ord: job.order, created: job.createdAt,
    }).changes > 0;
    return { job: toJob(this.s.byKey.get(job.key) as JobRow), created };
  }

  claim(worker: string, now: number, lockMs: number, limit: number): OutboxJob[] {
    const claimed: OutboxJob[] = [];
    for (const row of this.s.heads.all({ now, limit }) as JobRow[]) {
      const until = now + lockMs;
      if (this.s.claim.run({ worker, until, now, id: row.id }).changes > 0) {
        claimed.push(toJob({ ...row, locked_by: worker, locked_until: until, updated_at: now }));
      }
    }
    return claimed;
  }

  complete(id: string, worker: string, now: number): boolean {
    return this.s.complete.run({ id, worker, now }).changes > 0;
  }

  fail(id: string, worker: string, now: number, outcome: { error: string; retryAt: number | null }): boolean {
    const dead = outcome.retryAt === null;
    return this.s.fail.run({
      id, worker, now, status: dead ? 'dead' : 'pending', error: outcome.error.slice(0, 2000), next: outcome.retryAt ?? now,
    }).changes > 0;
  }

  get(id: string): OutboxJob | null {
    const row = this.s.byId.get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  list(filter: { status?: JobStatus; queue?: string; kind?: string }, limit: number): OutboxJob[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit };
    for (const [col, key] of [['status', 'status'], ['queue', 'queue'], ['kind', 'kind']] as const) {
      if (filter[key] !== undefined) {
        where.push(`${col} = @${key}`);
        params[key] = filter[key];
      }
    }
    const sql = `SELECT * FROM outbox_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ord DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as JobRow[]).map(toJob);
  }

  retry(id: string, now: number): OutboxJob | null {
    return this.s.retry.run({ id, now }).changes > 0 ? this.get(id) : null;
  }

  acquireLease(name: string, holder: string, now: number, ttlMs: number): boolean {
    return this.s.lease.run({ name, holder, until: now + ttlMs, now }).changes > 0;
  }

  releaseLease(name: string, holder: string): void {
    this.s.release.run(name, holder);
  }

  leaseHolder(name: string, now: number): string | null {
    return (this.s.holder.get(name, now) as { holder: string } | undefined)?.holder ?? null;
  }
}
