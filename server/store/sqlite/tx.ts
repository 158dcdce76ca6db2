// The one way the SQLite adapter opens a write transaction.
import type Database from 'better-sqlite3';
import { batchesOf, type WriteBatches } from './batch';

/**
 * Wraps `fn` in an IMMEDIATE transaction: it takes the write lock at BEGIN, so a
 * read-then-write cannot fail half-way with SQLITE_BUSY when another process writes.
 * `db` is a getter and the transaction is built on first use, so classes can declare
 * their transactions as field initializers, which run before the constructor body.
 * Inside a Store.batch it is a savepoint of the batch's transaction (batch.ts); outside,
 * an open batch transaction is committed first.
 */
export function immediate<A extends unknown[], R>(db: () => Database.Database, fn: (...args: A) => R): (...args: A) => R {
  let tx: Database.Transaction<(...args: A) => R> | undefined;
  let batches: WriteBatches | undefined;
  return (...args: A) => {
    if (!tx) {
      tx = db().transaction(fn);
      batches = batchesOf(db());
    }
    batches?.beforeWrite();
    return tx.immediate(...args);
  };
}
