// Every way Parley reads a mailbox, against a real Dovecot: IMAP with IDLE (the other
// suites), IMAP polling, IMAPS, STARTTLS, POP3 and POP3S; what happens to the mail after
// import; oversized mail; a process killed in the middle of a batch.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOVECOT_MISSING, startDovecot, type Dovecot } from '../helpers/dovecot';
import { PASSWORD, allMessages, email, inboxOf, settled, startHarness, waitForMessages, type Harness, mailSuiteSkip } from '../helpers/inbox';
import { killHard, spawnParley } from '../helpers/process';
import { waitFor } from '../helpers/receiver';
import { AgentClient, setupInstallation } from '../helpers/server';

let dovecot: Dovecot | null = null;

describe('mailbox protocols and options (Dovecot)', { concurrency: false, skip: mailSuiteSkip() ?? false }, () => {
  before(async () => {
    dovecot = await startDovecot();
  });
  after(async () => {
    await dovecot?.destroy();
  });

  const variants: Array<[string, (d: Dovecot) => Record<string, unknown>]> = [
    ['IMAPS (TLS, self-signed certificate accepted)', (d) => ({ incoming: { port: d.ports.imaps, security: 'tls', allowInvalidCert: true } })],
    ['IMAP with STARTTLS', (d) => ({ incoming: { port: d.ports.imap, security: 'starttls', allowInvalidCert: true } })],
    ['IMAP polling (no IDLE)', () => ({ idle: false, pollSeconds: 5 })],
    ['POP3', (d) => ({ protocol: 'pop3', pollSeconds: 5, incoming: { port: d.ports.pop3, security: 'none' } })],
    ['POP3 with STARTTLS (STLS)', (d) => ({ protocol: 'pop3', pollSeconds: 5, incoming: { port: d.ports.pop3, security: 'starttls', allowInvalidCert: true } })],
    ['POP3S', (d) => ({ protocol: 'pop3', pollSeconds: 5, incoming: { port: d.ports.pop3s, security: 'tls', allowInvalidCert: true } })],
  ];
  for (const [name, settings] of variants) {
    it(`${name}: new mail becomes a conversation, once`, async (t) => {
      if (!dovecot) return t.skip(DOVECOT_MISSING);
      const h = await startHarness(dovecot, settings(dovecot));
      try {
        await dovecot.deliver(h.address, email({ subject: `Via ${name}`, body: 'Hello there' }));
        const [msg] = await waitForMessages(h, 1);
        assert.equal(msg!.text, 'Hello there');
        await dovecot.deliver(h.address, email({ subject: 'Second', body: 'Second one' }));
        await waitForMessages(h, 2);
        await waitFor(async () => ((await inboxOf(h)).status.lastSyncAt ?? 0) > msg!.createdAt, 15_000, 'another sync');
        assert.equal((await allMessages(h)).length, 2);
        assert.equal((await inboxOf(h)).status.state, 'active');
      } finally {
        await h.close();
      }
    });
  }

  it('a self-signed certificate is refused unless accepted, with an actionable message', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await startHarness(dovecot, { incoming: { port: dovecot.ports.imaps, security: 'tls' } }, { waitActive: false });
    try {
      let inbox = await inboxOf(h);
      await waitFor(async () => (inbox = await inboxOf(h)).status.state === 'error', 15_000, 'error');
      assert.match(inbox.status.lastError!, /self-signed.*Accept invalid certificates/);
      const test = await h.admin.post('/api/inboxes/test', { inboxId: h.inbox.id, settings: { incoming: { allowInvalidCert: true } } });
      assert.equal(test.body.ok, true, test.body.message);
      assert.ok(test.body.folders.includes('INBOX'));
    } finally {
      await h.close();
    }
  });

  it('after import: mark read, or move to a folder (IMAP); delete (POP3)', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const read = await startHarness(dovecot, { afterImport: 'read' });
    try {
      await dovecot.deliver(read.address, email({ subject: 'Mark me read' }));
      await waitForMessages(read, 1);
      await waitFor(async () => (await dovecot!.flags(read.user)).some((m) => m.flags.includes('\\Seen')), 15_000, '\\Seen');
    } finally {
      await read.close();
    }
    const moved = await startHarness(dovecot, { afterImport: 'move', moveTo: 'Archive' });
    try {
      await dovecot.createFolder(moved.user, 'Archive');
      await dovecot.deliver(moved.address, email({ subject: 'Move me' }));
      await waitForMessages(moved, 1);
      await waitFor(async () => (await dovecot!.count(moved.user, 'Archive')) === 1, 15_000, 'moved');
      assert.equal(await dovecot.count(moved.user, 'INBOX'), 0);
    } finally {
      await moved.close();
    }
    const pop = await startHarness(dovecot, { protocol: 'pop3', afterImport: 'delete', pollSeconds: 5, incoming: { port: dovecot.ports.pop3 } });
    try {
      await dovecot.deliver(pop.address, email({ subject: 'Delete me' }));
      await waitForMessages(pop, 1);
      await waitFor(async () => (await dovecot!.count(pop.user)) === 0, 15_000, 'deleted');
    } finally {
      await pop.close();
    }
    const leave = await startHarness(dovecot, {});
    try {
      await dovecot.deliver(leave.address, email({ subject: 'Leave me' }));
      await waitForMessages(leave, 1);
      await settled(leave);
      assert.deepEqual((await dovecot.flags(leave.user)).map((m) => m.flags.includes('\\Seen')), [false], 'read with BODY.PEEK');
    } finally {
      await leave.close();
    }
  });

  it('an email over the size limit is quarantined with its header, and the rest go on', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await startHarness(dovecot, {}, { env: { MAIL_MAX_MB: '0.05' } });
    try {
      await dovecot.deliver(h.address, email({ subject: 'Huge', body: 'x'.repeat(120_000) }));
      await dovecot.deliver(h.address, email({ subject: 'Small', body: 'small one' }));
      await waitForMessages(h, 1);
      let items: any[] = [];
      await waitFor(async () => (items = (await h.admin.get(`/api/inboxes/${h.inbox.id}/mail?kind=quarantined`)).body.items).length === 1, 15_000, 'quarantined');
      assert.equal(items[0].subject, 'Huge');
      assert.match(items[0].reason, /over the 0\.0 MB limit|over the .* limit/);
      assert.equal((await inboxOf(h)).counts.quarantined, 1);
      assert.deepEqual((await allMessages(h)).map((m) => m.text), ['small one']);
    } finally {
      await h.close();
    }
  });

  it('a process killed in the middle of a batch: after restart every email exists exactly once', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const d = dovecot;
    await d.addUser('crash', PASSWORD);
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-crash-mail-'));
    // The dead process's inbox lease lapses after MAIL_LEASE_MS; the new one then reads.
    const env = { DATA_DIR: dataDir, MAIL_SUPERVISE_MS: '100', MAIL_BACKOFF_MS: '50', MAIL_LEASE_MS: '1500', LOG_LEVEL: 'silent' };
    let proc = await spawnParley(env);
    try {
      const { admin, site } = await setupInstallation(proc.url);
      const created = await admin.post(`/api/sites/${site.id}/inboxes`, {
        name: 'Support', address: 'crash@example.test', password: PASSWORD,
        settings: { protocol: 'imap', convertAll: true, incoming: { host: d.host, port: d.ports.imap, security: 'none', username: 'crash' } },
      });
      assert.equal(created.status, 201);
      const id = created.body.id;
      await waitFor(async () => (await admin.get(`/api/inboxes/${id}`)).body.status.state === 'active', 15_000, 'active');
      const N = 60;
      for (let i = 0; i < N; i++) await d.save('crash', email({ subject: `Mail ${i}`, body: `Body ${i}`, messageId: `crash-${i}@client.example` }));
      // Kill as soon as some, not all, are in.
      await waitFor(async () => (await admin.get(`/api/inboxes/${id}`)).body.counts.imported >= 5, 20_000, 'some imported');
      await killHard(proc);
      proc = await spawnParley(env);
      const again = new AgentClient(proc.url);
      await again.login('ada@example.com', 'correct horse battery');
      let texts: string[] = [];
      await waitFor(async () => {
        const convs = (await again.get('/api/conversations?limit=100')).body.conversations ?? (await again.get('/api/conversations?limit=100')).body.items;
        texts = [];
        for (const c of convs) texts.push(...(await again.get(`/api/conversations/${c.id}/messages?limit=200`)).body.messages.map((m: { text: string }) => m.text));
        return texts.length >= N;
      }, 30_000, 'all imported');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(texts.length, N, 'no duplicates');
      assert.equal(new Set(texts).size, N);
    } finally {
      await killHard(proc);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
