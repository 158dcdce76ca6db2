// Inbound email piping against a real Dovecot (IMAP, IMAPS, STARTTLS, POP3, POP3S; mail
// delivered over LMTP): emails become conversations and land in the right one, as a user
// of the dashboard would see them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { InboxView } from '../../server/transport/views';
import { DOVECOT_MISSING, startDovecot, type Dovecot } from '../helpers/dovecot';
import {
  PASSWORD, allMessages, conversations, email, inboxOf, settled, startHarness, waitForMessages, type Harness, type HarnessOptions, type Mail,
  mailSuiteSkip,
} from '../helpers/inbox';
import { createAgent, nextEvent } from '../helpers/server';
import { waitFor } from '../helpers/receiver';

let dovecot: Dovecot | null = null;
const harness = (settings: Record<string, unknown> = {}, opts: HarnessOptions = {}) => startHarness(dovecot!, settings, opts);

describe('inbound email (Dovecot)', { concurrency: false, skip: mailSuiteSkip() ?? false }, () => {
  before(async () => {
    dovecot = await startDovecot();
  });
  after(async () => {
    await dovecot?.destroy();
  });

  it('a new email becomes a conversation named after its subject, live in the dashboard', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await harness();
    try {
      const socket = h.admin.socket();
      const live = nextEvent(socket, 'message', () => true, 15_000);
      await dovecot.deliver(h.address, email({
        subject: 'Re: Order 1234 never arrived',
        body: 'Hello, my order has not arrived yet.\n\nOn Mon, 3 Mar 2025 at 10:00, Acme <x@acme.example> wrote:\n> Thanks for your order',
      }));
      const msg = await live;
      assert.equal(msg.text, 'Hello, my order has not arrived yet.');
      assert.equal(msg.channel, 'email');
      assert.deepEqual(msg.email, { subject: 'Re: Order 1234 never arrived', quoted: true });
      socket.close();
      const [conv] = await conversations(h);
      assert.equal(conv!.name, 'Order 1234 never arrived');
      assert.equal(conv!.channel, 'email');
      assert.equal(conv!.inboxId, h.inbox.id);
      const visitor = await h.server.deps.store.getVisitor(conv!.visitorId);
      assert.equal(visitor?.email, 'carla@customer.example');
      assert.equal(visitor?.name, 'Carla Rossi');
      const original = await h.admin.get(`/api/conversations/${conv!.id}/messages/${msg.id}/original`);
      assert.equal(original.status, 200);
      assert.match(original.body.text, /Thanks for your order/);
      assert.equal((await inboxOf(h)).counts.imported, 1);
    } finally {
      await h.close();
    }
  });

  describe('a reply lands in its conversation by each clue alone', () => {
    const clues: Array<[string, (h: Harness, convId: string) => Mail]> = [
      ['In-Reply-To/References only', (h, c) => ({ inReplyTo: h.server.deps.threading.messageIdFor(c, 'example.test'), subject: 'different subject' })],
      ['the plus-address only', (h, c) => ({ to: h.server.deps.threading.plusAddress(h.address, h.server.deps.threading.tokenFor(c)), subject: 'different subject' })],
      ['the display name only', (h, c) => ({ to: `"${h.server.deps.threading.displayName('Acme Support', h.server.deps.threading.tokenFor(c))}" <${h.address}>`, subject: 'different subject' })],
      ['the subject token only', (h, c) => ({ subject: h.server.deps.threading.subject('Order 1234', h.server.deps.threading.tokenFor(c)) })],
    ];
    for (const [name, clue] of clues) {
      it(name, async (t) => {
        if (!dovecot) return t.skip(DOVECOT_MISSING);
        const h = await harness();
        try {
          await dovecot.deliver(h.address, email({ subject: 'Order 1234' }));
          const [first] = await waitForMessages(h, 1);
          await dovecot.deliver(h.address, email({ ...clue(h, first!.conversationId), body: 'It arrived, thanks!' }));
          const msgs = await waitForMessages(h, 2);
          assert.equal((await conversations(h)).length, 1, 'no second conversation');
          assert.equal(msgs.find((m) => m.text === 'It arrived, thanks!')?.conversationId, first!.conversationId);
          // Without any clue (and "reopen" off) the same sender starts a new conversation.
          await dovecot.deliver(h.address, email({ subject: 'Another question', body: 'New topic' }));
          await waitForMessages(h, 3);
          assert.equal((await conversations(h)).length, 2);
        } finally {
          await h.close();
        }
      });
    }
  });

  it('a returning sender reopens their closed conversation (reopen on)', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await harness({ reopen: true });
    try {
      await dovecot.deliver(h.address, email({ subject: 'First' }));
      const [first] = await waitForMessages(h, 1);
      const closed = await h.admin.post(`/api/conversations/${first!.conversationId}/close`);
      assert.equal(closed.body.status, 'closed');
      await dovecot.deliver(h.address, email({ subject: 'Something else', body: 'Me again' }));
      await waitForMessages(h, 2);
      const convs = await conversations(h);
      assert.equal(convs.length, 1);
      assert.equal(convs[0]!.status, 'open');
    } finally {
      await h.close();
    }
  });

  it('with "convert all emails" off unknown mail is set aside, visible to admins, and can be imported', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await harness({ convertAll: false });
    try {
      await dovecot.deliver(h.address, email({ subject: 'Unknown sender' }));
      let items: any[] = [];
      await waitFor(async () => (items = (await h.admin.get(`/api/inboxes/${h.inbox.id}/mail?kind=set-aside`)).body.items).length === 1, 15_000, 'set aside');
      assert.match(items[0].reason, /convert all emails/);
      assert.equal(items[0].subject, 'Unknown sender');
      assert.equal((await conversations(h)).length, 0);
      assert.equal((await inboxOf(h)).counts.setAside, 1);
      const raw = await fetch(`${h.server.url}/api/inboxes/${h.inbox.id}/mail/${items[0].id}/raw`, { headers: { cookie: h.admin.cookie } });
      assert.match(await raw.text(), /Subject: Unknown sender/);
      const imported = await h.admin.post(`/api/inboxes/${h.inbox.id}/mail/${items[0].id}/import`);
      assert.equal(imported.status, 200, JSON.stringify(imported.body));
      assert.equal(imported.body.result, 'imported');
      const convs = await conversations(h);
      assert.equal(convs.length, 1);
      assert.equal(convs[0]!.name, 'Unknown sender');
      assert.equal((await inboxOf(h)).counts.setAside, 0);
    } finally {
      await h.close();
    }
  });

  it('an agent\'s reply by email lands as the agent; the agent\'s unrelated or unauthenticated mail is ignored', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await harness();
    try {
      const agentClient = await createAgent(h.admin, { name: 'Bruno', email: 'bruno@acme.example' });
      const agent = agentClient.auth!.agent;
      await dovecot.deliver(h.address, email({ subject: 'Help' }));
      const [first] = await waitForMessages(h, 1);
      const conv = first!.conversationId;
      const { threading } = h.server.deps;
      const token = threading.tokenFor(conv);
      // Unrelated mail from the agent: no conversation, even with "convert all" on.
      await dovecot.deliver(h.address, email({ from: 'Bruno <bruno@acme.example>', subject: 'Lunch?' }));
      // Threads, but nothing vouches for it (no agent tag, no DKIM/SPF/DMARC): ignored.
      await dovecot.deliver(h.address, email({ from: 'Bruno <bruno@acme.example>', to: threading.plusAddress(h.address, token), body: 'Forged?' }));
      // A reply to the agent's notification carries the signed agent tag.
      await dovecot.deliver(h.address, email({
        from: 'Bruno <bruno@acme.example>', to: threading.plusAddress(h.address, token, threading.agentTag(conv, agent.id)),
        subject: `Re: Help [#${token}]`, body: 'We are on it.\n\n-- \nBruno, Acme support',
      }));
      const msgs = await waitForMessages(h, 2);
      await settled(h);
      const all = await allMessages(h);
      assert.equal(all.length, 2, JSON.stringify(all.map((m) => m.text)));
      const reply = msgs.find((m) => m.authorKind === 'agent')!;
      assert.equal(reply.authorId, agent.id);
      assert.equal(reply.text, 'We are on it.');
      assert.equal(reply.conversationId, conv);
      assert.equal((await conversations(h)).length, 1);
    } finally {
      await h.close();
    }
  });

  it('auto-replies, bounces and out-of-office messages never become messages; a bounce marks the address', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await harness();
    try {
      await dovecot.deliver(h.address, email({ subject: 'Out of Office: Order 1234', headers: { 'Auto-Submitted': 'auto-replied' }, body: 'I am away until Monday.' }));
      await dovecot.deliver(h.address, email({ subject: 'Automatic reply', headers: { 'X-Autoreply': 'yes' }, body: 'Away.' }));
      const b = 'bnd';
      await dovecot.deliver(h.address, [
        'From: Mail Delivery System <MAILER-DAEMON@mx.example>', `To: ${h.address}`, 'Subject: Undelivered Mail Returned to Sender',
        `Message-ID: <${randomUUID()}@mx.example>`, 'MIME-Version: 1.0', `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`, '',
        `--${b}`, 'Content-Type: text/plain', '', 'Your message could not be delivered.', '',
        `--${b}`, 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.example', '',
        'Final-Recipient: rfc822; gone@customer.example', 'Action: failed', 'Status: 5.1.1', '', `--${b}--`, '',
      ].join('\r\n'));
      await dovecot.deliver(h.address, email({ subject: 'A real question' }));
      await waitForMessages(h, 1);
      await settled(h);
      const all = await allMessages(h);
      assert.deepEqual(all.map((m) => m.text), ['Hello, my order has not arrived yet.\nCan you check?\n\nCarla']);
      const known = await h.server.deps.store.knownKeys(['bounced:gone@customer.example'], Date.now());
      assert.ok(known.has('bounced:gone@customer.example'));
    } finally {
      await h.close();
    }
  });

  it('Reply-To stands for the customer; header filters drop spam; attachments arrive', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await harness();
    try {
      await dovecot.deliver(h.address, email({ headers: { 'X-Spam-Flag': 'YES' }, subject: 'Cheap pills' }));
      const pdf = Buffer.from('%PDF-1.4\n% test\n');
      await dovecot.deliver(h.address, email({
        from: 'Web form <noreply@forms.example>', replyTo: 'Dario Neri <dario@customer.example>', subject: 'Contact form',
        attachment: { name: 'invoice.pdf', type: 'application/pdf', content: pdf },
      }));
      const [msg] = await waitForMessages(h, 1);
      await settled(h);
      assert.equal((await allMessages(h)).length, 1, 'the spam was filtered');
      const conv = (await conversations(h))[0]!;
      const visitor = await h.server.deps.store.getVisitor(conv.visitorId);
      assert.equal(visitor?.email, 'dario@customer.example');
      assert.equal(msg!.attachments.length, 1);
      assert.equal(msg!.attachments[0]!.name, 'invoice.pdf');
      const view = (await h.admin.get(`/api/conversations/${conv.id}/messages`)).body.messages[0];
      const file = await fetch(view.attachments[0].url.startsWith('http') ? view.attachments[0].url : h.server.url + view.attachments[0].url);
      assert.equal(file.status, 200);
      assert.deepEqual(Buffer.from(await file.arrayBuffer()), pdf);
    } finally {
      await h.close();
    }
  });

  it('mail delivered while the server is down is collected exactly once when it is back', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await harness();
    try {
      await dovecot.deliver(h.address, email({ subject: 'Before' }));
      await waitForMessages(h, 1);
      await dovecot.stop();
      await waitFor(async () => (await inboxOf(h)).status.state === 'interrupted', 15_000, 'interrupted');
      assert.ok((await inboxOf(h)).status.lastError, 'the status says why');
      await dovecot.start();
      // Delivered as soon as the server is back, while the reader may still be backing off.
      for (const n of [1, 2, 3]) await dovecot.deliver(h.address, email({ subject: `Backlog ${n}`, body: `Backlog ${n}` }));
      await waitForMessages(h, 4);
      await waitFor(async () => (await inboxOf(h)).status.state === 'active', 15_000, 'active again');
      await settled(h);
      const texts = (await allMessages(h)).map((m) => m.text).filter((t) => t.startsWith('Backlog')).sort();
      assert.deepEqual(texts, ['Backlog 1', 'Backlog 2', 'Backlog 3']);
    } finally {
      await h.close();
    }
  });

  it('a UIDVALIDITY change replays nothing', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await harness();
    try {
      await dovecot.deliver(h.address, email({ subject: 'One', body: 'one' }));
      await dovecot.deliver(h.address, email({ subject: 'Two', body: 'two' }));
      await waitForMessages(h, 2);
      await settled(h);
      const before = (await dovecot.status(h.user)).uidValidity;
      await dovecot.setUidValidity(h.user, 'INBOX', before + 1000);
      // The reader sees the new UIDVALIDITY when it opens the folder again.
      await dovecot.stop();
      await dovecot.start();
      await dovecot.deliver(h.address, email({ subject: 'Three', body: 'three' }));
      await waitForMessages(h, 3);
      await waitFor(async () => (await h.server.deps.store.getInbox(h.inbox.id))?.watermark?.uidValidity === String(before + 1000), 15_000, 'new UIDVALIDITY');
      await settled(h);
      assert.deepEqual((await allMessages(h)).map((m) => m.text).sort(), ['one', 'three', 'two']);
    } finally {
      await h.close();
    }
  });

  it('a wrong password gives Error with a clear message; the corrected one gives Active and the backlog', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const h = await harness({}, { password: 'wrong', waitActive: false });
    try {
      let inbox: InboxView;
      await waitFor(async () => (inbox = await inboxOf(h)).status.state === 'error', 15_000, 'error');
      assert.match(inbox!.status.lastError!, /wrong username or password/);
      await dovecot.deliver(h.address, email({ subject: 'Sent while the password was wrong' }));
      const fixed = await h.admin.patch(`/api/inboxes/${h.inbox.id}`, { password: PASSWORD });
      assert.equal(fixed.status, 200);
      await waitForMessages(h, 1);
      await waitFor(async () => (await inboxOf(h)).status.state === 'active', 15_000, 'active');
      assert.equal((await conversations(h))[0]!.name, 'Sent while the password was wrong');
    } finally {
      await h.close();
    }
  });
});
