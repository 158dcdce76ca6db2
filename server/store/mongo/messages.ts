// Messages and attachments. appendMessage runs without a transaction as three steps,
// each a single-document operation, and is safe to retry after a crash between any two:
//   1. look up (conversationId, clientId): a repeated send returns the stored message;
//   2. bump the conversation's lastSeq and summary in one findOneAndUpdate ($inc is atomic,
//      so concurrent appends get distinct seqs);
//   3. insert the message with that seq. The unique (conversationId, clientKey) index
//      settles a race between two sends of one clientId: the loser returns the winner's.
// What a crash or a lost race leaves behind is a gap in the seqs (the port allows gaps)
// and a summary that may describe the losing copy of the same message. Without a
// transaction, a reader can also see seq n+1 stored a moment before seq n (two appends
// finishing step 3 out of order); SQLite commits them in seq order.
import { previewOf } from '../../core/preview';
import { DuplicateKeyError, type NewMessage } from '../../core/ports';
import type { Attachment, EmailMeta, Message } from '../../core/types';
import { duplicateKeyOf, isDuplicateKey, mapDuplicate } from './errors';
import { attachmentDoc, clientKeyOf, messageDoc, toAttachment, toMessage } from './mapping';
import type { AttachmentDoc, ConversationDoc, MessageDoc, Models } from './schemas';

export class Messages {
  constructor(private readonly m: Models) {}

  private async byClientId(conversationId: string, clientId: string): Promise<MessageDoc | null> {
    return this.m.messages.findOne({ conversationId, clientKey: clientKeyOf(clientId, '') }).lean<MessageDoc>();
  }

  async append(msg: NewMessage): Promise<{ message: Message; created: boolean } | null> {
    if (msg.clientId !== null) {
      const existing = await this.byClientId(msg.conversationId, msg.clientId);
      if (existing) return { message: toMessage(existing), created: false };
    }
    // The unique (conversationId, seq) index backs the counter: on a server whose $inc is
    // not atomic (FerretDB 1.x) two appends can get one seq; the loser bumps again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const seq = await this.bump(msg);
      if (seq === null) return null;
      const message: Message = { ...msg, email: msg.email ?? null, seq };
      try {
        await this.m.messages.insertOne(messageDoc(message));
        return { message, created: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        if (msg.clientId !== null) {
          // Another send of the same clientId got in between: it won.
          const winner = await this.byClientId(msg.conversationId, msg.clientId);
          if (winner) return { message: toMessage(winner), created: false };
        }
        const key = await duplicateKeyOf(err, 'message', [
          ['message.seq', async () => !!(await this.m.messages.exists({ conversationId: msg.conversationId, seq }))],
        ]);
        if (key !== 'message.seq') throw new DuplicateKeyError(key ?? 'message.id');
      }
    }
    throw new DuplicateKeyError('message.seq');
  }

  /** Step 2: the next seq, with the summary updated in the same single-document update. */
  private async bump(msg: NewMessage): Promise<number | null> {
    const conv = await this.m.conversations
      .findOneAndUpdate(
        { _id: msg.conversationId },
        {
          $inc: { lastSeq: 1 },
          $set: {
            lastMessageAt: msg.createdAt, lastMessagePreview: previewOf(msg), updatedAt: msg.createdAt,
            activityAt: msg.createdAt,
          },
        },
        // No projection: FerretDB 1.x does not implement findAndModify's `fields`.
        { returnDocument: 'after' },
      )
      .lean<ConversationDoc>();
    return conv ? conv.lastSeq : null;
  }

  async get(id: string): Promise<Message | null> {
    const doc = await this.m.messages.findById(id).lean<MessageDoc>();
    return doc ? toMessage(doc) : null;
  }

  async setEmail(id: string, email: EmailMeta): Promise<Message | null> {
    const doc = await this.m.messages.findOneAndUpdate({ _id: id }, { $set: { email } }, { returnDocument: 'after' }).lean<MessageDoc>();
    return doc ? toMessage(doc) : null;
  }

  /** Ascending by seq; the window is taken from the right end and reversed when paging back. */
  async list(conversationId: string, opts: { afterSeq?: number; beforeSeq?: number; limit: number }): Promise<Message[]> {
    if (opts.limit <= 0) return [];
    if (opts.afterSeq !== undefined) {
      const docs = await this.m.messages
        .find({ conversationId, seq: { $gt: opts.afterSeq } }).sort({ seq: 1 }).limit(opts.limit).lean<MessageDoc[]>();
      return docs.map(toMessage);
    }
    const filter = opts.beforeSeq !== undefined ? { conversationId, seq: { $lt: opts.beforeSeq } } : { conversationId };
    const docs = await this.m.messages.find(filter).sort({ seq: -1 }).limit(opts.limit).lean<MessageDoc[]>();
    return docs.reverse().map(toMessage);
  }

  async createAttachment(att: Attachment): Promise<Attachment> {
    await mapDuplicate('attachment', () => this.m.attachments.insertOne(attachmentDoc(att)));
    return { ...att };
  }

  async getAttachment(id: string): Promise<Attachment | null> {
    const doc = await this.m.attachments.findById(id).lean<AttachmentDoc>();
    return doc ? toAttachment(doc) : null;
  }

  /** `messageId: null` in the filter makes linking happen once: a retried send cannot steal a file. */
  async linkAttachments(ids: string[], messageId: string, conversationId: string): Promise<number> {
    if (ids.length === 0) return 0;
    const res = await this.m.attachments.updateMany(
      { _id: { $in: ids }, messageId: null },
      { $set: { messageId, conversationId } },
    );
    return res.modifiedCount;
  }
}
