// Builders for the store contract: valid domain objects with fixed ids, so a test reads
// as the one field it cares about. Port types only; nothing adapter-specific.
import assert from 'node:assert/strict';
import {
  DuplicateKeyError, type NewAgent, type NewConversation, type NewInbox, type NewMessage, type NewSite, type NewVisitor, type Store,
} from '../../server/core/ports';
import type {
  Attachment, AttachmentRef, Conversation, EmailMeta, Inbox, InboxSettings, MailItem, Session,
} from '../../server/core/types';

export function newSite(id: string, over: Partial<NewSite> = {}): NewSite {
  return {
    id,
    name: `Site ${id}`,
    widgetKey: `key-${id}`,
    allowedOrigins: ['https://example.com'],
    appearance: { color: '#336699', position: 'right', title: 'Chat', greeting: 'Hi!', showAgentAvatars: true },
    prechat: { enabled: false, name: 'optional', email: 'required' },
    ...over,
  };
}

export function newAgent(id: string, over: Partial<NewAgent> = {}): NewAgent {
  return {
    id,
    email: `${id}@example.com`,
    name: `Agent ${id}`,
    role: 'agent',
    passwordHash: `hash-${id}`,
    departments: [],
    avatarUrl: null,
    status: 'online',
    ...over,
  };
}

export function newVisitor(id: string, siteId: string, over: Partial<NewVisitor> = {}): NewVisitor {
  return {
    id, siteId, name: null, email: null, currentPage: null, pages: [], locale: 'en', userAgent: 'test', avatarUrl: null, ...over,
  };
}

export function newConversation(id: string, siteId: string, visitorId: string, over: Partial<NewConversation> = {}): NewConversation {
  return { id, siteId, visitorId, name: `Conversation ${id}`, channel: 'widget', departmentId: null, ...over };
}

export function newMessage(id: string, conversationId: string, over: Partial<NewMessage> = {}): NewMessage {
  return {
    id,
    conversationId,
    authorKind: 'visitor',
    authorId: 'v1',
    text: `text ${id}`,
    attachments: [],
    clientId: `client-${id}`,
    channel: 'widget',
    email: null,
    createdAt: 1_000,
    ...over,
  };
}

/** What an email carried, for a message of the email channel. */
export function emailMeta(inboxId: string, over: Partial<EmailMeta> = {}): EmailMeta {
  return {
    inboxId,
    messageId: 'CAF=abc.123@mail.example.com',
    from: 'Vera Visitor <vera@example.com>',
    subject: 'Re: My order',
    original: 'Where is it?\n\nOn Monday, Support wrote:\n> Thanks for your order',
    html: '<p>Where is it?</p>',
    ...over,
  };
}

export function inboxSettings(over: Partial<InboxSettings> = {}): InboxSettings {
  return {
    preset: 'other',
    protocol: 'imap',
    incoming: {
      host: 'imap.example.com', port: 993, security: 'tls', allowInvalidCert: false, username: 'support@example.com',
      folder: 'INBOX', connectionTimeoutMs: 30_000, authTimeoutMs: 15_000,
    },
    outgoing: { host: 'smtp.example.com', port: 587, security: 'starttls', allowInvalidCert: false, username: 'support@example.com' },
    convertAll: true,
    reopen: true,
    delimiter: false,
    plusAddressing: false,
    afterImport: 'leave',
    moveTo: null,
    headerFilters: [{ header: 'X-Spam-Flag', pattern: 'yes' }, { header: 'Subject', pattern: '/^\\[SPAM\\]/' }],
    idle: true,
    pollSeconds: 60,
    trustedAuthServId: 'mx.example.com',
    maxAttempts: 5,
    ...over,
  };
}

export function newInbox(id: string, siteId: string, over: Partial<NewInbox> = {}): NewInbox {
  return {
    id,
    siteId,
    name: `Inbox ${id}`,
    address: `${id}@example.com`,
    departmentId: null,
    enabled: true,
    settings: inboxSettings(),
    passwordSealed: `sealed-${id}`,
    smtpPasswordSealed: null,
    status: { state: 'active', lastError: null, attempts: 0, lastSyncAt: null },
    ...over,
  };
}

export function newMailItem(id: string, inboxId: string, over: Partial<MailItem> = {}): MailItem {
  return {
    id,
    inboxId,
    key: `<${id}@mail.example.com>`,
    kind: 'set-aside',
    reason: 'no conversation to thread it to',
    messageId: `${id}@mail.example.com`,
    from: 'Someone <someone@example.com>',
    subject: `Subject ${id}`,
    size: 2048,
    rawBlobId: `raw-${id}`,
    createdAt: 1_000,
    ...over,
  };
}

export function newSession(id: string, agentId: string, expiresAt: number): Session {
  return { id, agentId, csrfToken: `csrf-${id}`, createdAt: 1_000, expiresAt };
}

export function newAttachment(id: string, over: Partial<Attachment> = {}): Attachment {
  return {
    id, messageId: null, conversationId: null, uploaderKind: 'visitor', uploaderId: 'v1',
    name: `${id}.png`, type: 'image/png', size: 1234, createdAt: 1_000, ...over,
  };
}

export function refOf(att: Attachment): AttachmentRef {
  return { id: att.id, name: att.name, type: att.type, size: att.size };
}

/** A site with one visitor and its open conversation: the usual starting point. */
export async function seedConversation(store: Store, n = 1): Promise<Conversation> {
  const site = `s${n}`;
  if (!(await store.getSite(site))) await store.createSite(newSite(site));
  await store.createVisitor(newVisitor(`v${n}`, site));
  return store.createConversation(newConversation(`c${n}`, site, `v${n}`));
}

/** Sites s1, s2; visitors v1, v2 on s1; inbox i1 on s1, created at 1 000. */
export async function seedInbox(store: Store): Promise<Inbox> {
  await store.createSite(newSite('s1'));
  await store.createSite(newSite('s2'));
  await store.createVisitor(newVisitor('v1', 's1'));
  await store.createVisitor(newVisitor('v2', 's1'));
  return store.createInbox(newInbox('i1', 's1'), 1_000);
}

export function ids(items: { id: string }[]): string[] {
  return items.map((i) => i.id).sort();
}

/** Asserts that `promise` rejects with DuplicateKeyError for `key`. */
export async function rejectsDuplicate(promise: Promise<unknown>, key: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof DuplicateKeyError && err.key === key);
}
