// The store contract against the mongoose adapter, on a real MongoDB (MONGODB_TEST_URI) or
// a throwaway FerretDB, plus what only this adapter has: its indexes, reopening, and the
// duplicate-key race that replaces SQLite's transaction in appendMessage.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Store } from '../../server/core/ports';
import { openMongoStore, type MongoStore } from '../../server/store/mongo';
import { freshDbName, startMongo } from '../helpers/mongo';
import { storeContract } from './contract';
import {
  emailMeta, newAgent, newConversation, newInbox, newMailItem, newMessage, newSite, newVisitor, seedConversation,
} from './fixtures';

const server = await startMongo();

if (!server) {
  it('mongo contract skipped: no MongoDB-compatible server (run npm run setup:test, or set MONGODB_TEST_URI)', { skip: true }, () => {});
} else {
  after(() => server.stop());
  const open = (dbName = freshDbName()) => openMongoStore(server.uri, { dbName });
  const dropAndClose = async (store: MongoStore) => {
    await store.connection.dropDatabase();
    await store.close();
  };

  // FerretDB 1.x runs every update as read, modify in Go, write back by _id: neither
  // $inc nor a conditional filter is atomic against a concurrent writer (inserts are, via
  // SQLite's unique indexes). The adapter relies on MongoDB's single-document atomicity,
  // so against FerretDB the contract runs with the store's calls one at a time, and says so.
  const probe = await open();
  const ferretdb = (await probe.connection.db!.admin().command({ buildInfo: 1 })).ferretdbVersion as string | undefined;
  await dropAndClose(probe);

  const suite = ferretdb
    ? `mongo store (FerretDB ${ferretdb}: calls serialized, no atomic updates; concurrency is covered only against MongoDB)`
    : 'mongo store';
  storeContract(suite, async () => {
    const store = await open();
    return { store: ferretdb ? serialized(store) : store, cleanup: () => dropAndClose(store) };
  });

  describe('MongoStore specifics', () => {
    /**
     * { index name: [key, unique, partial filter] } per collection. The raw listIndexes
     * command (not the driver's cursor helper) works on every server we test against.
     */
    async function indexesOf(store: MongoStore, collection: string) {
      const res = await store.connection.db!.command({ listIndexes: collection });
      const batch = (res as { cursor: { firstBatch: { name: string; key: object; unique?: boolean }[] } }).cursor.firstBatch;
      return Object.fromEntries(batch.map((i) => [i.name, [i.key, i.unique === true]]));
    }

    it('creates the collections and their indexes, unique keys included, at open', async () => {
      const store = await open();
      try {
        assert.equal(store.kind, 'mongo');
        assert.deepEqual((await indexesOf(store, 'agents')).agents_emailLower, [{ emailLower: 1 }, true]);
        assert.deepEqual((await indexesOf(store, 'sites')).sites_widgetKey, [{ widgetKey: 1 }, true]);
        const conversations = await indexesOf(store, 'conversations');
        assert.deepEqual(conversations.conversations_openKey, [{ openKey: 1 }, true]);
        assert.deepEqual(conversations.conversations_activity, [{ activityAt: -1, _id: -1 }, false]);
        assert.ok(conversations.conversations_status_activity && conversations.conversations_visitor_activity);
        const messages = await indexesOf(store, 'messages');
        assert.deepEqual(messages.messages_conversationId_clientKey, [{ conversationId: 1, clientKey: 1 }, true]);
        assert.deepEqual(messages.messages_conversationId_seq, [{ conversationId: 1, seq: 1 }, true]);
        assert.deepEqual((await indexesOf(store, 'outbox_jobs')).outbox_jobs_key, [{ key: 1 }, true]);
        assert.deepEqual((await indexesOf(store, 'messengers')).messengers_webhookUrl, [{ webhookUrl: 1 }, true]);
        const links = await indexesOf(store, 'external_ids');
        assert.deepEqual(links.external_ids_source_externalId, [{ source: 1, externalId: 1 }, true]);
        assert.deepEqual(links.external_ids_visitor_order, [{ visitorId: 1, order: 1 }, false]);
        assert.deepEqual((await indexesOf(store, 'remembered_keys')).remembered_keys_expires, [{ expiresAt: 1 }, false]);
        assert.deepEqual(conversations.conversations_inbox_visitor_activity, [{ inboxId: 1, visitorId: 1, activityAt: -1, _id: -1 }, false]);
        const inboxes = await indexesOf(store, 'inboxes');
        assert.deepEqual(inboxes.inboxes_address, [{ address: 1 }, true]);
        assert.deepEqual(inboxes.inboxes_site_created, [{ siteId: 1, createdAt: 1, _id: 1 }, false]);
        const items = await indexesOf(store, 'mail_items');
        assert.deepEqual(items.mail_items_inboxId_key, [{ inboxId: 1, key: 1 }, true]);
        assert.deepEqual(items.mail_items_inbox_kind_created, [{ inboxId: 1, kind: 1, createdAt: -1, _id: -1 }, false]);
        for (const c of ['settings', 'departments', 'sessions', 'visitors', 'attachments', 'leases']) {
          assert.ok((await indexesOf(store, c))._id_, `${c} exists`);
        }
      } finally {
        await dropAndClose(store);
      }
    });

    it('reopening is idempotent: same indexes, data kept, unique keys still enforced', async () => {
      const dbName = freshDbName();
      const first = await open(dbName);
      const before = await indexesOf(first, 'conversations');
      await first.createSite(newSite('s1'));
      await first.createAgent(newAgent('a1', { email: 'Ann@example.com', departments: ['d1'] }));
      await seedConversation(first, 2);
      const m1 = await first.appendMessage(newMessage('m1', 'c2', { clientId: 'k1' }));
      await first.setSetting('install', { id: 'abc' });
      await first.close();

      const second = await open(dbName);
      try {
        assert.deepEqual(await indexesOf(second, 'conversations'), before);
        assert.equal((await second.getSite('s1'))?.name, 'Site s1');
        assert.deepEqual((await second.getAgentByEmail('ann@EXAMPLE.com'))?.departments, ['d1']);
        assert.deepEqual(await second.getMessage('m1'), m1?.message);
        assert.deepEqual(await second.getSetting('install'), { id: 'abc' });
        assert.equal((await second.appendMessage(newMessage('m1b', 'c2', { clientId: 'k1' })))?.created, false);
        const m2 = await second.appendMessage(newMessage('m2', 'c2'));
        assert.ok(m2!.message.seq > m1!.message.seq);
        const again = await second.getOrCreateOpenConversation('v2', newConversation('x', 's2', 'v2'));
        assert.equal(again.created, false);
        // A third open of the same database, concurrently with use, changes nothing either.
        const third = await open(dbName);
        assert.deepEqual(await indexesOf(third, 'conversations'), before);
        await third.close();
      } finally {
        await dropAndClose(second);
      }
    });

    it('two concurrent appends with one clientId: one created, one returned, same message', async (t) => {
      const store = await open();
      try {
        await store.createSite(newSite('s1'));
        let gaps = 0;
        for (let n = 0; n < 10; n++) {
          const conv = await seedConversation(store, n + 1);
          const [a, b] = await Promise.all([
            store.appendMessage(newMessage(`a${n}`, conv.id, { clientId: 'same', text: 'hello' })),
            store.appendMessage(newMessage(`b${n}`, conv.id, { clientId: 'same', text: 'hello' })),
          ]);
          assert.deepEqual([a?.created, b?.created].sort(), [false, true]);
          assert.equal(a?.message.id, b?.message.id);
          assert.deepEqual(a?.message, b?.message);
          assert.equal((await store.listMessages(conv.id, { limit: 10 })).length, 1);
          // When both passed the clientId check, the loser's seq is a gap: allowed by the port.
          if ((await store.getConversation(conv.id))!.lastSeq > 1) gaps++;
        }
        t.diagnostic(`${gaps} of 10 rounds raced past the clientId check and were settled by the unique index`);
      } finally {
        await dropAndClose(store);
      }
    });

    it('concurrent links and first remembered keys, unserialized: the unique indexes settle them', async () => {
      // Inserts are atomic on FerretDB too, so this runs against it without serializing.
      const store = await open();
      try {
        await store.createSite(newSite('s1'));
        await store.createVisitor(newVisitor('v1', 's1'));
        await store.createVisitor(newVisitor('v2', 's1'));
        for (let n = 0; n < 10; n++) {
          const [a, b] = await Promise.all([
            store.linkExternalId({ source: 'messenger:m1', externalId: `u${n}`, visitorId: 'v1' }),
            store.linkExternalId({ source: 'messenger:m1', externalId: `u${n}`, visitorId: 'v2' }),
          ]);
          assert.equal(a.visitorId, b.visitorId);
          assert.deepEqual([a.created, b.created].sort(), [false, true]);
          const keys = await Promise.all(['x', 'y', 'z'].map((v) => store.rememberKey(`k${n}`, v, 1_000, 60_000)));
          assert.equal(keys.filter((k) => k.created).length, 1);
          assert.equal(new Set(keys.map((k) => k.value)).size, 1);
        }
        assert.equal(await store.connection.db!.collection('external_ids').countDocuments(), 10);
      } finally {
        await dropAndClose(store);
      }
    });

    it('rememberKey deletes the expired keys at its first call, then at most once a minute', async () => {
      const dbName = freshDbName();
      const first = await open(dbName);
      await first.rememberKey('a', '1', 1_000, 2_000);
      await first.rememberKey('b', '1', 1_000, 3_000);
      await first.rememberKey('c', '1', 1_000, 10_000);
      await first.close();
      const second = await open(dbName);
      const keys = () => second.connection.db!.collection('remembered_keys').find().sort({ _id: 1 }).toArray();
      try {
        await second.rememberKey('d', '1', 5_000, 6_000);
        assert.deepEqual((await keys()).map((k) => k._id), ['c', 'd'], 'a and b expired by 5 000');
        await second.rememberKey('e', '1', 20_000, 30_000);
        assert.equal((await keys()).length, 3, 'no second purge within the minute');
        assert.equal(await second.purgeExpiredKeys(20_000), 2);
        assert.deepEqual((await keys()).map((k) => k._id), ['e']);
      } finally {
        await dropAndClose(second);
      }
    });

    it('concurrent adds of mail items racing deleteInbox, unserialized: no item outlives its inbox', async (t) => {
      // Inserts, deletes and existence checks are each atomic on FerretDB too.
      const store = await open();
      let refused = 0;
      let swept = 0;
      try {
        await store.createSite(newSite('s1'));
        for (let round = 0; round < 8; round++) {
          const inboxId = `i${round}`;
          await store.createInbox(newInbox(inboxId, 's1'), 1_000);
          const adds = Array.from({ length: 4 }, (_, n) => store.addMailItem(newMailItem(`x${round}-${n}`, inboxId)));
          // Staggered, so some rounds delete before the adds' checks, some between their steps.
          await new Promise((ok) => setTimeout(ok, round * 3));
          const [removed, ...added] = await Promise.allSettled([store.deleteInbox(inboxId), ...adds]);
          assert.equal(removed.status, 'fulfilled');
          const { rawBlobIds } = (removed as PromiseFulfilledResult<{ rawBlobIds: string[] }>).value;
          for (const r of added) {
            if (r.status === 'rejected') {
              assert.match(String(r.reason), /no inbox/);
              refused++;
            } else {
              // An item that went in before the inbox went away was swept, and its blob reported.
              assert.ok(rawBlobIds.includes(r.value.item.rawBlobId), `${r.value.item.id} reported`);
              swept++;
            }
          }
          assert.equal(await store.connection.db!.collection('mail_items').countDocuments({ inboxId }), 0);
        }
        t.diagnostic(`${swept} adds went in and were swept with their inbox, ${refused} were refused`);
      } finally {
        await dropAndClose(store);
      }
    });

    it('stores the email of a message and an inbox\'s settings as subdocuments, the address lower-case', async () => {
      const store = await open();
      try {
        const conv = await seedConversation(store);
        await store.createInbox(newInbox('i1', 's1', { address: 'Help@Example.com' }), 1_000);
        await store.createConversation(newConversation('e1', 's1', 'v1', { channel: 'email', inboxId: 'i1' }));
        await store.appendMessage(newMessage('m1', 'e1', { channel: 'email', email: emailMeta('i1') }));
        await store.appendMessage(newMessage('m2', conv.id));
        const db = store.connection.db!;
        const mail = await db.collection('messages').findOne({ _id: 'm1' as never });
        assert.deepEqual(mail?.email, emailMeta('i1'));
        assert.equal((await db.collection('messages').findOne({ _id: 'm2' as never }))?.email, null);
        const inbox = await db.collection('inboxes').findOne({ _id: 'i1' as never });
        assert.equal(inbox?.address, 'help@example.com');
        assert.equal(inbox?.settings.incoming.host, 'imap.example.com');
        assert.equal(inbox?.status.state, 'active');
        assert.equal((await db.collection('conversations').findOne({ _id: 'e1' as never }))?.openKey, 'c:e1');
        // A document written before email piping (no inboxId, no email) reads as null.
        await db.collection('messages').updateOne({ _id: 'm2' as never }, { $unset: { email: '' } });
        await db.collection('conversations').updateOne({ _id: conv.id as never }, { $unset: { inboxId: '' } });
        assert.equal((await store.getMessage('m2'))?.email, null);
        assert.equal((await store.getConversation(conv.id))?.inboxId, null);
      } finally {
        await dropAndClose(store);
      }
    });

    it('documents map to domain objects exactly: no _id, no __v, nulls kept', async () => {
      const store = await open();
      try {
        const conv = await seedConversation(store);
        const read = await store.getConversation(conv.id);
        assert.deepEqual(Object.keys(read!).sort(), Object.keys(conv).sort());
        assert.equal(read!.departmentId, null);
        assert.equal(read!.lastMessageAt, null);
        const raw = await store.connection.db!.collection('conversations').findOne({ _id: conv.id as never });
        assert.equal(raw?.__v, undefined);
        assert.equal(raw?.openKey, 'v1');
        await store.updateConversation(conv.id, { status: 'closed' }, 5_000);
        const closed = await store.connection.db!.collection('conversations').findOne({ _id: conv.id as never });
        assert.equal('openKey' in closed!, false, 'a closed conversation holds no open key');
      } finally {
        await dropAndClose(store);
      }
    });
  });
}

/** The same store with each call waiting for the previous one to settle. */
function serialized(store: Store): Store {
  let queue: Promise<unknown> = Promise.resolve();
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      // A batch is a scope, not a call: serialized, it would wait for its own calls.
      if (typeof value !== 'function' || prop === 'close' || prop === 'batch') return value;
      return (...args: unknown[]) => {
        const run = queue.then(() => (value as (...a: unknown[]) => unknown).apply(target, args));
        queue = run.catch(() => undefined);
        return run;
      };
    },
  });
}
