// Store.batch for SQLite. Outside a batch every write commits on its own (an implicit
// transaction, or one immediate() transaction per store method), and each commit writes
// every page it touched to the WAL: an email imported through a dozen store writes paid a
// dozen commits. Inside a batch those writes share one transaction.
//
// fn is async and the connection is shared with everything else the process does (HTTP
// requests, widget messages, other inboxes' readers), so:
// - AsyncLocalStorage tells the batch's own writes (fn's, and those of whatever it calls)
//   from the others.
// - The batch's first write opens BEGIN IMMEDIATE; its next writes run inside, each store
//   method in its own savepoint (better-sqlite3 nests transactions as savepoints) and each
//   plain statement atomic on its own, so a failing write undoes only itself.
// - Any other write first commits the batch's transaction, then runs as it always did, on
//   its own: it is durable before its caller is answered, and nothing the batch does later
//   can undo it. The batch opens a new transaction at its next write. (Reads from outside
//   do not commit: they may see the batch's writes a moment early.)
// - The batch never rolls back: what fn wrote before it failed stays, which is safe because
//   every write is idempotent and the caller retries.
// - A transaction left open while fn waits (the parse worker, a blob write) is committed
//   after MAX_OPEN_MS, so the write lock other processes (the CLI) need is not held long.
// - run() resolves only after the commit, and rejects when a commit of its writes failed:
//   a mail reader then does not advance its watermark over writes that were lost.
// Batches running at once (two inboxes' readers) share the transaction; committing one's
// writes early, at the end of the other, is always safe.
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';

/** How long a batch transaction may stay open across the batch's waits. */
const MAX_OPEN_MS = 50;

interface Batch {
  done: boolean;
}

const registry = new WeakMap<Database.Database, WriteBatches>();

/** The batches of a connection: tx.ts passes every write transaction through beforeWrite(). */
export function batchesOf(db: Database.Database): WriteBatches | undefined {
  return registry.get(db);
}

export class WriteBatches {
  private readonly context = new AsyncLocalStorage<Batch>();
  private readonly begin: Database.Statement;
  private readonly end: Database.Statement;
  private readonly undo: Database.Statement;
  /** A batch transaction is open: BEGIN IMMEDIATE ran, COMMIT has not. */
  private open = false;
  private timer: NodeJS.Timeout | null = null;
  /** Failed commits so far and the last error: a batch fails when the count moved while it ran. */
  private failures = 0;
  private lastFailure: unknown = null;

  constructor(private readonly db: Database.Database) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.end = db.prepare('COMMIT');
    this.undo = db.prepare('ROLLBACK');
    // Every write statement prepared on this connection from now on passes the guard,
    // whichever module of the adapter prepares it: a new statement cannot forget it.
    const prepare = db.prepare.bind(db);
    db.prepare = ((source: string) => this.guard(prepare(source))) as typeof db.prepare;
    registry.set(db, this);
  }

  /** Runs fn as a batch (Store.batch); inside another batch, fn joins it. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inside()) return fn();
    const batch: Batch = { done: false };
    const failuresBefore = this.failures;
    let result: T;
    try {
      result = await this.context.run(batch, fn);
    } finally {
      batch.done = true;
      this.commit();
    }
    if (this.failures !== failuresBefore) {
      const cause = this.lastFailure;
      throw new Error(`the batch's writes could not be committed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    return result;
  }

  /** Before any write: a batch's own joins (or opens) the batch transaction; anyone else's commits it first. */
  beforeWrite(): void {
    if (this.inside()) this.join();
    else if (this.open) this.commit();
  }

  /** Commits the batch transaction, if one is open. Never throws: a failure fails the batches that wrote in it. */
  commit(): void {
    if (!this.open) return;
    this.open = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.db.inTransaction) return this.failed(rolledBack());
    try {
      this.end.run();
    } catch (err) {
      if (this.db.inTransaction) {
        try {
          this.undo.run();
        } catch {
          // The connection rolls back by itself when it cannot; nothing else to do.
        }
      }
      this.failed(err);
    }
  }

  /** Whether the caller runs inside a batch (one not finished yet). */
  inside(): boolean {
    const batch = this.context.getStore();
    return batch !== undefined && !batch.done;
  }

  private join(): void {
    if (this.open) {
      if (this.db.inTransaction) return;
      // SQLite rolled the transaction back by itself (disk full, I/O error): its writes are gone.
      this.open = false;
      if (this.timer) clearTimeout(this.timer);
      this.failed(rolledBack());
    }
    // Inside a transaction of the caller's own (synchronous, so its own write): it commits it.
    if (this.db.inTransaction) return;
    this.begin.run();
    this.open = true;
    this.timer = setTimeout(() => this.commit(), MAX_OPEN_MS);
    this.timer.unref();
  }

  private failed(err: unknown): void {
    this.failures++;
    this.lastFailure = err;
  }

  private guard(stmt: Database.Statement): Database.Statement {
    if (stmt.readonly) return stmt;
    for (const name of ['run', 'get', 'all', 'iterate'] as const) {
      const original = stmt[name] as (...args: unknown[]) => unknown;
      stmt[name] = ((...args: unknown[]) => {
        this.beforeWrite();
        return original.apply(stmt, args);
      }) as never;
    }
    return stmt;
  }
}

function rolledBack(): Error {
  return new Error('SQLite rolled the batch transaction back');
}
