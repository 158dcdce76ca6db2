// The store contract on a real SQLite file, plus what only SQLite has: migrations,
// pragmas and durability across reopening the file.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../server/store/sqlite';
import { buildListQuery } from '../../server/store/sqlite/listing';
import { LATEST_VERSION, MIGRATIONS, migrate } from '../../server/store/sqlite/migrations';
import { storeContract } from './contract';
import {
  emailMeta, newAgent, newConversation, newInbox, newMailItem, newMessage, newSite, newVisitor, seedConversation,
} from './fixtures';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'parley-store-'));
}

storeContract('SqliteStore (file)', async () => {
  const dir = await tempDir();
  const store = openSqliteStore(join(dir, 'parley.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStore specifics', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await tempDir();
    file = join(dir, 'parley.db');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Reads a pragma through a separate connection, as an operator's sqlite3 shell would. */
  function inspect<T>(fn: (db: Database.Database) => T): T {
    const db = new Database(file, { readonly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  it('creates the schema at the latest version in WAL mode', async () => {
    const store = openSqliteStore(file);
    await store.close();
    assert.equal(inspect((db) => db.pragma('user_version', { simple: true })), LATEST_VERSION);
    assert.equal(inspect((db) => db.pragma('journal_mode', { simple: true })), 'wal');
  });

  it('reopening keeps the data and the schema version (migrations are idempotent)', async () => {
    const first = openSqliteStore(file);
    await first.createSite(newSite('s1'));
    await first.createAgent(newAgent('a1', { email: 'Ann@example.com', departments: ['d1'] }));
    await seedConversation(first, 2);
    const m1 = await first.appendMessage(newMessage('m1', 'c2', { clientId: 'k1' }));
    await first.setSetting('install', { id: 'abc' });
    await first.close();

    const second = openSqliteStore(file);
    try {
      assert.equal(inspect((db) => db.pragma('user_version', { simple: true })), LATEST_VERSION);
      assert.equal((await second.getSite('s1'))?.name, 'Site s1');
      assert.deepEqual((await second.getAgentByEmail('ann@EXAMPLE.com'))?.departments, ['d1']);
      assert.deepEqual(await second.getMessage('m1'), m1?.message);
      assert.deepEqual(await second.getSetting('install'), { id: 'abc' });
      // Uniqueness and counters survive the reopen too.
      assert.equal((await second.appendMessage(newMessage('m1b', 'c2', { clientId: 'k1' })))?.created, false);
      const m2 = await second.appendMessage(newMessage('m2', 'c2'));
      assert.ok(m2!.message.seq > m1!.message.seq);
      assert.equal((await second.getOrCreateOpenConversation('v2', { id: 'x', siteId: 's2', visitorId: 'v2', name: 'n', channel: 'widget', departmentId: null })).created, false);
    } finally {
      await second.close();
    }
  });

  it('refuses a database written by a newer Parley', async () => {
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    assert.throws(() => openSqliteStore(file), /newer than this Parley/);
  });

  it('a failing migration rolls back entirely, version included', () => {
    const db = new Database(file);
    try {
      const broken = [
        { version: 1, description: 'ok', sql: 'CREATE TABLE a (x INTEGER);' },
        { version: 2, description: 'fails half-way', sql: 'CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);' },
      ];
      assert.throws(() => migrate(db, broken), /no such table: nope/);
      assert.equal(db.pragma('user_version', { simple: true }), 1);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      assert.deepEqual(tables, ['a']);
      // Fixed, the same run picks up where it stopped.
      broken[1]!.sql = 'CREATE TABLE b (x INTEGER);';
      assert.equal(migrate(db, broken), 1);
      assert.equal(db.pragma('user_version', { simple: true }), 2);
    } finally {
      db.close();
    }
  });

  it('migrates a version 2 database to the latest version, keeping its data', async () => {
    const v2 = new Database(file);
    migrate(v2, MIGRATIONS.filter((m) => m.version <= 2));
    assert.equal(v2.pragma('user_version', { simple: true }), 2);
    v2.prepare(`INSERT INTO sites (id, name, widget_key, allowed_origins, appearance, prechat, created_at)
      VALUES ('s1', 'Old', 'k1', '[]', '{}', '{}', 1)`).run();
    v2.close();
    const store = openSqliteStore(file);
    try {
      assert.equal(inspect((db) => db.pragma('user_version', { simple: true })), LATEST_VERSION);
      assert.equal((await store.getSite('s1'))?.name, 'Old');
      await store.createVisitor(newVisitor('v1', 's1'));
      const m = await store.createMessenger({
        id: 'm1', siteId: 's1', name: 'M', webhookUrl: 'https://x.example/h', secretSealed: 's', status: 'pending',
        returning: 'reopen', allowOperatorStart: false, lastError: null,
      }, 5);
      assert.deepEqual(await store.getMessenger('m1'), m);
      assert.equal((await store.linkExternalId({ source: 'messenger:m1', externalId: 'u1', visitorId: 'v1' })).created, true);
    } finally {
      await store.close();
    }
  });

  it('migrates a version 4 database: old conversations have no inbox, old messages no email, and keep their rules', async () => {
    const v4 = new Database(file);
    migrate(v4, MIGRATIONS.filter((m) => m.version <= 4));
    v4.exec(`
      INSERT INTO sites (id, name, widget_key, allowed_origins, appearance, prechat, created_at) VALUES ('s1', 'Old', 'k1', '[]', '{}', '{}', 1);
      INSERT INTO visitors (id, site_id, pages, created_at, last_seen_at) VALUES ('v1', 's1', '[]', 1, 1);
      INSERT INTO conversations (id, site_id, visitor_id, status, open_key, name, channel, last_seq, created_at, updated_at)
        VALUES ('c1', 's1', 'v1', 'open', 'v1', 'Chat', 'widget', 1, 1, 1);
      INSERT INTO messages (id, conversation_id, seq, author_kind, author_id, text, attachments, client_id, channel, created_at)
        VALUES ('m1', 'c1', 1, 'visitor', 'v1', 'hello', '[]', 'k', 'widget', 1);
    `);
    v4.close();
    const store = openSqliteStore(file);
    try {
      assert.equal(inspect((db) => db.pragma('user_version', { simple: true })), LATEST_VERSION);
      assert.equal((await store.getConversation('c1'))?.inboxId, null);
      assert.equal((await store.getMessage('m1'))?.email, null);
      await store.createInbox(newInbox('i1', 's1'), 5);
      await store.createConversation(newConversation('e1', 's1', 'v1', { channel: 'email', inboxId: 'i1' }));
      await store.appendMessage(newMessage('m2', 'e1', { channel: 'email', email: emailMeta('i1') }));
      assert.deepEqual((await store.getMessage('m2'))?.email, emailMeta('i1'));
      const open = await store.getOrCreateOpenConversation('v1', newConversation('c2', 's1', 'v1'));
      assert.deepEqual([open.created, open.conversation.id], [false, 'c1']);
    } finally {
      await store.close();
    }
  });

  it('the schema itself keeps an email conversation off its visitor\'s open key, and mail items with their inbox', async () => {
    const store = openSqliteStore(file);
    await seedConversation(store);
    await store.createInbox(newInbox('i1', 's1'), 5);
    await store.createConversation(newConversation('e1', 's1', 'v1', { channel: 'email', inboxId: 'i1' }));
    await store.addMailItem(newMailItem('x1', 'i1'));
    await store.appendMessage(newMessage('m1', 'e1', { channel: 'email', email: emailMeta('i1') }));
    await store.close();
    const db = new Database(file);
    try {
      db.pragma('foreign_keys = ON');
      assert.equal(db.prepare("SELECT open_key FROM conversations WHERE id = 'e1'").pluck().get(), 'c:e1');
      // An email conversation holding a visitor's key would lock the visitor out of the widget.
      assert.throws(
        () => db.prepare(`INSERT INTO conversations (id, site_id, visitor_id, status, open_key, name, channel, inbox_id, created_at, updated_at)
          VALUES ('e2', 's1', 'v1', 'open', 'v9', 'x', 'email', 'i1', 1, 1)`).run(),
        /CHECK constraint failed/,
      );
      assert.throws(() => db.prepare("UPDATE messages SET email = 'not json'").run(), /CHECK constraint failed/);
      assert.throws(
        () => db.prepare(`INSERT INTO inboxes (id, site_id, name, address, enabled, settings, password_sealed, status, created_at, updated_at)
          VALUES ('i2', 's1', 'x', 'i1@example.com', 1, '{}', 'p', '{}', 1, 1)`).run(),
        /UNIQUE constraint failed: inboxes.address/,
      );
      db.prepare("DELETE FROM inboxes WHERE id = 'i1'").run();
      assert.equal(db.prepare('SELECT count(*) FROM mail_items').pluck().get(), 0);
      assert.equal(db.prepare("SELECT inbox_id FROM conversations WHERE id = 'e1'").pluck().get(), 'i1', 'no foreign key: the conversation stays as it was');
    } finally {
      db.close();
    }
  });

  it('"the sender\'s latest conversation in this inbox" is one index range, without a sort', async () => {
    const store = openSqliteStore(file);
    await store.close();
    const { sql, params } = buildListQuery({ inboxId: 'i1', visitorId: 'v1' }, 1, null);
    const plan = inspect((db) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');
    assert.match(plan, /USING INDEX conversations_inbox_visitor_activity \(inbox_id=\? AND visitor_id=\?\)/);
    assert.doesNotMatch(plan, /TEMP B-TREE/);
  });

  it('rememberKey deletes the expired keys at its first call, then at most once a minute', async () => {
    const first = openSqliteStore(file);
    await first.rememberKey('a', '1', 1_000, 2_000);
    await first.rememberKey('b', '1', 1_000, 3_000);
    await first.rememberKey('c', '1', 1_000, 10_000);
    await first.close();
    const keys = () => inspect((db) => db.prepare('SELECT key FROM remembered_keys ORDER BY key').pluck().all());
    const second = openSqliteStore(file);
    try {
      await second.rememberKey('d', '1', 5_000, 6_000);
      assert.deepEqual(keys(), ['c', 'd'], 'a and b expired by 5 000');
      await second.rememberKey('e', '1', 20_000, 30_000);
      assert.equal(keys().length, 3, 'no second purge within the minute');
      assert.equal(await second.purgeExpiredKeys(20_000), 2);
      assert.deepEqual(keys(), ['e']);
    } finally {
      await second.close();
    }
  });

  it('the schema itself keeps webhook URLs and external identities unique, and cascades from sites and visitors', async () => {
    const store = openSqliteStore(file);
    await store.createSite(newSite('s1'));
    await store.createVisitor(newVisitor('v1', 's1'));
    await store.createMessenger({
      id: 'm1', siteId: 's1', name: 'M', webhookUrl: 'https://x.example/h', secretSealed: 's', status: 'pending',
      returning: 'reopen', allowOperatorStart: false, lastError: null,
    }, 5);
    await store.linkExternalId({ source: 'messenger:m1', externalId: 'u1', visitorId: 'v1' });
    await store.close();
    const db = new Database(file);
    try {
      db.pragma('foreign_keys = ON');
      assert.throws(
        () => db.prepare(`INSERT INTO messengers (id, site_id, name, webhook_url, secret_sealed, status, returning_mode,
          allow_operator_start, created_at, updated_at) VALUES ('m2', 's1', 'M', 'https://x.example/h', 's', 'pending', 'new', 0, 1, 1)`).run(),
        /UNIQUE constraint failed: messengers.webhook_url/,
      );
      assert.throws(
        () => db.prepare(`INSERT INTO external_ids (source, external_id, visitor_id) VALUES ('messenger:m1', 'u1', 'v1')`).run(),
        /UNIQUE constraint failed/,
      );
      db.prepare('DELETE FROM visitors WHERE id = ?').run('v1');
      assert.equal(db.prepare('SELECT count(*) FROM external_ids').pluck().get(), 0);
      db.prepare('DELETE FROM sites WHERE id = ?').run('s1');
      assert.equal(db.prepare('SELECT count(*) FROM messengers').pluck().get(), 0);
    } finally {
      db.close();
    }
  });

  it('batch: one transaction for the batch\'s writes, committed before it returns; others\' writes commit before they are answered', async () => {
    const store = openSqliteStore(file);
    const committed = (id: string) => inspect((db) => db.prepare('SELECT count(*) FROM messages WHERE id = ?').pluck().get(id)) === 1;
    try {
      await seedConversation(store, 1);
      await seedConversation(store, 2);
      let release: () => void = () => undefined;
      const waiting = new Promise<void>((resolve) => (release = resolve));
      const seen: Record<string, boolean> = {};
      const batch = store.batch(async () => {
        await store.appendMessage(newMessage('in1', 'c1'));
        await store.appendMessage(newMessage('in2', 'c1'));
        seen.grouped = !committed('in1') && !committed('in2');
        await waiting;
        await store.appendMessage(newMessage('in3', 'c1'));
        seen.in3BeforeReturn = committed('in3');
      });
      await new Promise((resolve) => setImmediate(resolve));
      // Another request meanwhile: durable when answered, taking the batch's writes so far with it.
      await store.appendMessage(newMessage('out1', 'c2'));
      await store.setSetting('k', 'v');
      assert.ok(committed('out1'));
      assert.equal(inspect((db) => db.prepare("SELECT value FROM settings WHERE key = 'k'").pluck().get()), '"v"');
      assert.ok(committed('in2'));
      release();
      await batch;
      assert.deepEqual(seen, { grouped: true, in3BeforeReturn: false });
      assert.ok(committed('in3'), 'committed when the batch returns');
    } finally {
      await store.close();
    }
  });

  it('batch: the write lock is let go while the batch waits, so another process can write', async () => {
    const store = openSqliteStore(file);
    try {
      await seedConversation(store);
      let release: () => void = () => undefined;
      const waiting = new Promise<void>((resolve) => (release = resolve));
      const batch = store.batch(async () => {
        await store.appendMessage(newMessage('in1', 'c1'));
        await waiting;
        await store.appendMessage(newMessage('in2', 'c1'));
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const other = new Database(file, { timeout: 0 });
      try {
        other.prepare("INSERT INTO settings (key, value) VALUES ('cli', '1')").run();
      } finally {
        other.close();
      }
      release();
      await batch;
      assert.deepEqual((await store.listMessages('c1', { limit: 10 })).map((m) => m.id), ['in1', 'in2']);
      assert.equal(await store.getSetting('cli'), 1);
    } finally {
      await store.close();
    }
  });

  it('works in memory', async () => {
    const store = openSqliteStore(':memory:');
    try {
      assert.equal(store.kind, 'sqlite');
      const conv = await seedConversation(store);
      assert.equal((await store.appendMessage(newMessage('m1', conv.id)))?.message.seq, 1);
    } finally {
      await store.close();
    }
  });

  it('enforces the one-live-conversation rule in the schema itself', async () => {
    const store = openSqliteStore(file);
    await seedConversation(store);
    await store.close();
    const db = new Database(file);
    try {
      // A writer that bypasses the store still cannot create a second live conversation.
      assert.throws(
        () => db.prepare(`INSERT INTO conversations (id, site_id, visitor_id, status, open_key, name, channel, created_at, updated_at)
          VALUES ('c9', 's1', 'v1', 'open', 'v1', 'x', 'widget', 1, 1)`).run(),
        /UNIQUE constraint failed: conversations.open_key/,
      );
      // Nor a closed conversation that still holds the key.
      assert.throws(
        () => db.prepare(`INSERT INTO conversations (id, site_id, visitor_id, status, open_key, name, channel, created_at, updated_at)
          VALUES ('c9', 's1', 'v1', 'closed', 'other', 'x', 'widget', 1, 1)`).run(),
        /CHECK constraint failed/,
      );
    } finally {
      db.close();
    }
  });
});
