// Inboxes and mail items of the MongoDB adapter: what email piping needs from the store.
// The mailbox worker writes an inbox's status, watermark and imported counter while an
// admin may be editing its settings, so each write is one single-document update that
// $sets (or $incs) only its own fields: neither writer can put back a stale copy of the
// other's. No transactions: multi-step deletes are ordered so a retry finishes them.
import { DuplicateKeyError, type InboxPatch, type NewInbox, type Page } from '../../core/ports';
import type { Inbox, InboxStatus, MailItem, MailItemKind, MailWatermark } from '../../core/types';
import { isDuplicateKey, mapDuplicate, reportedKey } from './errors';
import { decodeCursor, encodeCursor } from './listing';
import { definedFields, inboxDoc, mailItemDoc, toInbox, toMailItem } from './mapping';
import type { InboxDoc, MailItemDoc, Models } from './schemas';
import { pageFrom } from '../page';

/** What addMailItem throws for an inbox that does not exist (the same in both adapters). */
export function noSuchInbox(inboxId: string): Error {
  return new Error(`addMailItem: no inbox ${inboxId}`);
}

/** Newest first; the id breaks ties so pages are stable. */
const ITEM_SORT = { createdAt: -1, _id: -1 } as const;

export class MongoInboxes {
  constructor(private readonly m: Models) {}

  // --- inboxes ---

  /** Throws DuplicateKeyError('inbox.address') when another inbox has the (lower-cased) address. */
  async createInbox(inbox: NewInbox, now: number): Promise<Inbox> {
    const created: Inbox = {
      ...inbox, address: inbox.address.toLowerCase(), watermark: null, imported: 0, createdAt: now, updatedAt: now,
    };
    const doc = inboxDoc(created);
    await mapDuplicate('inbox', () => this.m.inboxes.insertOne(doc), [
      ['inbox.address', async () => !!(await this.m.inboxes.exists({ address: doc.address }))],
    ]);
    return created;
  }

  async getInbox(id: string): Promise<Inbox | null> {
    const doc = await this.m.inboxes.findById(id).lean<InboxDoc>();
    return doc ? toInbox(doc) : null;
  }

  async listInboxes(siteId?: string): Promise<Inbox[]> {
    const filter = siteId === undefined ? {} : { siteId };
    return (await this.m.inboxes.find(filter).sort({ createdAt: 1, _id: 1 }).lean<InboxDoc[]>()).map(toInbox);
  }

  /** One findOneAndUpdate of the patched fields; the address is the only unique key it can collide on. */
  async updateInbox(id: string, patch: InboxPatch, now: number): Promise<Inbox | null> {
    const set: Record<string, unknown> = { ...definedFields(patch), updatedAt: now };
    if (patch.address !== undefined) set.address = patch.address.toLowerCase();
    return mapDuplicate('inbox', () => this.set(id, { $set: set }), [['inbox.address', async () => true]]);
  }

  setInboxStatus(id: string, status: InboxStatus, now: number): Promise<Inbox | null> {
    return this.set(id, { $set: { status, updatedAt: now } });
  }

  setInboxWatermark(id: string, watermark: MailWatermark | null, now: number): Promise<Inbox | null> {
    return this.set(id, { $set: { watermark, updatedAt: now } });
  }

  async countImported(id: string, n: number, now: number): Promise<void> {
    await this.m.inboxes.updateOne({ _id: id }, { $inc: { imported: n }, $set: { updatedAt: now } });
  }

