// Inbound email test harness: a server reading a fresh mailbox of a test Dovecot through
// an inbox created over the REST API, as an admin would, and ways to wait for what the
// reader made of the mail.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Conversation, Message } from '../../server/core/types';
import type { InboxView } from '../../server/transport/views';
import type { Dovecot } from './dovecot';
import { setupInstallation, startServer, type AgentClient, type TestServer } from './server';
import { waitFor } from './receiver';

export const SUPPORT = 'support@example.test';
export const PASSWORD = 'support-pass';
const FAST = { MAIL_SUPERVISE_MS: '100', MAIL_BACKOFF_MS: '50', MAIL_STABLE_MS: '100000' };

let mailbox = 0;

/**
 * Why the mail suites do not run in this store mode, or null. In MongoDB mode against the
 * bundled FerretDB 1.x (test-only; it applies updates non-atomically, see README), the
 * readers' lease renewals and status writes stall intermittently, which says nothing
 * about the pipeline: its store calls are proven on MongoDB by the contract suite
 * (test/store/contract-inboxes.ts). With MONGODB_TEST_URI (a real MongoDB) they run.
 */
export function mailSuiteSkip(): string | null {
  if (process.env.PARLEY_TEST_STORE === 'mongo' && !process.env.MONGODB_TEST_URI) {
    return 'mail suites run on SQLite, or on a real MongoDB via MONGODB_TEST_URI (FerretDB 1.x stalls the readers\' lease and status writes)';
  }
  return null;
}

export interface Mail {
  from?: string;
  to?: string;
  replyTo?: string;
  subject?: string;
  body?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  headers?: Record<string, string>;
  attachment?: { name: string; type: string; content: Buffer };
}

export function email(m: Mail): string {
  const id = m.messageId ?? `${randomUUID()}@client.example`;
  const head = [
    `From: ${m.from ?? 'Carla Rossi <carla@customer.example>'}`,
    `To: ${m.to ?? `Acme Support <${SUPPORT}>`}`,
    ...(m.replyTo ? [`Reply-To: ${m.replyTo}`] : []),
    `Subject: ${m.subject ?? 'Order 1234 never arrived'}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${id}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`] : []),
    ...(m.references ? [`References: ${m.references}`] : []),
    ...Object.entries(m.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
  ];
  const body = m.body ?? 'Hello, my order has not arrived yet.\nCan you check?\n\nCarla';
  if (!m.attachment) return [...head, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
  const b = `b-${randomUUID()}`;
  return [
    ...head, `Content-Type: multipart/mixed; boundary="${b}"`, '',
    `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', body, '',
    `--${b}`, `Content-Type: ${m.attachment.type}; name="${m.attachment.name}"`, `Content-Disposition: attachment; filename="${m.attachment.name}"`,
    'Content-Transfer-Encoding: base64', '', m.attachment.content.toString('base64').replace(/.{76}/g, '$&\r\n'), `--${b}--`, '',
  ].join('\r\n');
}

export interface Harness {
  server: TestServer;
  admin: AgentClient;
  siteId: string;
  inbox: InboxView;
  user: string;
  address: string;
  dovecot: Dovecot;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  password?: string;
  waitActive?: boolean;
}

/** A server reading a fresh Dovecot mailbox through an inbox created over the REST API. */
export async function startHarness(d: Dovecot, settings: Record<string, unknown> = {}, opts: HarnessOptions = {}): Promise<Harness> {
  const user = `support${++mailbox}`;
  await d.addUser(user, PASSWORD);
  const address = `${user}@example.test`;
  const server = await startServer({ ...FAST, ...opts.env });
  const { admin, site } = await setupInstallation(server.url);
  server.deps.email.start();
  const res = await admin.post(`/api/sites/${site.id}/inboxes`, {
    name: 'Support', address, password: opts.password ?? PASSWORD,
    settings: {
      protocol: 'imap', convertAll: true, reopen: false, ...settings,
      incoming: { host: d.host, port: d.ports.imap, security: 'none', username: user, ...(settings.incoming as object | undefined) },
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const h: Harness = {
    server, admin, siteId: site.id, inbox: res.body, user, address, dovecot: d,
    close: async () => server.close(),
  };
  if (opts.waitActive !== false) await readerReady(h);
  return h;
}

export async function inboxOf(h: Harness): Promise<InboxView> {
  return (await h.admin.get(`/api/inboxes/${h.inbox.id}`)).body;
}

/** Active and past its first read (the watermark is set). */
export async function readerReady(h: Harness): Promise<void> {
  await waitFor(async () => {
    const inbox = await h.server.deps.store.getInbox(h.inbox.id);
    return inbox?.status.state === 'active' && inbox.watermark !== null;
  }, 15_000, 'inbox active');
}

export async function conversations(h: Harness): Promise<Conversation[]> {
  return (await h.server.deps.store.listConversations({ siteId: h.siteId }, 100)).items;
}

export async function messagesOf(h: Harness, conversationId: string): Promise<Message[]> {
  return h.server.deps.store.listMessages(conversationId, { limit: 100 });
}

export async function allMessages(h: Harness): Promise<Message[]> {
  const out: Message[] = [];
  for (const c of await conversations(h)) out.push(...(await messagesOf(h, c.id)));
  return out;
}

export async function waitForMessages(h: Harness, n: number, what = `${n} messages`): Promise<Message[]> {
  let msgs: Message[] = [];
  await waitFor(async () => (msgs = await allMessages(h)).length >= n, 15_000, what);
  return msgs;
}

/** Waits until the reader has looked at the mailbox after everything delivered so far. */
export async function settled(h: Harness): Promise<void> {
  const { uidNext } = await h.dovecot.status(h.user);
  await waitFor(async () => ((await h.server.deps.store.getInbox(h.inbox.id))?.watermark?.lastUid ?? 0) >= uidNext - 1, 15_000, 'reader caught up');
}

