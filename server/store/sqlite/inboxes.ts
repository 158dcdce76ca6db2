// Inboxes and mail items of the SQLite adapter: what email piping needs from the store.
// The mailbox worker writes an inbox's status, watermark and imported counter while an
// admin may be editing its settings, so each of those is a one-column UPDATE that can
// never write back a stale copy of the others (the MongoDB adapter's $set does the same).
import type Database from 'better-sqlite3';
import type { InboxPatch, NewInbox, Page } from '../../core/ports';
import type { Inbox, InboxStatus, MailItem, MailItemKind, MailWatermark } from '../../core/types';
import { decodeCursor, encodeCursor } from './listing';
import { mapDuplicate, merge } from './rows';
import { immediate } from './tx';
import { pageFrom } from '../page';

export interface InboxRow {
  id: string; site_id: string; name: string; address: string; department_id: string | null; enabled: number;
  settings: string; password_sealed: string; smtp_password_sealed: string | null; status: string;
  watermark: string | null; imported: number; created_at: number; updated_at: number;
}
export interface MailItemRow {
  id: string; inbox_id: string; key: string; kind: string; reason: string; message_id: string | null;
  sender: string | null; subject: string | null; size: number; raw_blob_id: string; created_at: number;
}

export function toInbox(r: InboxRow): Inbox {
  return {
    id: r.id, siteId: r.site_id, name: r.name, address: r.address, departmentId: r.department_id,
    enabled: r.enabled === 1, settings: JSON.parse(r.settings) as Inbox['settings'], passwordSealed: r.password_sealed,
    smtpPasswordSealed: r.smtp_password_sealed, status: JSON.parse(r.status) as InboxStatus,
    watermark: r.watermark ? (JSON.parse(r.watermark) as MailWatermark) : null, imported: r.imported,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
export function inboxParams(i: Inbox) {
  return {
    id: i.id, site_id: i.siteId, name: i.name, address: i.address, department_id: i.departmentId,
    enabled: i.enabled ? 1 : 0, settings: JSON.stringify(i.settings), password_sealed: i.passwordSealed,
    smtp_password_sealed: i.smtpPasswordSealed, status: JSON.stringify(i.status),
    watermark: i.watermark ? JSON.stringify(i.watermark) : null, imported: i.imported,
    created_at: i.createdAt, updated_at: i.updatedAt,
  };
}

// The CHECK constraint keeps `kind` valid, so the cast is safe.
export function toMailItem(r: MailItemRow): MailItem {
  return {
    id: r.id, inboxId: r.inbox_id, key: r.key, kind: r.kind as MailItemKind, reason: r.reason,
    messageId: r.message_id, from: r.sender, subject: r.subject, size: r.size, rawBlobId: r.raw_blob_id,
    createdAt: r.created_at,
  };
}
export function mailItemParams(m: MailItem) {
  return {
    id: m.id, inbox_id: m.inboxId, key: m.key, kind: m.kind, reason: m.reason, message_id: m.messageId,
    sender: m.from, subject: m.subject, size: m.size, raw_blob_id: m.rawBlobId, created_at: m.createdAt,
  };
}

/** What addMailItem throws for an inbox that does not exist (the same in both adapters). */
export function noSuchInbox(inboxId: string): Error {
  return new Error(`addMailItem: no inbox ${inboxId}`);
}

export class SqliteInboxes {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insert: p(`INSERT INTO inboxes (id, site_id, name, address, department_id, enabled, settings, password_sealed,
          smtp_password_sealed, status, watermark, imported, created_at, updated_at)
        VALUES (@id, @site_id, @name, @address, @department_id, @enabled, @settings, @password_sealed,
          @smtp_password_sealed, @status, @watermark, @imported, @created_at, @updated_at)`),
      byId: p('SELECT * FROM inboxes WHERE id = ?'),
      all: p('SELECT * FROM inboxes ORDER BY created_at, id'),
      ofSite: p('SELECT * FROM inboxes WHERE site_id = ? ORDER BY created_at, id'),
      // What an admin edits; status, watermark and imported belong to the mailbox worker.
      update: p(`UPDATE inboxes SET name = @name, address = @address, department_id = @department_id, enabled = @enabled,
        settings = @settings, password_sealed = @password_sealed, smtp_password_sealed = @smtp_password_sealed,
        updated_at = @updated_at WHERE id = @id RETURNING *`),
      setStatus: p('UPDATE inboxes SET status = ?, updated_at = ? WHERE id = ? RETURNING *'),
      setWatermark: p('UPDATE inboxes SET watermark = ?, updated_at = ? WHERE id = ? RETURNING *'),
      countImported: p('UPDATE inboxes SET imported = imported + ?, updated_at = ? WHERE id = ?'),
      delete: p('DELETE FROM inboxes WHERE id = ?'),

      // A taken (inbox, key) is the expected retry outcome: the caller then reads what is stored.
      itemInsert: p(`INSERT INTO mail_items (id, inbox_id, key, kind, reason, message_id, sender, subject, size,
          raw_blob_id, created_at)
        VALUES (@id, @inbox_id, @key, @kind, @reason, @message_id, @sender, @subject, @size, @raw_blob_id, @created_at)
        ON CONFLICT (inbox_id, key) DO NOTHING`),
      itemByKey: p('SELECT * FROM mail_items WHERE inbox_id = ? AND key = ?'),
      itemById: p('SELECT * FROM mail_items WHERE id = ?'),
      // Newest first, keyset-paged on (created_at, id) like the conversation list.
      itemsFirst: p(`SELECT * FROM mail_items WHERE inbox_id = @inbox AND kind = @kind
        ORDER BY created_at DESC, id DESC LIMIT @limit`),
      itemsAfter: p(`SELECT * FROM mail_items WHERE inbox_id = @inbox AND kind = @kind
          AND (created_at < @at OR (created_at = @at AND id < @id))
        ORDER BY created_at DESC, id DESC LIMIT @limit`),
      itemCounts: p('SELECT kind, count(*) AS n FROM mail_items WHERE inbox_id = ? GROUP BY kind'),
      itemBlobsOfInbox: p('SELECT raw_blob_id FROM mail_items WHERE inbox_id = ? ORDER BY created_at, id').pluck(),
      itemsDeleteOfInbox: p('DELETE FROM mail_items WHERE inbox_id = ?'),
      itemDelete: p('DELETE FROM mail_items WHERE id = ?'),
    };
  }

  private write<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return immediate(() => this.db, fn);
  }

  // --- inboxes ---

  /** Throws DuplicateKeyError('inbox.address') when another inbox has the (lower-cased) address. */
  createInbox(inbox: NewInbox, now: number): Inbox {
    const created: Inbox = {
      ...inbox, address: inbox.address.toLowerCase(), watermark: null, imported: 0, createdAt: now, updatedAt: now,
    };
    mapDuplicate(() => this.s.insert.run(inboxParams(created)));
    return created;
  }

  getInbox(id: string): Inbox | null {
    const row = this.s.byId.get(id) as InboxRow | undefined;
    return row ? toInbox(row) : null;
  }

  listInboxes(siteId?: string): Inbox[] {
    const rows = siteId === undefined ? this.s.all.all() : this.s.ofSite.all(siteId);
    return (rows as InboxRow[]).map(toInbox);
  }

  readonly updateInbox = this.write((id: string, patch: InboxPatch, now: number): Inbox | null => {
    const row = this.s.byId.get(id) as InboxRow | undefined;
    if (!row) return null;
    const next = merge(toInbox(row), patch);
    next.address = next.address.toLowerCase();
    next.updatedAt = now;
    return toInbox(mapDuplicate(() => this.s.update.get(inboxParams(next))) as InboxRow);
  });

  setInboxStatus(id: string, status: InboxStatus, now: number): Inbox | null {
    const row = this.s.setStatus.get(JSON.stringify(status), now, id) as InboxRow | undefined;
    return row ? toInbox(row) : null;
  }

  setInboxWatermark(id: string, watermark: MailWatermark | null, now: number): Inbox | null {
    const row = this.s.setWatermark.get(watermark ? JSON.stringify(watermark) : null, now, id) as InboxRow | undefined;
    return row ? toInbox(row) : null;
  }

  countImported(id: string, n: number, now: number): void {
    this.s.countImported.run(n, now, id);
  }

  /** The items and the inbox in one transaction: no item ever outlives its inbox. */
  readonly deleteInbox = this.write((id: string): { deleted: boolean; rawBlobIds: string[] } => {
    const rawBlobIds = this.s.itemBlobsOfInbox.all(id) as string[];
    this.s.itemsDeleteOfInbox.run(id);
    return { deleted: this.s.delete.run(id).changes > 0, rawBlobIds };
  });

  // --- mail items ---

  /**
   * INSERT ... ON CONFLICT DO NOTHING, then read what is stored, in one transaction: the
   * first add of an (inbox, key) wins and every later one reads it. Throws when the inbox
   * does not exist; DuplicateKeyError('mailItem.id') when the id belongs to another item.
   */
  readonly addMailItem = this.write((item: MailItem): { item: MailItem; created: boolean } => {
    let created: boolean;
    try {
      created = mapDuplicate(() => this.s.itemInsert.run(mailItemParams(item))).changes > 0;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw noSuchInbox(item.inboxId);
      throw err;
    }
    return { item: toMailItem(this.s.itemByKey.get(item.inboxId, item.key) as MailItemRow), created };
  });

  getMailItem(id: string): MailItem | null {
    const row = this.s.itemById.get(id) as MailItemRow | undefined;
    return row ? toMailItem(row) : null;
  }

  listMailItems(inboxId: string, kind: MailItemKind, limit: number, cursor?: string | null): Page<MailItem> {
    // One extra row tells whether another page exists without a COUNT.
    const params = { inbox: inboxId, kind, limit: limit + 1 };
    const rows = (cursor
      ? this.s.itemsAfter.all({ ...params, ...decodeCursor(cursor) })
      : this.s.itemsFirst.all(params)) as MailItemRow[];
    return pageFrom(rows, limit, toMailItem, (last) => encodeCursor({ at: last.created_at, id: last.id }));
  }

  countMailItems(inboxId: string): Record<MailItemKind, number> {
    const counts: Record<MailItemKind, number> = { 'set-aside': 0, quarantined: 0 };
    for (const { kind, n } of this.s.itemCounts.all(inboxId) as { kind: MailItemKind; n: number }[]) counts[kind] = n;
    return counts;
  }

  deleteMailItem(id: string): boolean {
    return this.s.itemDelete.run(id).changes > 0;
  }
}