  private async set(id: string, update: Record<string, unknown>): Promise<Inbox | null> {
    const doc = await this.m.inboxes.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }).lean<InboxDoc>();
    return doc ? toInbox(doc) : null;
  }

  /**
   * The inbox first, then its items: once the inbox is gone no new item can stay (see
   * addMailItem), and a retry after a crash in between still finds the items by inbox id
   * and returns their blob ids (with deleted = false).
   */
  async deleteInbox(id: string): Promise<{ deleted: boolean; rawBlobIds: string[] }> {
    const deleted = (await this.m.inboxes.deleteOne({ _id: id })).deletedCount > 0;
    return { deleted, rawBlobIds: await this.deleteItemsOf([id]) };
  }

  /**
   * For deleteSite, before the site: items, inboxes, then items again. Items first so a
   * retry after a crash still knows the inboxes; again after, for an add that raced in.
   */
  async deleteOfSite(siteId: string): Promise<void> {
    const inboxIds = (await this.m.inboxes.distinct('_id', { siteId })) as string[];
    if (inboxIds.length === 0) return;
    await this.deleteItemsOf(inboxIds);
    await this.m.inboxes.deleteMany({ siteId });
    await this.deleteItemsOf(inboxIds);
  }

  /** Deletes by the ids it read, so every item deleted has its blob id returned. */
  private async deleteItemsOf(inboxIds: string[]): Promise<string[]> {
    const items = await this.m.mailItems
      .find({ inboxId: { $in: inboxIds } }, { rawBlobId: 1 })
      .sort({ createdAt: 1, _id: 1 })
      .lean<Pick<MailItemDoc, '_id' | 'rawBlobId'>[]>();
    if (items.length) await this.m.mailItems.deleteMany({ _id: { $in: items.map((i) => i._id) } });
    return items.map((i) => i.rawBlobId);
  }

  // --- mail items ---

  private async itemByKey(inboxId: string, key: string): Promise<MailItemDoc | null> {
    return this.m.mailItems.findOne({ inboxId, key }).lean<MailItemDoc>();
  }

  /**
   * Read first (a retried add is the usual repeat), else insert and let the unique
   * (inboxId, key) index settle a race: the loser reads the winner. Throws when the inbox
   * does not exist, also when it was deleted while the item went in: the item is then
   * removed again, so deleteInbox never leaves one behind.
   */
  async addMailItem(item: MailItem): Promise<{ item: MailItem; created: boolean }> {
    const stored = await this.itemByKey(item.inboxId, item.key);
    if (stored) return { item: toMailItem(stored), created: false };
    if (!(await this.m.inboxes.exists({ _id: item.inboxId }))) throw noSuchInbox(item.inboxId);
    const doc = mailItemDoc(item);
    try {
      await this.m.mailItems.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const winner = await this.itemByKey(item.inboxId, item.key);
      if (winner) return { item: toMailItem(winner), created: false };
      // Not the (inbox, key): the id belongs to another item.
      throw new DuplicateKeyError(reportedKey(err, 'mailItem') ?? 'mailItem.id');
    }
    if (!(await this.m.inboxes.exists({ _id: item.inboxId }))) {
      await this.m.mailItems.deleteOne({ _id: doc._id });
      throw noSuchInbox(item.inboxId);
    }
    return { item: toMailItem(doc), created: true };
  }

  async getMailItem(id: string): Promise<MailItem | null> {
    const doc = await this.m.mailItems.findById(id).lean<MailItemDoc>();
    return doc ? toMailItem(doc) : null;
  }

  async listMailItems(inboxId: string, kind: MailItemKind, limit: number, cursor?: string | null): Promise<Page<MailItem>> {
    const after = cursor ? decodeCursor(cursor) : null;
    const filter = after
      ? { inboxId, kind, $or: [{ createdAt: { $lt: after.at } }, { createdAt: after.at, _id: { $lt: after.id } }] }
      : { inboxId, kind };
    const docs = await this.m.mailItems.find(filter).sort(ITEM_SORT).limit(limit + 1).lean<MailItemDoc[]>();
    return pageFrom(docs, limit, toMailItem, (last) => encodeCursor({ at: last.createdAt, id: last._id }));
  }

  async countMailItems(inboxId: string): Promise<Record<MailItemKind, number>> {
    const [setAside, quarantined] = await Promise.all([
      this.m.mailItems.countDocuments({ inboxId, kind: 'set-aside' }),
      this.m.mailItems.countDocuments({ inboxId, kind: 'quarantined' }),
    ]);
    return { 'set-aside': setAside, quarantined };
  }

  async deleteMailItem(id: string): Promise<boolean> {
    return (await this.m.mailItems.deleteOne({ _id: id })).deletedCount > 0;
  }
}
