// Outbound email against real servers: Parley sends through an SMTP server (smtp-server,
// with AUTH) that relays into the test Dovecot over LMTP; the tests read what arrived
// from the recipients' mailboxes over IMAP, and answer as mail clients do through a
// second SMTP server (the customers' side, no AUTH) into the support mailbox.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Conversation } from '../../server/core/types';
import { DOVECOT_MISSING, startDovecot, type Dovecot } from '../helpers/dovecot';
import { PASSWORD, conversations, email, mailSuiteSkip, messagesOf, settled, startHarness, type Harness } from '../helpers/inbox';
import { readMailbox, replyTo, waitForMail } from '../helpers/mailbox';
import { waitFor } from '../helpers/receiver';
import { call, connectVisitor, createAgent, nextEvent, type AgentClient, type TestVisitor } from '../helpers/server';
import { startSmtp, type SmtpServer } from '../helpers/smtp';

const AGENT_PASS = 'mailbox pass';
let dovecot: Dovecot | null = null;
let smtpOut: SmtpServer | null = null;
let mx: SmtpServer | null = null;
let users = 0;

/** A fresh Dovecot user (a mailbox) and its address. */
async function mailbox(name: string): Promise<{ user: string; address: string }> {
  const user = `${name}${++users}`;
  await dovecot!.addUser(user, AGENT_PASS);
  return { user, address: `${user}@example.test` };
}

interface World {
  h: Harness;
  smtpUser: string;
  site: { id: string; widgetKey: string };
  agents: Record<string, { id: string; user: string; address: string; client: AgentClient }>;
  /** Sockets closed with the world, whatever the test did. */
  sockets: Array<{ close(): unknown }>;
  close(): Promise<void>;
}

/** A server with a support inbox that reads over IMAP and sends over SMTP, and agents with real mailboxes. */
async function world(agentSpecs: Record<string, { departments?: string[] }>, opts: { env?: Record<string, string>; settings?: Record<string, unknown>; adminOnline?: boolean } = {}): Promise<World> {
  const h = await startHarness(dovecot!, {
    plusAddressing: true,
    outgoing: { host: smtpOut!.host, port: smtpOut!.port, security: 'none', username: 'parley-smtp' },
    outbound: { debounceSeconds: 1 },
    ...opts.settings,
  }, { env: opts.env });
  h.server.deps.outbox.start();
  // The first administrator is an agent too: give it a real mailbox (its notifications are not what these tests count).
  const adminBox = await mailbox('admin');
  assert.equal((await h.admin.patch(`/api/agents/${h.admin.auth!.agent.id}`, { email: adminBox.address })).status, 200);
  const agents: World['agents'] = {};
  for (const [name, spec] of Object.entries(agentSpecs)) {
    const box = await mailbox(name);
    const client = await createAgent(h.admin, { name: name[0]!.toUpperCase() + name.slice(1), email: box.address, departments: spec.departments ?? [] });
    agents[name] = { id: client.auth!.agent.id, ...box, client };
  }
  const sites = await h.admin.get('/api/sites');
  // Online, the administrator is never emailed: what the SMTP server sees is the agents' mail alone.
  const adminSocket = opts.adminOnline ? h.admin.socket() : null;
  if (adminSocket) await waitFor(() => h.server.deps.presence.isConnected(`agent:${h.admin.auth!.agent.id}`), 5000, 'admin online');
  const sockets: World['sockets'] = adminSocket ? [adminSocket] : [];
  return {
    h, smtpUser: 'parley-smtp', site: sites.body[0], agents, sockets,
    close: async () => {
      for (const s of sockets) s.close();
      await h.close();
    },
  };
}

/** A widget visitor who gave a name and an address, with a first message sent. */
async function visitorSays(w: World, name: string, address: string | null, texts: string[]): Promise<{ v: TestVisitor; conversationId: string }> {
  const v = await connectVisitor(w.h.server.url, w.site.widgetKey);
  w.sockets.push(v.socket);
  if (address || name) await call(v.socket, 'visitor:update', { name, ...(address ? { email: address } : {}) });
  let conversationId = '';
  for (const text of texts) {
    const ack = await call(v.socket, 'message:send', { clientId: crypto.randomUUID(), text });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    conversationId = ack.message.conversationId;
  }
  return { v, conversationId };
}

