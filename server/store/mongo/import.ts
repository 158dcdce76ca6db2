// The MongoDB side of `parley migrate-to-mongo`: records arrive as domain objects with
// their ids, timestamps and counters, and are inserted unless already there, so a run
// that stopped half-way can be repeated.
import type { OutboxJob } from '../../core/ports';
import type { Conversation } from '../../core/types';
import type { Collection, Importer, Records } from '../transfer';
import { openMongoStore } from './index';
import { messengerDoc } from './channels';
import {
  agentDoc, attachmentDoc, inboxDoc, mailItemDoc, messageDoc, openKeyOf, sessionDoc, siteDoc, visitorDoc,
} from './mapping';
import type { ConversationDoc, JobDoc, Models } from './schemas';

function conversationDocOf(c: Conversation): ConversationDoc {
  const { id, ...rest } = c;
  const doc: ConversationDoc = { _id: id, ...rest, activityAt: c.lastMessageAt ?? c.createdAt };
  const openKey = openKeyOf(c.status, c);
  if (openKey !== undefined) doc.openKey = openKey;
  return doc;
}

function jobDocOf(j: OutboxJob): JobDoc {
  const { id, payload, ...rest } = j;
  return { _id: id, ...rest, payload: JSON.stringify(payload ?? null) };
}

const TO_DOC: { [C in Exclude<Collection, 'externalIds'>]: (r: Records[C]) => { _id: string } } = {
  settings: (s) => ({ _id: s.key, value: JSON.stringify(s.value) }),
  sites: siteDoc,
  departments: ({ id, ...rest }) => ({ _id: id, ...rest }),
  agents: agentDoc,
  sessions: sessionDoc,
  visitors: visitorDoc,
  conversations: conversationDocOf,
  messages: messageDoc,
  attachments: attachmentDoc,
  outbox: jobDocOf,
  messengers: messengerDoc,
  inboxes: inboxDoc,
  mailItems: mailItemDoc,
  rememberedKeys: (k) => ({ _id: k.key, value: k.value, expiresAt: k.expiresAt }),
};

/** Model names as schemas.ts registers them on the connection. */
const MODEL: { [C in Collection]: string } = {
  settings: 'Setting', sites: 'Site', departments: 'Department', agents: 'Agent', sessions: 'Session',
  visitors: 'Visitor', conversations: 'Conversation', messages: 'Message', attachments: 'Attachment', outbox: 'OutboxJob',
  messengers: 'Messenger', externalIds: 'ExternalId', inboxes: 'Inbox', mailItems: 'MailItem', rememberedKeys: 'RememberedKey',
};

export async function openMongoImporter(uri: string, dbName?: string): Promise<Importer & { close(): Promise<void> }> {
  const store = await openMongoStore(uri, dbName ? { dbName } : {});
  const model = (c: Collection) => store.connection.model(MODEL[c]) as unknown as Models['sites'];
  return {
    async importBatch<C extends Collection>(collection: C, records: Records[C][]): Promise<number> {
      if (records.length === 0) return 0;
      if (collection === 'externalIds') {
        // The store's own link is idempotent and fills the Mongo-only fields (site, order).
        let created = 0;
        for (const link of records as Records['externalIds'][]) if ((await store.linkExternalId(link)).created) created++;
        return created;
      }
      const docs = records.map((r) => TO_DOC[collection as Exclude<C, 'externalIds'>](r as never));
      // Upsert-if-absent by _id: a repeated run inserts nothing twice and changes nothing.
      const result = await model(collection).bulkWrite(
        docs.map((doc) => ({ updateOne: { filter: { _id: doc._id }, update: { $setOnInsert: doc as never }, upsert: true } })),
        { ordered: false },
      );
      return result.upsertedCount;
    },
    count: (collection) => model(collection).countDocuments(),
    close: () => store.close(),
  };
}
