import { messengerSource, type MessengerPatch, type NewMessenger } from '../../core/ports';
// Messengers, external ids and remembered keys of the SQLite adapter: what the messenger
// channel needs from the store. Uniqueness lives in the schema (UNIQUE webhook_url, the
// (source, external_id) primary key, the remembered key's primary key), so the semantics
// hold against any other writer, the same as the MongoDB adapter's unique indexes.
import type Database from 'better-sqlite3';
import type { ExternalId, Messenger } from '../../core/types';
import { mapDuplicate, merge } from './rows';
import { immediate } from './tx';


export interface MessengerRow {
  id: string; site_id: string; name: string; webhook_url: string; secret_sealed: string; status: string;
  returning_mode: string; allow_operator_start: number; last_error: string | null; created_at: number; updated_at: number;
}
export interface ExternalIdRow { source: string; external_id: string; visitor_id: string }

// The CHECK constraints keep the enum columns valid, so the casts are safe.
export function toMessenger(r: MessengerRow): Messenger {
  return {
    id: r.id, siteId: r.site_id, name: r.name, webhookUrl: r.webhook_url, secretSealed: r.secret_sealed,
    status: r.status as Messenger['status'], returning: r.returning_mode as Messenger['returning'],
    allowOperatorStart: r.allow_operator_start === 1, lastError: r.last_error,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
export function messengerParams(m: Messenger) {
  return {
    id: m.id, site_id: m.siteId, name: m.name, webhook_url: m.webhookUrl, secret_sealed: m.secretSealed,
    status: m.status, returning_mode: m.returning, allow_operator_start: m.allowOperatorStart ? 1 : 0,
    last_error: m.lastError, created_at: m.createdAt, updated_at: m.updatedAt,
  };
}

export function toExternalId(r: ExternalIdRow): ExternalId {
  return { source: r.source, externalId: r.external_id, visitorId: r.visitor_id };
}

/** The external-id source of a messenger's users, as the core writes it. */

/** What linkExternalId throws for a visitor that does not exist (the same in both adapters). */
export function noSuchVisitor(visitorId: string): Error {
  return new Error(`linkExternalId: no visitor ${visitorId}`);
}

/** How often rememberKey also deletes the expired keys (per store instance, wall clock). */
export const PURGE_INTERVAL_MS = 60_000;

export class SqliteChannels {
  private readonly s;
  /** Wall-clock time of the next purge of expired remembered keys; 0: at the first call. */
  private nextPurgeAt = 0;

  constructor(private readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      messengerInsert: p(`INSERT INTO messengers (id, site_id, name, webhook_url, secret_sealed, status, returning_mode,
          allow_operator_start, last_error, created_at, updated_at)
        VALUES (@id, @site_id, @name, @webhook_url, @secret_sealed, @status, @returning_mode, @allow_operator_start,
          @last_error, @created_at, @updated_at)`),
      messengerById: p('SELECT * FROM messengers WHERE id = ?'),
      messengerAll: p('SELECT * FROM messengers ORDER BY created_at, id'),
      messengerOfSite: p('SELECT * FROM messengers WHERE site_id = ? ORDER BY created_at, id'),
      messengerUpdate: p(`UPDATE messengers SET name = @name, webhook_url = @webhook_url, secret_sealed = @secret_sealed,
        status = @status, returning_mode = @returning_mode, allow_operator_start = @allow_operator_start,
        last_error = @last_error, updated_at = @updated_at WHERE id = @id`),
      messengerDelete: p('DELETE FROM messengers WHERE id = ?'),

      // A taken identity is the expected race outcome: the caller then reads the winner.
      linkInsert: p(`INSERT INTO external_ids (source, external_id, visitor_id) VALUES (?, ?, ?)
        ON CONFLICT (source, external_id) DO NOTHING`),
      linkGet: p('SELECT * FROM external_ids WHERE source = ? AND external_id = ?'),
      linksOfVisitor: p('SELECT * FROM external_ids WHERE visitor_id = ? ORDER BY rowid'),
      linksDeleteOfSource: p('DELETE FROM external_ids WHERE source = ?'),
      // The links of a site's messengers, whoever their visitors are (those of the site's
      // own visitors go with the visitors, by the foreign key).
      linksDeleteOfSiteMessengers: p(`DELETE FROM external_ids
        WHERE source IN (SELECT 'messenger:' || id FROM messengers WHERE site_id = ?)`),

      // Inserts, or replaces an expired record; a live one is left alone (no change).
      remember: p(`INSERT INTO remembered_keys (key, value, expires_at) VALUES (@key, @value, @expires_at)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
        WHERE remembered_keys.expires_at <= @now`),
      rememberedValue: p('SELECT value FROM remembered_keys WHERE key = ?'),
      purgeKeys: p('DELETE FROM remembered_keys WHERE expires_at <= ?'),
      // The keys travel as one JSON array: one statement whatever their number, and no
      // bound-variable limit to chunk around.
      liveKeys: p(`SELECT key FROM remembered_keys
        WHERE key IN (SELECT value FROM json_each(?)) AND expires_at > ?`).pluck(),
    };
  }

  /** An IMMEDIATE write transaction (tx.ts): read-then-write cannot interleave with another process's writer. */
  private write<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return immediate(() => this.db, fn);
  }

  // --- messengers ---

  /** Throws DuplicateKeyError('messenger.webhookUrl') when another messenger has the URL. */
  createMessenger(m: NewMessenger, now: number): Messenger {
    const created: Messenger = { ...m, createdAt: now, updatedAt: now };
    mapDuplicate(() => this.s.messengerInsert.run(messengerParams(created)));
    return created;
  }

  getMessenger(id: string): Messenger | null {
    const row = this.s.messengerById.get(id) as MessengerRow | undefined;
    return row ? toMessenger(row) : null;
  }

  listMessengers(siteId?: string): Messenger[] {
    const rows = siteId === undefined ? this.s.messengerAll.all() : this.s.messengerOfSite.all(siteId);
    return (rows as MessengerRow[]).map(toMessenger);
  }

  readonly updateMessenger = this.write((id: string, patch: MessengerPatch, now: number): Messenger | null => {
    const row = this.s.messengerById.get(id) as MessengerRow | undefined;
    if (!row) return null;
    const next = merge(toMessenger(row), patch);
    next.updatedAt = now;
    mapDuplicate(() => this.s.messengerUpdate.run(messengerParams(next)));
    return next;
  });

  /** The links first, in the same transaction: a messenger never leaves its users' ids behind. */
  readonly deleteMessenger = this.write((id: string): boolean => {
    this.s.linksDeleteOfSource.run(messengerSource(id));
    return this.s.messengerDelete.run(id).changes > 0;
  });

  /** For deleteSite: the site's messengers go by ON DELETE CASCADE, their links by this. */
  deleteLinksOfSiteMessengers(siteId: string): void {
    this.s.linksDeleteOfSiteMessengers.run(siteId);
  }

  // --- external ids ---

  /**
   * INSERT ... ON CONFLICT DO NOTHING, then read what is stored, in one transaction: the
   * first link wins and every later one (racing or not) reads the winner's visitor.
   * Throws when the visitor does not exist and the identity is not linked yet.
   */
  readonly linkExternalId = this.write((link: ExternalId): { visitorId: string; created: boolean } => {
    let created: boolean;
    try {
      created = this.s.linkInsert.run(link.source, link.externalId, link.visitorId).changes > 0;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw noSuchVisitor(link.visitorId);
      throw err;
    }
    const row = this.s.linkGet.get(link.source, link.externalId) as ExternalIdRow;
    return { visitorId: row.visitor_id, created };
  });

  findExternalId(source: string, externalId: string): ExternalId | null {
    const row = this.s.linkGet.get(source, externalId) as ExternalIdRow | undefined;
    return row ? toExternalId(row) : null;
  }

  externalIdsOfVisitor(visitorId: string): ExternalId[] {
    return (this.s.linksOfVisitor.all(visitorId) as ExternalIdRow[]).map(toExternalId);
  }

  // --- remembered keys ---

  private readonly rememberTx = this.write(
    (key: string, value: string, now: number, expiresAt: number): { created: boolean; value: string } => {
      if (this.s.remember.run({ key, value, expires_at: expiresAt, now }).changes > 0) return { created: true, value };
      return { created: false, value: (this.s.rememberedValue.get(key) as { value: string }).value };
    },
  );

  /**
   * The upsert's conflict clause decides: insert, replace an expired record, or keep the
   * live one. At most once a minute it also deletes every key expired at `now`, so the
   * table holds roughly the live keys only.
   */
  rememberKey(key: string, value: string, now: number, expiresAt: number): { created: boolean; value: string } {
    const wall = Date.now();
    if (wall >= this.nextPurgeAt) {
      this.nextPurgeAt = wall + PURGE_INTERVAL_MS;
      this.purgeExpiredKeys(now);
    }
    return this.rememberTx(key, value, now, expiresAt);
  }

  /** Which of `keys` have a live record at `now` (one query, whatever their number). */
  knownKeys(keys: string[], now: number): Set<string> {
    if (keys.length === 0) return new Set();
    return new Set(this.s.liveKeys.all(JSON.stringify(keys), now) as string[]);
  }

  /** Deletes the keys expired at `now`; returns how many. */
  purgeExpiredKeys(now: number): number {
    return this.s.purgeKeys.run(now).changes;
  }
}
