import { messengerSource, type MessengerPatch, type NewMessenger } from '../../core/ports';
// Messengers, external ids and remembered keys of the MongoDB adapter: what the messenger
// channel needs from the store. Each write is one single-document operation keyed by a
// unique index (the webhook URL, the (source, externalId) identity, the remembered key as
// `_id`), so races are settled by the index: the loser reads the winner.
import { randomUUID } from 'node:crypto';
import type { ExternalId, Messenger } from '../../core/types';
import { isDuplicateKey, mapDuplicate } from './errors';
import { definedFields } from './mapping';
import type { ExternalIdDoc, MessengerDoc, Models, RememberedKeyDoc } from './schemas';


/** How often rememberKey also deletes the expired keys (per store instance, wall clock). */
export const PURGE_INTERVAL_MS = 60_000;

/** knownKeys asks about this many keys per query, well inside a command's size limit. */
const KNOWN_KEYS_BATCH = 1_000;

const orNull = <T>(v: T | null | undefined): T | null => (v === undefined ? null : v);

export function toMessenger(d: MessengerDoc): Messenger {
  return {
    id: d._id, siteId: d.siteId, name: d.name, webhookUrl: d.webhookUrl, secretSealed: d.secretSealed,
    status: d.status as Messenger['status'], returning: d.returning as Messenger['returning'],
    allowOperatorStart: d.allowOperatorStart === true, lastError: orNull(d.lastError),
    createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}
export function messengerDoc(m: Messenger): MessengerDoc {
  return {
    _id: m.id, siteId: m.siteId, name: m.name, webhookUrl: m.webhookUrl, secretSealed: m.secretSealed,
    status: m.status, returning: m.returning, allowOperatorStart: m.allowOperatorStart, lastError: m.lastError,
    createdAt: m.createdAt, updatedAt: m.updatedAt,
  };
}

export function toExternalId(d: ExternalIdDoc): ExternalId {
  return { source: d.source, externalId: d.externalId, visitorId: d.visitorId };
}

/** The external-id source of a messenger's users, as the core writes it. */

/** What linkExternalId throws for a visitor that does not exist (the same in both adapters). */
export function noSuchVisitor(visitorId: string): Error {
  return new Error(`linkExternalId: no visitor ${visitorId}`);
}

// Creation order of links within the cluster: milliseconds * 1000 + a per-process counter.
let linkCounter = 0;
const nextLinkOrder = (): number => Date.now() * 1000 + (linkCounter = (linkCounter + 1) % 1000);

export class MongoChannels {
  /** Wall-clock time of the next purge of expired remembered keys; 0: at the first call. */
  private nextPurgeAt = 0;

  constructor(private readonly m: Models) {}

  // --- messengers ---

  /** Throws DuplicateKeyError('messenger.webhookUrl') when another messenger has the URL. */
  async createMessenger(m: NewMessenger, now: number): Promise<Messenger> {
    const created: Messenger = { ...m, createdAt: now, updatedAt: now };
    await mapDuplicate('messenger', () => this.m.messengers.insertOne(messengerDoc(created)), [
      ['messenger.webhookUrl', async () => !!(await this.m.messengers.exists({ webhookUrl: created.webhookUrl }))],
    ]);
    return created;
  }

  async getMessenger(id: string): Promise<Messenger | null> {
    const doc = await this.m.messengers.findById(id).lean<MessengerDoc>();
    return doc ? toMessenger(doc) : null;
  }

  async listMessengers(siteId?: string): Promise<Messenger[]> {
    const filter = siteId === undefined ? {} : { siteId };
    return (await this.m.messengers.find(filter).sort({ createdAt: 1, _id: 1 }).lean<MessengerDoc[]>()).map(toMessenger);
  }

  /** One findOneAndUpdate; the webhook URL is the only unique key an update can collide on. */
  async updateMessenger(id: string, patch: MessengerPatch, now: number): Promise<Messenger | null> {
    const set = { ...definedFields(patch), updatedAt: now };
    return mapDuplicate('messenger', async () => {
      const doc = await this.m.messengers
        .findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' })
        .lean<MessengerDoc>();
      return doc ? toMessenger(doc) : null;
    }, [['messenger.webhookUrl', async () => true]]);
  }

  /** The links first, the messenger last: a crash half-way leaves it, and deleting again finishes. */
  async deleteMessenger(id: string): Promise<boolean> {
    await this.m.externalIds.deleteMany({ source: messengerSource(id) });
    return (await this.m.messengers.deleteOne({ _id: id })).deletedCount > 0;
  }

  /**
   * For deleteSite, before the visitors and the site: the links of the site's visitors and
   * of its messengers (whoever their visitors are), then the messengers.
   */
  async deleteOfSite(siteId: string): Promise<void> {
    const messengerIds = (await this.m.messengers.distinct('_id', { siteId })) as string[];
    await this.m.externalIds.deleteMany({ siteId });
    if (messengerIds.length) await this.m.externalIds.deleteMany({ source: { $in: messengerIds.map(messengerSource) } });
    await this.m.messengers.deleteMany({ siteId });
  }

  // --- external ids ---

  private async findLink(source: string, externalId: string): Promise<ExternalIdDoc | null> {
    return this.m.externalIds.findOne({ source, externalId }).lean<ExternalIdDoc>();
  }

  /**
   * Read first (a known identity is the usual case), else insert and let the unique
   * (source, externalId) index settle a race: the loser reads the winner. If the winner
   * was deleted in between (its messenger removed), the next round inserts.
   * Throws when the visitor does not exist and the identity is not linked yet.
   */
  async linkExternalId(link: ExternalId): Promise<{ visitorId: string; created: boolean }> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.findLink(link.source, link.externalId);
      if (existing) return { visitorId: existing.visitorId, created: false };
      const visitor = await this.m.visitors.findById(link.visitorId, { siteId: 1 }).lean<{ siteId: string }>();
      if (!visitor) throw noSuchVisitor(link.visitorId);
      const doc: ExternalIdDoc = {
        _id: randomUUID(), source: link.source, externalId: link.externalId, visitorId: link.visitorId,
        siteId: visitor.siteId, order: nextLinkOrder(),
      };
      try {
        await this.m.externalIds.insertOne(doc);
        return { visitorId: link.visitorId, created: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  async findExternalId(source: string, externalId: string): Promise<ExternalId | null> {
    const doc = await this.findLink(source, externalId);
    return doc ? toExternalId(doc) : null;
  }

  async externalIdsOfVisitor(visitorId: string): Promise<ExternalId[]> {
    const docs = await this.m.externalIds.find({ visitorId }).sort({ order: 1, _id: 1 }).lean<ExternalIdDoc[]>();
    return docs.map(toExternalId);
  }

  // --- remembered keys ---

  /**
   * An upsert whose filter matches only an expired record of the key: it replaces that one,
   * or inserts when there is none. When a live record exists the insert hits `_id`: read it
   * (created = false). If that record is gone or expired by the time it is read (a purge,
   * a replacement), go round once more. At most once a minute per store instance, the
   * expired keys are deleted first, so the collection holds roughly the live keys only.
   */
  async rememberKey(key: string, value: string, now: number, expiresAt: number): Promise<{ created: boolean; value: string }> {
    const wall = Date.now();
    if (wall >= this.nextPurgeAt) {
      this.nextPurgeAt = wall + PURGE_INTERVAL_MS;
      await this.purgeExpiredKeys(now);
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.m.rememberedKeys.updateOne(
          { _id: key, expiresAt: { $lte: now } },
          { $set: { value, expiresAt } },
          { upsert: true },
        );
        return { created: true, value };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        lastError = err;
      }
      const stored = await this.m.rememberedKeys.findById(key).lean<RememberedKeyDoc>();
      if (stored && stored.expiresAt > now) return { created: false, value: stored.value };
    }
    throw lastError;
  }

  /** Which of `keys` have a live record at `now`: one $in query per thousand keys, not one per key. */
  async knownKeys(keys: string[], now: number): Promise<Set<string>> {
    const unique = [...new Set(keys)];
    const known = new Set<string>();
    for (let i = 0; i < unique.length; i += KNOWN_KEYS_BATCH) {
      const docs = await this.m.rememberedKeys
        .find({ _id: { $in: unique.slice(i, i + KNOWN_KEYS_BATCH) }, expiresAt: { $gt: now } }, { _id: 1 })
        .lean<{ _id: string }[]>();
      for (const d of docs) known.add(d._id);
    }
    return known;
  }

  /** Deletes the keys expired at `now`; returns how many. */
  async purgeExpiredKeys(now: number): Promise<number> {
    return (await this.m.rememberedKeys.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
}
