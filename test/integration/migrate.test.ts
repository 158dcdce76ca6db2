// `parley migrate-to-mongo`: an installation used on SQLite moves to MongoDB and keeps
// working there: same admin login, same conversations and messages, same attachment, same
// inbox with its watermark, mail items and the record of what it imported already.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Inbox, MailItem, Message } from '../../server/core/types';
import { ADMIN, AgentClient, call, connectVisitor, setupInstallation, startServer } from '../helpers/server';
import { startMongo, type MongoServer } from '../helpers/mongo';
import { emailMeta, newInbox, newMailItem, newMessage } from '../store/fixtures';

const root = fileURLToPath(new URL('../..', import.meta.url));

function cli(args: string[], env: Record<string, string>): { status: number | null; out: string } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 60_000,
  });
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

describe('migrate-to-mongo', async () => {
  const mongo: MongoServer | null = await startMongo();
  if (!mongo) {
    it('skipped: no MongoDB-compatible server (run npm run setup:test, or set MONGODB_TEST_URI)', { skip: true }, () => undefined);
    return;
  }
  after(() => mongo.stop());
  let dataDir = '';
  const seen: { convId: string; texts: string[]; attachment: string } = { convId: '', texts: [], attachment: '' };
  const mail = { visitorId: '', uidl: '', inbox: null as Inbox | null, item: null as MailItem | null, messages: [] as Message[] };

  before(async () => {
    // Use an installation on SQLite (even when the suite runs on MongoDB: an empty
    // MONGODB_URI means unset), then stop it; the data directory stays.
    const srv = await startServer({ MONGODB_URI: '' });
    dataDir = srv.dataDir;
    const { site } = await setupInstallation(srv.url);
    const visitor = await connectVisitor(srv.url, site.widgetKey);
    const form = new FormData();
    form.append('file', new Blob(['invoice bytes'], { type: 'application/pdf' }), 'invoice.pdf');
    const up = await fetch(`${srv.url}/api/widget/attachments`, { method: 'POST', headers: { authorization: `Bearer ${visitor.session.token}` }, body: form });
    const att = (await up.json()) as { id: string };
    for (const text of ['first question', 'second question']) {
      const ack = await call(visitor.socket, 'message:send', { clientId: randomUUID(), text, ...(text.startsWith('second') ? { attachmentIds: [att.id] } : {}) });
      seen.convId = ack.message.conversationId;
      seen.texts.push(text);
    }
    visitor.socket.close();
    seen.attachment = att.id;
    const siteRecord = (await srv.deps.store.getSite(site.id))!;
    const messenger = await srv.deps.messengers.create(siteRecord, { name: 'Talk', webhookUrl: 'http://127.0.0.1:9/hook', secret: 'talk-secret-1' });
    await srv.deps.store.linkExternalId({ source: `messenger:${messenger.id}`, externalId: 'u-1', visitorId: visitor.session.visitor.id });
    await srv.deps.outbox.enqueue({ kind: 'http', key: 'pending-webhook', queue: 'q', payload: { url: 'http://127.0.0.1:9/', body: {} } });

    // An inbox (disabled: nothing connects anywhere) with two email threads of the visitor,
    // a set-aside email, and the record that a POP3 UIDL was imported.
    const store = srv.deps.store;
    const now = Date.now();
    mail.visitorId = visitor.session.visitor.id;
    await store.createInbox(newInbox('inbox-1', site.id, { enabled: false, address: 'Support@Example.com' }), now);
    await store.setInboxWatermark('inbox-1', { folder: 'INBOX', uidValidity: '1700', lastUid: 42 }, now);
    await store.countImported('inbox-1', 2, now);
    for (const n of [1, 2]) {
      await store.createConversation({
        id: `mail-conv-${n}`, siteId: site.id, visitorId: mail.visitorId, name: `Order ${n}`, channel: 'email', departmentId: null, inboxId: 'inbox-1',
      });
      const appended = await store.appendMessage(newMessage(`mail-msg-${n}`, `mail-conv-${n}`, {
        authorId: mail.visitorId, channel: 'email', clientId: `mail:${n}`, createdAt: now + n,
        email: emailMeta('inbox-1', { messageId: `order-${n}@mail.example.com` }),
      }));
      mail.messages.push(appended!.message);
    }
    mail.item = (await store.addMailItem(newMailItem('item-1', 'inbox-1', { createdAt: now }))).item;
    mail.inbox = await store.getInbox('inbox-1');
    mail.uidl = 'uidl:inbox-1:000123';
    await store.rememberKey(mail.uidl, 'mail-msg-1', now, now + 365 * 86_400_000);

    await srv.deps.email.stop();
    await srv.built.close();
    await new Promise<void>((ok) => srv.built.server.close(() => ok()));
    await srv.deps.mailPool.close();
    await srv.deps.store.close();
  });

  it('copies every record, reports counts, and a second run imports nothing new', async () => {
    const first = cli(['migrate-to-mongo'], { DATA_DIR: dataDir, MONGODB_URI: mongo.uri });
    assert.equal(first.status, 0, first.out);
    assert.match(first.out, /messages\s+4 in SQLite,\s+4 imported now,\s+4 in MongoDB/);
    assert.match(first.out, /agents\s+1 in SQLite/);
    assert.match(first.out, /outbox\s+1 in SQLite,\s+1 imported now/);
    assert.match(first.out, /messengers\s+1 in SQLite,\s+1 imported now,\s+1 in MongoDB/);
    assert.match(first.out, /externalIds\s+1 in SQLite,\s+1 imported now,\s+1 in MongoDB/);
    assert.match(first.out, /inboxes\s+1 in SQLite,\s+1 imported now,\s+1 in MongoDB/);
    assert.match(first.out, /mailItems\s+1 in SQLite,\s+1 imported now,\s+1 in MongoDB/);
    // Whatever else the installation remembered, all of it moves (the UIDL among them).
    assert.match(first.out, /rememberedKeys\s+([1-9]\d*) in SQLite,\s+\1 imported now,\s+\1 in MongoDB/);
    const second = cli(['migrate-to-mongo'], { DATA_DIR: dataDir, MONGODB_URI: mongo.uri });
    assert.equal(second.status, 0, second.out);
    assert.match(second.out, /messages\s+4 in SQLite,\s+0 imported now,\s+4 in MongoDB/);
    assert.match(second.out, /externalIds\s+1 in SQLite,\s+0 imported now,\s+1 in MongoDB/);
    assert.match(second.out, /inboxes\s+1 in SQLite,\s+0 imported now,\s+1 in MongoDB/);
    assert.match(second.out, /mailItems\s+1 in SQLite,\s+0 imported now,\s+1 in MongoDB/);
    assert.match(second.out, /rememberedKeys\s+\d+ in SQLite,\s+0 imported now/);
  });

  it('Parley on MongoDB serves the migrated installation', async () => {
    const srv = await startServer({ MONGODB_URI: mongo.uri, DATA_DIR: dataDir });
    try {
      assert.equal(srv.deps.store.kind, 'mongo');
      const admin = await new AgentClient(srv.url).login(ADMIN.email, ADMIN.password);
      const { messages } = (await admin.get(`/api/conversations/${seen.convId}/messages`)).body;
      assert.deepEqual(messages.map((m: any) => m.text), seen.texts);
      assert.deepEqual(messages.map((m: any) => m.seq), [1, 2]);
      assert.equal(messages[1].attachments[0].name, 'invoice.pdf');
      // New messages continue the sequence.
      const reply = await admin.post(`/api/conversations/${seen.convId}/messages`, { clientId: randomUUID(), text: 'answer on mongo' });
      assert.equal(reply.body.message.seq, 3);
      const [messenger] = (await admin.get('/api/messengers')).body;
      assert.equal(messenger.name, 'Talk');
      const link = (await srv.deps.store.findExternalId(`messenger:${messenger.id}`, 'u-1'))!;
      assert.equal((await srv.deps.store.getVisitor(link.visitorId))?.id, link.visitorId);
      const sealed = (await srv.deps.store.getMessenger(messenger.id))!.secretSealed;
      assert.equal(srv.deps.sealer.open(sealed), 'talk-secret-1', 'the same SECRET_KEY opens the sealed code');
      const dead = (await admin.get('/api/outbox')).body;
      assert.ok(dead.some((j: any) => j.key === 'pending-webhook'));
    } finally {
      await srv.close();
    }
  });

  it('the inbox, its mail items, email threads and imported UIDLs carry over', async () => {
    const srv = await startServer({ MONGODB_URI: mongo.uri, DATA_DIR: dataDir });
    try {
      const store = srv.deps.store;
      assert.equal(store.kind, 'mongo');
      assert.deepEqual(await store.getInbox('inbox-1'), mail.inbox);
      assert.equal(mail.inbox?.address, 'support@example.com');
      assert.deepEqual([mail.inbox?.imported, mail.inbox?.watermark?.lastUid], [2, 42]);
      assert.deepEqual(await store.getMailItem('item-1'), mail.item);
      assert.deepEqual(await store.listMailItems('inbox-1', 'set-aside', 10), { items: [mail.item], nextCursor: null });
      for (const m of mail.messages) assert.deepEqual(await store.getMessage(m.id), m);
      assert.equal(mail.messages[1]?.email?.messageId, 'order-2@mail.example.com');
      assert.deepEqual([...(await store.knownKeys([mail.uidl, 'uidl:inbox-1:999'], Date.now()))], [mail.uidl]);

      // The sender's threads: both live, the latest first, and still free to close and reopen
      // while the visitor's widget conversation stays the open one.
      const threads = await store.listConversations({ inboxId: 'inbox-1', visitorId: mail.visitorId }, 10);
      assert.deepEqual(threads.items.map((c) => [c.id, c.status, c.inboxId]), [
        ['mail-conv-2', 'open', 'inbox-1'], ['mail-conv-1', 'open', 'inbox-1'],
      ]);
      assert.equal((await store.updateConversation('mail-conv-1', { status: 'closed' }, Date.now()))?.status, 'closed');
      assert.equal((await store.updateConversation('mail-conv-1', { status: 'open' }, Date.now()))?.status, 'open');
      const widget = await store.getOrCreateOpenConversation(mail.visitorId, {
        id: 'never', siteId: mail.inbox!.siteId, visitorId: mail.visitorId, name: 'x', channel: 'widget', departmentId: null,
      });
      assert.deepEqual([widget.created, widget.conversation.id], [false, seen.convId]);
    } finally {
      await srv.close();
    }
  });

  it('says what is missing when MONGODB_URI is not set', () => {
    const res = cli(['migrate-to-mongo'], { DATA_DIR: dataDir, MONGODB_URI: '' });
    assert.equal(res.status, 2);
    assert.match(res.out, /MONGODB_URI is not set/);
  });
});
