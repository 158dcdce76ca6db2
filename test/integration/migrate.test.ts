// `parley migrate-to-mongo`: an installation used on SQLite moves to MongoDB and keeps
// working there: same admin login, same conversations and messages, same attachment.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMIN, AgentClient, call, connectVisitor, setupInstallation, startServer } from '../helpers/server';
import { startMongo, type MongoServer } from '../helpers/mongo';

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
    await srv.built.close();
    await new Promise<void>((ok) => srv.built.server.close(() => ok()));
    await srv.deps.store.close();
  });

  it('copies every record, reports counts, and a second run imports nothing new', async () => {
    const first = cli(['migrate-to-mongo'], { DATA_DIR: dataDir, MONGODB_URI: mongo.uri });
    assert.equal(first.status, 0, first.out);
    assert.match(first.out, /messages\s+2 in SQLite,\s+2 imported now,\s+2 in MongoDB/);
    assert.match(first.out, /agents\s+1 in SQLite/);
    assert.match(first.out, /outbox\s+1 in SQLite,\s+1 imported now/);
    assert.match(first.out, /messengers\s+1 in SQLite,\s+1 imported now,\s+1 in MongoDB/);
    assert.match(first.out, /externalIds\s+1 in SQLite,\s+1 imported now,\s+1 in MongoDB/);
    const second = cli(['migrate-to-mongo'], { DATA_DIR: dataDir, MONGODB_URI: mongo.uri });
    assert.equal(second.status, 0, second.out);
    assert.match(second.out, /messages\s+2 in SQLite,\s+0 imported now,\s+2 in MongoDB/);
    assert.match(second.out, /externalIds\s+1 in SQLite,\s+0 imported now,\s+1 in MongoDB/);
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

  it('says what is missing when MONGODB_URI is not set', () => {
    const res = cli(['migrate-to-mongo'], { DATA_DIR: dataDir, MONGODB_URI: '' });
    assert.equal(res.status, 2);
    assert.match(res.out, /MONGODB_URI is not set/);
  });
});
