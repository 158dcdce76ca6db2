// The one way the SQLite adapter opens a write transaction.
import type Database from 'better-sqlite3';

/**
 * Wraps `fn` in an IMMEDIATE transaction: it takes the write lock at BEGIN, so a
 * read-then-write cannot fail half-way with SQLITE_BUSY when another process writes.
 * `db` is a getter and the transaction is built on first use, so classes can declare
 * their transactions as field initializers, which run before the constructor body.
 */
export function immediate<A extends unknown[], R>(db: () => Database.Database, fn: (...args: A) => R): (...args: A) => R {
  let tx: Database.Transaction<(...args: A) => R> | undefined;
  return (...args: A) => (tx ??= db().transaction(fn)).immediate(...args);
}
