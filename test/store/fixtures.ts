// Builders for the store contract: valid domain objects with fixed ids, so a test reads
// as the one field it cares about. Port types only; nothing adapter-specific.
import assert from 'node:assert/strict';
import {
  DuplicateKeyError, type NewAgent, type NewConversation, type NewMessage, type NewSite, type NewVisitor, type Store,
} from '../../server/core/ports';
import type { Attachment, AttachmentRef, Conversation, Session } from '../../server/core/types';

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

export function ids(items: { id: string }[]): string[] {
  return items.map((i) => i.id).sort();
}

/** Asserts that `promise` rejects with DuplicateKeyError for `key`. */
export async function rejectsDuplicate(promise: Promise<unknown>, key: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof DuplicateKeyError && err.key === key);
}