/** The email jobs of one agent's notifications. */
async function notificationsOf(w: World, agentId: string) {
  return (await w.h.server.deps.store.listJobs({ kind: 'email' }, 200)).filter((j) => (j.payload as { agentId?: string }).agentId === agentId);
}

async function outboxIdle(w: World): Promise<void> {
  await waitFor(async () => (await w.h.server.deps.store.listJobs({ status: 'pending', kind: 'email' }, 1)).length === 0, 20_000, 'no email waiting in the outbox');
}

const tokenOf = (w: World, conversationId: string) => w.h.server.deps.threading.tokenFor(conversationId);

describe('outbound email (smtp-server relaying into Dovecot)', { concurrency: false, skip: mailSuiteSkip() ?? false }, () => {
  before(async () => {
    dovecot = await startDovecot();
    if (!dovecot) return;
    smtpOut = await startSmtp({ dovecot, users: { 'parley-smtp': PASSWORD }, secure: 'plain' });
    mx = await startSmtp({ dovecot, secure: 'plain' });
  });
  after(async () => {
    await smtpOut?.stop();
    await mx?.stop();
    await dovecot?.destroy();
  });

  it('a visitor chats while every agent is offline: each agent gets one notification, answers it by email, and the answer reaches the widget', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {}, bob: {} });
    try {
      const { v, conversationId } = await visitorSays(w, 'Carla Rossi', 'carla@customer.test', ['Hello, is anyone there?', 'My order 1234 <never> arrived.']);
      const [note] = await waitForMail(dovecot, w.agents.ann!.user, AGENT_PASS, 1);
      await waitForMail(dovecot, w.agents.bob!.user, AGENT_PASS, 1);
      const token = tokenOf(w, conversationId);
      // The threading contract.
      assert.equal(note!.mail.from?.value[0]?.address, w.h.address);
      assert.match(note!.mail.from!.value[0]!.name, /Carla Rossi/);
      assert.equal(note!.mail.subject, `Re: Chat with Carla Rossi [#${token}]`);
      assert.match(note!.mail.messageId!, new RegExp(`^<parley\\.${token}\\.[a-z2-7]+@example\\.test>$`));
      const rt = note!.mail.replyTo!.value[0]!;
      const tag = w.h.server.deps.threading.agentTag(conversationId, w.agents.ann!.id);
      assert.equal(rt.address, w.h.address.replace('@', `+${token}-${tag}@`));
      assert.equal(rt.name, `Support | ${token}-${tag}`);
      assert.equal(note!.header('auto-submitted'), 'auto-generated');
      // Both messages of the burst in one email, text and HTML, the delimiter on top.
      assert.match(note!.mail.text!, /^### Please type your reply above this line ###/);
      assert.match(note!.mail.text!, /Hello, is anyone there\?[\s\S]*My order 1234 <never> arrived\./);
      assert.match(String(note!.mail.html), /My order 1234 &lt;never&gt; arrived\./);
      // Answered from ann's mail client: quoted original below, through the customers' SMTP.
      const live = nextEvent<{ text: string }>(v.socket, 'message', (m: any) => m.author.kind === 'agent', 20_000);
      await replyTo(mx!, note!, `Ann <${w.agents.ann!.address}>`, 'Sorry about that! It ships today.');
      const answer = await live;
      assert.equal(answer.text, 'Sorry about that! It ships today.');
      const stored = (await messagesOf(w.h, conversationId)).at(-1)!;
      assert.equal(stored.authorKind, 'agent');
      assert.equal(stored.authorId, w.agents.ann!.id);
      // Still one notification each: nobody was emailed about the agent's own answer.
      await outboxIdle(w);
      assert.equal(await dovecot.count(w.agents.ann!.user), 1);
      assert.equal(await dovecot.count(w.agents.bob!.user), 1);
      v.socket.close();
    } finally {
      await w.close();
    }
  });

  it('the visitor leaves; the agent answers in the dashboard; the visitor gets it by email, answers by email, and it lands in the conversation', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {} });
    const carla = await mailbox('carla');
    try {
      const { v, conversationId } = await visitorSays(w, 'Carla', carla.address, ['Do you ship to Italy?']);
      v.socket.close();
      await waitFor(async () => !(await w.h.server.deps.presence.isConnected(`visitor:${v.session.visitor.id}`)), 5000, 'visitor gone');
      const sent = await w.agents.ann!.client.post(`/api/conversations/${conversationId}/messages`, { clientId: crypto.randomUUID(), text: 'Yes, we do!\nShipping takes 3 days.' });
      assert.equal(sent.status, 201);
      const [mail] = await waitForMail(dovecot, carla.user, AGENT_PASS, 1);
      const token = tokenOf(w, conversationId);
      assert.equal(mail!.mail.subject, `Re: Chat with Carla [#${token}]`);
      assert.equal(mail!.header('auto-submitted'), 'auto-replied');
      assert.match(mail!.mail.from!.value[0]!.name, /^Ann \(Support\)$/);
      assert.equal(mail!.mail.replyTo!.value[0]!.address, w.h.address.replace('@', `+${token}@`));
      assert.match(mail!.mail.text!, /Yes, we do!\nShipping takes 3 days\./);
      // The Message-ID is stored with the message it carries.
      await waitFor(async () => (await w.h.server.deps.store.getMessage(sent.body.message.id))?.email !== null, 5000, 'email recorded');
      const record = await w.h.server.deps.store.getMessage(sent.body.message.id);
      assert.equal(`<${record!.email!.messageId}>`, mail!.mail.messageId);
      // Carla answers from her mail client.
      await replyTo(mx!, mail!, `Carla <${carla.address}>`, 'Great, ordering now.');
      await waitFor(async () => (await messagesOf(w.h, conversationId)).some((m) => m.text === 'Great, ordering now.'), 20_000, 'reply in the conversation');
      const back = (await messagesOf(w.h, conversationId)).at(-1)!;
      assert.equal(back.authorKind, 'visitor');
      assert.equal(back.channel, 'email');
      assert.equal((await conversations(w.h)).length, 1);
    } finally {
      await w.close();
    }
  });

  it('a connected visitor sees the reply live and gets no email; an online agent gets no notification', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {}, bob: {} });
    const carla = await mailbox('carla');
    try {
      const annSocket = w.agents.ann!.client.socket();
      w.sockets.push(annSocket);
      await new Promise<void>((ok) => annSocket.once('connect', () => ok()));
      await waitFor(() => w.h.server.deps.presence.isConnected(`agent:${w.agents.ann!.id}`), 5000, 'ann online');
      const { v, conversationId } = await visitorSays(w, 'Carla', carla.address, ['Hi there']);
      await waitForMail(dovecot, w.agents.bob!.user, AGENT_PASS, 1);
      const reply = await w.agents.ann!.client.post(`/api/conversations/${conversationId}/messages`, { clientId: crypto.randomUUID(), text: 'Hello Carla!' });
      assert.equal(reply.status, 201);
      await outboxIdle(w);
      assert.equal(await dovecot.count(w.agents.ann!.user), 0, 'online agent emailed');
      assert.equal(await dovecot.count(carla.user), 0, 'connected visitor emailed');
      annSocket.close();
      v.socket.close();
    } finally {
      await w.close();
    }
  });

  it('keeps to the conversation\'s department, and to the assignee when there is one', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {}, bob: {}, cy: {} });
    try {
      const dep = (await w.h.admin.post('/api/departments', { name: 'Sales' })).body;
      for (const a of ['ann', 'bob']) assert.equal((await w.h.admin.patch(`/api/agents/${w.agents[a]!.id}`, { departments: [dep.id] })).status, 200);
      // The inbox files new email conversations under Sales.
      await w.h.admin.patch(`/api/inboxes/${w.h.inbox.id}`, { departmentId: dep.id });
      await dovecot.deliver(w.h.address, email({ subject: 'Bulk order', from: 'Dario <dario@customer.test>' }));
      await waitForMail(dovecot, w.agents.ann!.user, AGENT_PASS, 1);
      await waitForMail(dovecot, w.agents.bob!.user, AGENT_PASS, 1);
      await outboxIdle(w);
      assert.equal(await dovecot.count(w.agents.cy!.user), 0, 'agent outside the department emailed');
      // Assigned to bob: only bob hears about the next email.
      const [conv] = await conversations(w.h);
      assert.equal(conv!.departmentId, dep.id);
      assert.equal((await w.h.admin.post(`/api/conversations/${conv!.id}/assign`, { agentId: w.agents.bob!.id })).status, 200);
      await dovecot.deliver(w.h.address, email({ subject: `Re: Bulk order [#${tokenOf(w, conv!.id)}]`, from: 'Dario <dario@customer.test>', body: 'Any news?' }));
      await waitForMail(dovecot, w.agents.bob!.user, AGENT_PASS, 2);
      await outboxIdle(w);
      assert.equal(await dovecot.count(w.agents.ann!.user), 1, 'a non-assignee was emailed');
      assert.equal(await dovecot.count(w.agents.cy!.user), 0);
    } finally {
      await w.close();
    }
  });

  it('debounces a burst into one email per agent and conversation, and a later burst into another', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {} }, { settings: { outbound: { debounceSeconds: 2 } } });
    try {
      const { v } = await visitorSays(w, 'Carla', null, ['one', 'two', 'three', 'four']);
      const [mail] = await waitForMail(dovecot, w.agents.ann!.user, AGENT_PASS, 1);
      assert.match(mail!.mail.text!, /one[\s\S]*two[\s\S]*three[\s\S]*four/);
      await outboxIdle(w);
      assert.equal(await dovecot.count(w.agents.ann!.user), 1);
      // After the window: the next message is a new burst, carrying only what is new.
      await call(v.socket, 'message:send', { clientId: crypto.randomUUID(), text: 'five' });
      const both = await waitForMail(dovecot, w.agents.ann!.user, AGENT_PASS, 2);
      assert.match(both[1]!.mail.text!, /five/);
      assert.doesNotMatch(both[1]!.mail.text!, /three/);
      v.socket.close();
    } finally {
      await w.close();
    }
  });

  it('never emails an address that bounced', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {} });
    const carla = await mailbox('carla');
    const dora = await mailbox('dora');
    try {
      // A bounce for carla's address arrives in the support mailbox: the address is marked.
      await dovecot.deliver(w.h.address, [
        'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
        `To: ${w.h.address}`,
        'Subject: Undelivered Mail Returned to Sender',
        `X-Failed-Recipients: ${carla.address}`,
        'Auto-Submitted: auto-replied',
        'Message-ID: <bounce-1@mx.customer.test>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain',
        '',
        `The mail to ${carla.address} could not be delivered: user unknown.`,
        '',
      ].join('\r\n'));
      await settled(w.h);
      const a = await visitorSays(w, 'Carla', carla.address, ['Question']);
      const b = await visitorSays(w, 'Dora', dora.address, ['Question']);
      a.v.socket.close();
      b.v.socket.close();
      await waitFor(async () => !(await w.h.server.deps.presence.isConnected(`visitor:${a.v.session.visitor.id}`)) && !(await w.h.server.deps.presence.isConnected(`visitor:${b.v.session.visitor.id}`)), 5000, 'visitors gone');
      for (const c of [a, b]) {
        assert.equal((await w.agents.ann!.client.post(`/api/conversations/${c.conversationId}/messages`, { clientId: crypto.randomUUID(), text: 'Answer' })).status, 201);
      }
      await waitForMail(dovecot, dora.user, AGENT_PASS, 1);
      await outboxIdle(w);
      assert.equal(await dovecot.count(carla.user), 0, 'the bounced address was emailed');
      const jobs = await w.h.server.deps.store.listJobs({ kind: 'email' }, 50);
      assert.ok(!jobs.some((j) => (j.payload as { conversationId: string }).conversationId === a.conversationId && (j.payload as { type: string }).type === 'visitor-reply'));
    } finally {
      await w.close();
    }
  });

  it('the loop brake: at most N emails to one address per hour; notifications beyond it are dead with the reason', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {} }, { env: { MAIL_LOOP_BRAKE_PER_HOUR: '3' }, settings: { outbound: { debounceSeconds: 0 } }, adminOnline: true });
    try {
      for (let i = 0; i < 5; i++) (await visitorSays(w, `Visitor ${i}`, null, [`Message ${i}`])).v.socket.close();
      await waitFor(async () => {
        const jobs = await w.h.server.deps.store.listJobs({ kind: 'email' }, 50);
        return jobs.length === 5 && jobs.every((j) => j.status !== 'pending');
      }, 20_000, 'five notifications settled');
      const jobs = await w.h.server.deps.store.listJobs({ kind: 'email' }, 50);
      assert.equal(jobs.filter((j) => j.status === 'sent').length, 3);
      const dead = jobs.filter((j) => j.status === 'dead');
      assert.equal(dead.length, 2);
      for (const j of dead) assert.match(j.lastError!, /loop brake: 3 emails to .* in the last hour/);
      assert.equal(await dovecot.count(w.agents.ann!.user), 3);
    } finally {
      await w.close();
    }
  });

  it('SMTP down during a burst: once it is back every email arrives exactly once; a 451 is retried; a 550 is dead with its reason', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {} }, { settings: { outbound: { debounceSeconds: 0 } }, adminOnline: true });
    try {
      await smtpOut!.down();
      for (let i = 0; i < 6; i++) (await visitorSays(w, `Visitor ${i}`, null, [`Burst ${i}`])).v.socket.close();
      await waitFor(async () => {
        const jobs = await w.h.server.deps.store.listJobs({ kind: 'email' }, 50);
        return jobs.length === 6 && jobs.every((j) => j.attempts >= 1);
      }, 20_000, 'every email tried once while SMTP is down');
      const failed = await w.h.server.deps.store.listJobs({ kind: 'email' }, 50);
      assert.ok(failed.every((j) => j.status === 'pending' && /Nothing answers|connection/i.test(j.lastError ?? '')), JSON.stringify(failed.map((j) => j.lastError)));
      await smtpOut!.up();
      const mails = await waitForMail(dovecot, w.agents.ann!.user, AGENT_PASS, 6, 60_000);
      await outboxIdle(w);
      const ids = (await readMailbox(dovecot, w.agents.ann!.user, AGENT_PASS)).map((m) => m.mail.messageId);
      assert.equal(ids.length, 6);
      assert.equal(new Set(ids).size, 6);
      assert.equal(mails.length, 6);

      smtpOut!.failNext(451, '4.3.0 Try again later');
      (await visitorSays(w, 'Retry', null, ['Transient'])).v.socket.close();
      await waitForMail(dovecot, w.agents.ann!.user, AGENT_PASS, 7, 30_000);

      smtpOut!.failNext(550, '5.1.1 Mailbox unavailable');
      const { conversationId } = await visitorSays(w, 'Refused', null, ['Permanent']);
      await waitFor(async () => (await w.h.server.deps.store.listJobs({ status: 'dead', kind: 'email' }, 5)).length === 1, 20_000, 'dead letter');
      const [dead] = await w.h.server.deps.store.listJobs({ status: 'dead', kind: 'email' }, 5);
      assert.equal((dead!.payload as { conversationId: string }).conversationId, conversationId);
      assert.match(dead!.lastError!, /550 5\.1\.1 Mailbox unavailable/);
      assert.match(dead!.lastError!, /permanent/);
      // Visible to admins, with a retry that sends it.
      const listed = await w.h.admin.get('/api/outbox?status=dead');
      assert.equal(listed.status, 200);
      assert.ok(JSON.stringify(listed.body).includes('Mailbox unavailable'));
      assert.equal((await w.h.admin.post(`/api/outbox/${dead!.id}/retry`, {})).status, 200);
      await waitForMail(dovecot, w.agents.ann!.user, AGENT_PASS, 8, 30_000);
    } finally {
      await smtpOut!.up();
      await w.close();
    }
  });

  it('an operator starts a conversation by email with attachments; the customer\'s answer threads into it', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {} });
    const erin = await mailbox('erin');
    try {
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('%PDF-1.4 quote')], { type: 'application/pdf' }), 'quote.pdf');
      const up = await w.agents.ann!.client.request('POST', '/api/attachments', form);
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const clientId = crypto.randomUUID();
      const body = { inboxId: w.h.inbox.id, to: erin.address, name: 'Erin', subject: 'Your quote', text: 'Hello Erin,\nhere is your quote.', attachmentIds: [up.body.id], clientId };
      const started = await w.agents.ann!.client.post('/api/conversations/email', body);
      assert.equal(started.status, 201, JSON.stringify(started.body));
      // A retried request makes nothing new.
      const again = await w.agents.ann!.client.post('/api/conversations/email', body);
      assert.equal(again.status, 200);
      assert.equal(again.body.conversation.id, started.body.conversation.id);
      const [mail] = await waitForMail(dovecot, erin.user, AGENT_PASS, 1);
      const conversationId = started.body.conversation.id as string;
      assert.equal(mail!.mail.subject, `Your quote [#${tokenOf(w, conversationId)}]`);
      assert.equal(mail!.mail.attachments.length, 1);
      assert.equal(mail!.mail.attachments[0]!.filename, 'quote.pdf');
      assert.equal(mail!.mail.attachments[0]!.content.toString(), '%PDF-1.4 quote');
      await replyTo(mx!, mail!, `Erin <${erin.address}>`, 'Thanks, accepted.');
      await waitFor(async () => (await messagesOf(w.h, conversationId)).some((m) => m.text === 'Thanks, accepted.'), 20_000, 'answer threaded');
      const conv = (await conversations(w.h)).find((c: Conversation) => c.id === conversationId)!;
      assert.equal(conv.channel, 'email');
      assert.equal(conv.inboxId, w.h.inbox.id);
      const bad = await w.agents.ann!.client.post('/api/conversations/email', { ...body, to: 'not an address', clientId: crypto.randomUUID() });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /valid email address/);
      // Refused requests leave nothing behind: no empty conversation.
      const before = (await conversations(w.h)).length;
      const empty = await w.agents.ann!.client.post('/api/conversations/email', { ...body, text: '  ', attachmentIds: [], clientId: crypto.randomUUID() });
      assert.equal(empty.status, 400);
      const taken = await w.agents.ann!.client.post('/api/conversations/email', { ...body, clientId: crypto.randomUUID() });
      assert.equal(taken.status, 409, 'an attachment already sent in another conversation');
      assert.equal((await conversations(w.h)).length, before);
      await outboxIdle(w);
      assert.equal(await dovecot.count(erin.user), 1, 'the retried request sent twice');
    } finally {
      await w.close();
    }
  });

  it('"Send test email" sends through the form\'s SMTP settings or says clearly why not', async (t) => {
    if (!dovecot) return t.skip(DOVECOT_MISSING);
    const w = await world({ ann: {} });
    try {
      const ok = await w.h.admin.post('/api/inboxes/test-smtp', { inboxId: w.h.inbox.id, to: w.agents.ann!.address });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.ok, true, ok.body.message);
      await waitForMail(dovecot, w.agents.ann!.user, AGENT_PASS, 1);
      const wrong = await w.h.admin.post('/api/inboxes/test-smtp', { inboxId: w.h.inbox.id, smtpPassword: 'wrong', to: w.agents.ann!.address });
      assert.equal(wrong.body.ok, false);
      assert.match(wrong.body.message, /refused the login: wrong username or password/);
      const closed = await w.h.admin.post('/api/inboxes/test-smtp', {
        inboxId: w.h.inbox.id, to: w.agents.ann!.address, settings: { outgoing: { host: '127.0.0.1', port: 1, security: 'none' } },
      });
      assert.equal(closed.body.ok, false);
      assert.match(closed.body.message, /Nothing answers at 127\.0\.0\.1:1/);
      const agentOnly = await w.agents.ann!.client.post('/api/inboxes/test-smtp', { inboxId: w.h.inbox.id, to: w.agents.ann!.address });
      assert.equal(agentOnly.status, 403);
      // Plus-addressing: the inbox writes to support+<random>@ and finds it in its own mailbox.
      const plus = await w.h.admin.post('/api/inboxes/test-smtp', { inboxId: w.h.inbox.id, verifyPlusAddressing: true });
      assert.equal(plus.body.ok, true, plus.body.message);
      assert.match(plus.body.message, new RegExp(`Plus-addressing works: a test email to ${w.h.user}\\+parleytest[0-9a-f]+@example\\.test arrived in INBOX`));
      // STARTTLS with a self-signed certificate: refused unless "accept invalid certificates" is on.
      const tls = await startSmtp({ dovecot, secure: 'starttls' });
      try {
        const outgoing = { host: '127.0.0.1', port: tls.port, security: 'starttls', username: '' };
        const strict = await w.h.admin.post('/api/inboxes/test-smtp', { inboxId: w.h.inbox.id, to: w.agents.ann!.address, settings: { outgoing } });
        assert.equal(strict.body.ok, false);
        assert.match(strict.body.message, /certificate of 127\.0\.0\.1 is self-signed/);
        const lax = await w.h.admin.post('/api/inboxes/test-smtp', { inboxId: w.h.inbox.id, to: w.agents.ann!.address, settings: { outgoing: { ...outgoing, allowInvalidCert: true } } });
        assert.equal(lax.body.ok, true, lax.body.message);
        await waitForMail(dovecot, w.agents.ann!.user, AGENT_PASS, 2);
      } finally {
        await tls.stop();
      }
    } finally {
      await w.close();
    }
  });
});
