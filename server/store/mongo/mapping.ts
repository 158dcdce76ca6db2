// Lean documents to domain objects and back. Every field is picked by name, so neither
// `_id` nor anything else the driver adds leaks out, and a field missing from an older
// document reads as the domain's null / empty value rather than `undefined`.
import type {
  Agent, Attachment, AttachmentRef, Conversation, ConversationStatus, Department, EmailMeta, Inbox, MailItem, MailItemKind,
  Message, Session, Site, Visitor,
} from '../../core/types';
import type {
  AgentDoc, AttachmentDoc, ConversationDoc, DepartmentDoc, EmailMetaDoc, InboxDoc, MailItemDoc, MessageDoc, SessionDoc,
  SiteDoc, VisitorDoc,
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
    lastMessagePreview: orNull(d.lastMessagePreview), inboxId: orNull(d.inboxId), createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/**
 * The unique open key while the conversation is live, absent once closed: the visitor id
 * (one live conversation per visitor), or for an email conversation its own id behind
 * 'c:', so a sender may have any number of live email threads. The same keys as SQLite.
 */
export function openKeyOf(status: ConversationStatus, conv: Pick<Conversation, 'id' | 'visitorId' | 'inboxId'>): string | undefined {
  if (status === 'closed') return undefined;
  return conv.inboxId ? `c:${conv.id}` : conv.visitorId;
}

/**
 * What getOrCreateOpenConversation throws for an init with an inbox (the same in both
 * adapters): it finds a conversation by its visitor, and email conversations are not
 * keyed by their visitor. A programming error, not a user's.
 */
export function inboxNotAllowed(): Error {
  return new Error('getOrCreateOpenConversation is for conversations without an inbox; use createConversation');
}

export function toMessage(d: MessageDoc): Message {
  return {
    id: d._id, conversationId: d.conversationId, seq: d.seq, authorKind: d.authorKind as Message['authorKind'],
    authorId: orNull(d.authorId), text: d.text ?? '',
    attachments: list(d.attachments).map((a): AttachmentRef => ({ id: a.id, name: a.name, type: a.type, size: a.size })),
    clientId: orNull(d.clientId), channel: d.channel as Message['channel'], email: d.email ? emailMeta(d.email) : null,
    createdAt: d.createdAt,
  };
}
export function messageDoc(m: Message): MessageDoc {
  return {
    _id: m.id, conversationId: m.conversationId, seq: m.seq, authorKind: m.authorKind, authorId: m.authorId,
    text: m.text, attachments: m.attachments.map((a) => ({ id: a.id, name: a.name, type: a.type, size: a.size })),
    clientId: m.clientId, clientKey: clientKeyOf(m.clientId, m.id), channel: m.channel, createdAt: m.createdAt,
    email: m.email ? emailMeta(m.email) : null,
  };
}

/** Field by field both ways: the subdocument and the domain object have the same shape. */
function emailMeta(e: EmailMeta | EmailMetaDoc): EmailMeta {
  return {
    inboxId: e.inboxId, messageId: orNull(e.messageId), from: e.from ?? '', subject: e.subject ?? '',
    original: e.original ?? '', html: orNull(e.html),
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

export function toInbox(d: InboxDoc): Inbox {
  return {
    id: d._id, siteId: d.siteId, name: d.name, address: d.address, departmentId: orNull(d.departmentId),
    enabled: d.enabled === true, settings: d.settings as unknown as Inbox['settings'], passwordSealed: d.passwordSealed,
    smtpPasswordSealed: orNull(d.smtpPasswordSealed), status: d.status as unknown as Inbox['status'],
    watermark: orNull(d.watermark) as Inbox['watermark'], imported: d.imported ?? 0,
    createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}
export function inboxDoc(i: Inbox): InboxDoc {
  return {
    _id: i.id, siteId: i.siteId, name: i.name, address: i.address.toLowerCase(), departmentId: i.departmentId,
    enabled: i.enabled, settings: { ...i.settings }, passwordSealed: i.passwordSealed,
    smtpPasswordSealed: i.smtpPasswordSealed, status: { ...i.status }, watermark: i.watermark ? { ...i.watermark } : null,
    imported: i.imported, createdAt: i.createdAt, updatedAt: i.updatedAt,
  };
}

export function toMailItem(d: MailItemDoc): MailItem {
  return {
    id: d._id, inboxId: d.inboxId, key: d.key, kind: d.kind as MailItemKind, reason: d.reason,
    messageId: orNull(d.messageId), from: orNull(d.from), subject: orNull(d.subject), size: d.size,
    rawBlobId: d.rawBlobId, createdAt: d.createdAt,
  };
}
export function mailItemDoc(m: MailItem): MailItemDoc {
  return {
    _id: m.id, inboxId: m.inboxId, key: m.key, kind: m.kind, reason: m.reason, messageId: m.messageId, from: m.from,
    subject: m.subject, size: m.size, rawBlobId: m.rawBlobId, createdAt: m.createdAt,
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
