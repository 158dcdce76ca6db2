// Lean documents to domain objects and back. Every field is picked by name, so neither
// `_id` nor anything else the driver adds leaks out, and a field missing from an older
// document reads as the domain's null / empty value rather than `undefined`.
import type {
  Agent, Attachment, AttachmentRef, Conversation, ConversationStatus, Department, Message, Session, Site, Visitor,
} from '../../core/types';
import type {
  AgentDoc, AttachmentDoc, ConversationDoc, DepartmentDoc, MessageDoc, SessionDoc, SiteDoc, VisitorDoc,
} from './schemas';

const orNull = <T>(v: T | null | undefined): T | null => (v === undefined ? null : v);
const list = <T>(v: readonly T[] | null | undefined): T[] => (v ? [...v] : []);

export function toSite(d: SiteDoc): Site {
  return {
    id: d._id, name: d.name, widgetKey: d.widgetKey, allowedOrigins: list(d.allowedOrigins),
    appearance: d.appearance as unknown as Site['appearance'],
    prechat: d.prechat as unknown as Site['prechat'],
    createdAt: d.createdAt,
  };
}
export function siteDoc(s: Site): SiteDoc {
  return {
    _id: s.id, name: s.name, widgetKey: s.widgetKey, allowedOrigins: [...s.allowedOrigins],
    appearance: { ...s.appearance }, prechat: { ...s.prechat }, createdAt: s.createdAt,
  };
}

export function toDepartment(d: DepartmentDoc): Department {
  return { id: d._id, name: d.name, createdAt: d.createdAt };
}

export function toAgent(d: AgentDoc): Agent {
  return {
    id: d._id, email: d.email, name: d.name, role: d.role as Agent['role'], passwordHash: d.passwordHash,
    departments: list(d.departments), avatarUrl: orNull(d.avatarUrl), status: d.status as Agent['status'],
    createdAt: d.createdAt,
  };
}
export function agentDoc(a: Agent): AgentDoc {
  return {
    _id: a.id, email: a.email, emailLower: a.email.toLowerCase(), name: a.name, role: a.role,
    passwordHash: a.passwordHash, departments: [...a.departments], avatarUrl: a.avatarUrl, status: a.status,
    createdAt: a.createdAt,
  };
}

export function toSession(d: SessionDoc): Session {
  return { id: d._id, agentId: d.agentId, csrfToken: d.csrfToken, createdAt: d.createdAt, expiresAt: d.expiresAt };
}
export function sessionDoc(s: Session): SessionDoc {
  return { _id: s.id, agentId: s.agentId, csrfToken: s.csrfToken, createdAt: s.createdAt, expiresAt: s.expiresAt };
}

export function toVisitor(d: VisitorDoc): Visitor {
  return {
    id: d._id, siteId: d.siteId, name: orNull(d.name), email: orNull(d.email), currentPage: orNull(d.currentPage),
    pages: list(d.pages), locale: orNull(d.locale), userAgent: orNull(d.userAgent), avatarUrl: orNull(d.avatarUrl),
    createdAt: d.createdAt, lastSeenAt: d.lastSeenAt,
  };
}
export function visitorDoc(v: Visitor): VisitorDoc {
  return {
    _id: v.id, siteId: v.siteId, name: v.name, email: v.email, currentPage: v.currentPage, pages: [...v.pages],
    locale: v.locale, userAgent: v.userAgent, avatarUrl: v.avatarUrl, createdAt: v.createdAt, lastSeenAt: v.lastSeenAt,
  };
}

export function toConversation(d: ConversationDoc): Conversation {
  return {
    id: d._id, siteId: d.siteId, visitorId: d.visitorId, status: d.status as ConversationStatus,
    name: d.name, channel: d.channel as Conversation['channel'], departmentId: orNull(d.departmentId),
    assigneeId: orNull(d.assigneeId), lastSeq: d.lastSeq ?? 0, visitorReadSeq: d.visitorReadSeq ?? 0,
    agentReadSeq: d.agentReadSeq ?? 0, lastMessageAt: orNull(d.lastMessageAt),
    lastMessagePreview: orNull(d.lastMessagePreview), createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}

/** The unique open key: the visitor id while the conversation is live, absent once closed. */
export function openKeyOf(status: ConversationStatus, visitorId: string): string | undefined {
  return status === 'closed' ? undefined : visitorId;
}

export function toMessage(d: MessageDoc): Message {
  return {
    id: d._id, conversationId: d.conversationId, seq: d.seq, authorKind: d.authorKind as Message['authorKind'],
    authorId: orNull(d.authorId), text: d.text ?? '',
    attachments: list(d.attachments).map((a): AttachmentRef => ({ id: a.id, name: a.name, type: a.type, size: a.size })),
    clientId: orNull(d.clientId), channel: d.channel as Message['channel'], createdAt: d.createdAt,
  };
}
export function messageDoc(m: Message): MessageDoc {
  return {
    _id: m.id, conversationId: m.conversationId, seq: m.seq, authorKind: m.authorKind, authorId: m.authorId,
    text: m.text, attachments: m.attachments.map((a) => ({ id: a.id, name: a.name, type: a.type, size: a.size })),
    clientId: m.clientId, clientKey: clientKeyOf(m.clientId, m.id), channel: m.channel, createdAt: m.createdAt,
  };
}

/**
 * The unique (conversationId, clientKey) key: the client id when there is one, else the
 * message's own id, so messages without a client id are unique by construction. The
 * prefixes keep the two kinds apart whatever a client picks as its id.
 */
export function clientKeyOf(clientId: string | null, messageId: string): string {
  return clientId !== null ? `c:${clientId}` : `m:${messageId}`;
}

export function toAttachment(d: AttachmentDoc): Attachment {
  return {
    id: d._id, messageId: orNull(d.messageId), conversationId: orNull(d.conversationId),
    uploaderKind: d.uploaderKind as Attachment['uploaderKind'], uploaderId: d.uploaderId,
    name: d.name, type: d.type, size: d.size, createdAt: d.createdAt,
  };
}
export function attachmentDoc(a: Attachment): AttachmentDoc {
  return {
    _id: a.id, messageId: a.messageId, conversationId: a.conversationId, uploaderKind: a.uploaderKind,
    uploaderId: a.uploaderId, name: a.name, type: a.type, size: a.size, createdAt: a.createdAt,
  };
}

/**
 * The `$set` of a patch: only the keys whose value is defined, so `{ name: undefined }`
 * changes nothing while `{ avatarUrl: null }` clears the field.
 */
export function definedFields<T extends object>(patch: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
