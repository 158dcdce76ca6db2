// Conversations: the one-live-conversation-per-visitor rule (a unique sparse index on
// openKey; email conversations hold a key of their own), read marks, and the inbox list.
// Every write is one single-document operation.
import type { ConversationFilter, ConversationPatch, NewConversation, Page } from '../../core/ports';
import type { Conversation, ConversationStatus } from '../../core/types';
import { DuplicateKeyError } from '../../core/ports';
import { isDuplicateKey, mapDuplicate, reportedKey, type UniqueProbe } from './errors';
import { LIST_SORT, buildListFilter, decodeCursor, encodeCursor } from './listing';
import { definedFields, inboxNotAllowed, openKeyOf, toConversation } from './mapping';
import type { ConversationDoc, Models } from './schemas';
import { pageFrom } from '../page';

export function conversationDoc(conv: NewConversation, status: ConversationStatus, now: number): ConversationDoc {
  const inboxId = conv.inboxId ?? null;
  const doc: ConversationDoc = {
    _id: conv.id, siteId: conv.siteId, visitorId: conv.visitorId, status, name: conv.name, channel: conv.channel,
    departmentId: conv.departmentId, assigneeId: null, inboxId, lastSeq: 0, visitorReadSeq: 0, agentReadSeq: 0,
    lastMessageAt: null, lastMessagePreview: null, createdAt: now, updatedAt: now, activityAt: now,
  };
  const openKey = openKeyOf(status, { id: conv.id, visitorId: conv.visitorId, inboxId });
  if (openKey !== undefined) doc.openKey = openKey;
  return doc;
}

export class Conversations {
  constructor(private readonly m: Models) {}

  /**
   * Throws DuplicateKeyError('conversation.openKey') for a second live conversation of a
   * visitor; conversations with an inbox are exempt (their open key is their own).
   */
  async create(conv: NewConversation): Promise<Conversation> {
    const doc = conversationDoc(conv, conv.status ?? 'open', Date.now());
    const { openKey } = doc;
    // An email conversation's own key ('c:' + id) can only be taken by the same id.
    const probes: UniqueProbe[] = openKey === undefined || doc.inboxId ? [] : [
      ['conversation.openKey', async () => !!(await this.m.conversations.exists({ openKey }))],
    ];
    await mapDuplicate('conversation', () => this.m.conversations.insertOne(doc), probes);
    return toConversation(doc);
  }

  async get(id: string): Promise<Conversation | null> {
    const doc = await this.m.conversations.findById(id).lean<ConversationDoc>();
    return doc ? toConversation(doc) : null;
  }

  private async byOpenKey(visitorId: string): Promise<ConversationDoc | null> {
    return this.m.conversations.findOne({ openKey: visitorId }).lean<ConversationDoc>();
  }

  /**
   * Read first (nearly every call finds the conversation open), else insert and let the
   * unique openKey settle a race: the loser reads the winner. If the winner was closed
   * in between, the key is free again and the next round inserts.
   */
  async getOrCreateOpen(visitorId: string, init: NewConversation): Promise<{ conversation: Conversation; created: boolean }> {
    if (init.inboxId) throw inboxNotAllowed();
    // This method only ever yields a live conversation, so a 'closed' init opens instead;
    // the visitorId argument is the one the open key (and so the uniqueness) is about.
    const status = init.status === 'pending' ? 'pending' : 'open';
    for (let attempt = 0; attempt < 5; attempt++) {
      const open = await this.byOpenKey(visitorId);
      if (open) return { conversation: toConversation(open), created: false };
      const doc = conversationDoc({ ...init, visitorId }, status, Date.now());
      try {
        await this.m.conversations.insertOne(doc);
        return { conversation: toConversation(doc), created: true };
      } catch (err) {
        // The open key taken (the usual race): go round and read the winner. A server that
        // does not name the index (FerretDB) lands here too; a reused id then ends below.
        if (!isDuplicateKey(err)) throw err;
        if (reportedKey(err, 'conversation') === 'conversation.id') throw new DuplicateKeyError('conversation.id');
      }
    }
    // Five inserts refused while the visitor has no live conversation: the id is taken.
    throw new DuplicateKeyError('conversation.id');
  }

  /**
   * One findOneAndUpdate. A status change moves the open key in the same update (set
   * while live, removed when closed); reopening a conversation without an inbox while the
   * visitor has another live one hits the unique index and changes nothing: null.
   */
  async update(id: string, patch: ConversationPatch, now: number): Promise<Conversation | null> {
    const set: Record<string, unknown> = { ...definedFields(patch), updatedAt: now };
    const update: Record<string, unknown> = { $set: set };
    if (patch.status !== undefined) {
      // The open key needs the visitor and the inbox, which never change once created: read them first.
      const current = await this.m.conversations
        .findById(id, { visitorId: 1, inboxId: 1 })
        .lean<Pick<ConversationDoc, 'visitorId' | 'inboxId'>>();
      if (!current) return null;
      const openKey = openKeyOf(patch.status, { id, visitorId: current.visitorId, inboxId: current.inboxId ?? null });
      if (openKey === undefined) update.$unset = { openKey: 1 };
      else set.openKey = openKey;
    }
    try {
      const doc = await this.m.conversations
        .findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' })
        .lean<ConversationDoc>();
      return doc ? toConversation(doc) : null;
    } catch (err) {
      // The open key is the only unique key an update can collide on.
      if (isDuplicateKey(err)) return null;
      throw err;
    }
  }

  async list(filter: ConversationFilter, limit: number, cursor?: string | null): Promise<Page<Conversation>> {
    const query = buildListFilter(filter, cursor ? decodeCursor(cursor) : null);
    const docs = await this.m.conversations.find(query).sort(LIST_SORT).limit(limit + 1).lean<ConversationDoc[]>();
    return pageFrom(docs, limit, toConversation, (last) => encodeCursor({ at: last.activityAt, id: last._id }));
  }

  /**
   * Raises the read mark with $max, capped at lastSeq (a client cannot claim to have read
   * messages that do not exist yet). Without pipeline updates (FerretDB 1.x lacks them):
   * the common case (seq <= lastSeq) is one filtered update; otherwise the cap is read and
   * applied in a second one. lastSeq only grows, so a cap read a moment ago stays valid.
   */
  async markRead(conversationId: string, by: 'visitor' | 'agent', seq: number): Promise<Conversation | null> {
    const field = by === 'visitor' ? 'visitorReadSeq' : 'agentReadSeq';
    const raise = (to: number) => ({ $max: { [field]: to } });
    const within = await this.m.conversations
      .findOneAndUpdate({ _id: conversationId, lastSeq: { $gte: seq } }, raise(seq), { returnDocument: 'after' })
      .lean<ConversationDoc>();
    if (within) return toConversation(within);
    const current = await this.m.conversations.findById(conversationId, { lastSeq: 1 }).lean<Pick<ConversationDoc, 'lastSeq'>>();
    if (!current) return null;
    const capped = Math.min(seq, current.lastSeq ?? 0);
    const doc = await this.m.conversations
      .findOneAndUpdate({ _id: conversationId }, raise(capped), { returnDocument: 'after' })
      .lean<ConversationDoc>();
    return doc ? toConversation(doc) : null;
  }
}
