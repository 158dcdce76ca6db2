// Rows as better-sqlite3 returns them, and their mapping to and from the domain model.
// Column names are snake_case; JSON-shaped fields are TEXT holding JSON.
import { DuplicateKeyError } from '../../core/ports';
import type {
  Agent, Attachment, AttachmentRef, Conversation, ConversationStatus, Department, EmailMeta, Message, Session, Site, Visitor,
} from '../../core/types';

export interface SiteRow {
  id: string; name: string; widget_key: string; allowed_origins: string;
  appearance: string; prechat: string; created_at: number;
}
export interface DepartmentRow { id: string; name: string; created_at: number }
export interface AgentRow {
  id: string; email: string; name: string; role: string; password_hash: string;
  departments: string; avatar_url: string | null; status: string; created_at: number;
}
export interface SessionRow { id: string; agent_id: string; csrf_token: string; created_at: number; expires_at: number }
export interface VisitorRow {
  id: string; site_id: string; name: string | null; email: string | null; current_page: string | null;
  pages: string; locale: string | null; user_agent: string | null; avatar_url: string | null; created_at: number; last_seen_at: number;
}
export interface ConversationRow {
  id: string; site_id: string; visitor_id: string; status: string; open_key: string | null;
  name: string; channel: string; department_id: string | null; assignee_id: string | null;
  last_seq: number; visitor_read_seq: number; agent_read_seq: number;
  last_message_at: number | null; last_message_preview: string | null; created_at: number; updated_at: number;
  inbox_id: string | null;
}
export interface MessageRow {
  id: string; conversation_id: string; seq: number; author_kind: string; author_id: string | null;
  text: string; attachments: string; client_id: string | null; channel: string; created_at: number;
  email: string | null;
}
export interface AttachmentRow {
  id: string; message_id: string | null; conversation_id: string | null; uploader_kind: string;
  uploader_id: string; name: string; type: string; size: number; created_at: number;
}

// The CHECK constraints in the schema keep the enum columns valid, so the casts are safe.

export function toSite(r: SiteRow): Site {
  return {
    id: r.id, name: r.name, widgetKey: r.widget_key,
    allowedOrigins: JSON.parse(r.allowed_origins) as string[],
    appearance: JSON.parse(r.appearance) as Site['appearance'],
    prechat: JSON.parse(r.prechat) as Site['prechat'],
    createdAt: r.created_at,
  };
}
export function siteParams(s: Site) {
  return {
    id: s.id, name: s.name, widget_key: s.widgetKey, allowed_origins: JSON.stringify(s.allowedOrigins),
    appearance: JSON.stringify(s.appearance), prechat: JSON.stringify(s.prechat), created_at: s.createdAt,
  };
}

export function toDepartment(r: DepartmentRow): Department {
  return { id: r.id, name: r.name, createdAt: r.created_at };
}

export function toAgent(r: AgentRow): Agent {
  return {
    id: r.id, email: r.email, name: r.name, role: r.role as Agent['role'], passwordHash: r.password_hash,
    departments: JSON.parse(r.departments) as string[], avatarUrl: r.avatar_url,
    status: r.status as Agent['status'], createdAt: r.created_at,
  };
}
export function agentParams(a: Agent) {
  return {
    id: a.id, email: a.email, name: a.name, role: a.role, password_hash: a.passwordHash,
    departments: JSON.stringify(a.departments), avatar_url: a.avatarUrl, status: a.status, created_at: a.createdAt,
  };
}

export function toSession(r: SessionRow): Session {
  return { id: r.id, agentId: r.agent_id, csrfToken: r.csrf_token, createdAt: r.created_at, expiresAt: r.expires_at };
}
export function sessionParams(s: Session) {
  return { id: s.id, agent_id: s.agentId, csrf_token: s.csrfToken, created_at: s.createdAt, expires_at: s.expiresAt };
}

export function toVisitor(r: VisitorRow): Visitor {
  return {
    id: r.id, siteId: r.site_id, name: r.name, email: r.email, currentPage: r.current_page,
    pages: JSON.parse(r.pages) as string[], locale: r.locale, userAgent: r.user_agent, avatarUrl: r.avatar_url,
    createdAt: r.created_at, lastSeenAt: r.last_seen_at,
  };
}
export function visitorParams(v: Visitor) {
  return {
    id: v.id, site_id: v.siteId, name: v.name, email: v.email, current_page: v.currentPage,
    pages: JSON.stringify(v.pages), locale: v.locale, user_agent: v.userAgent, avatar_url: v.avatarUrl,
    created_at: v.createdAt, last_seen_at: v.lastSeenAt,
  };
}

export function toConversation(r: ConversationRow): Conversation {
  return {
    id: r.id, siteId: r.site_id, visitorId: r.visitor_id, status: r.status as Conversation['status'],
    name: r.name, channel: r.channel as Conversation['channel'], departmentId: r.department_id,
    assigneeId: r.assignee_id, lastSeq: r.last_seq, visitorReadSeq: r.visitor_read_seq,
    agentReadSeq: r.agent_read_seq, lastMessageAt: r.last_message_at,
    lastMessagePreview: r.last_message_preview, inboxId: r.inbox_id ?? null, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function toMessage(r: MessageRow): Message {
  return {
    id: r.id, conversationId: r.conversation_id, seq: r.seq, authorKind: r.author_kind as Message['authorKind'],
    authorId: r.author_id, text: r.text, attachments: JSON.parse(r.attachments) as AttachmentRef[],
    clientId: r.client_id, channel: r.channel as Message['channel'],
    email: r.email ? (JSON.parse(r.email) as EmailMeta) : null, createdAt: r.created_at,
  };
}
export function messageParams(m: Message) {
  return {
    id: m.id, conversation_id: m.conversationId, seq: m.seq, author_kind: m.authorKind, author_id: m.authorId,
    text: m.text, attachments: JSON.stringify(m.attachments), client_id: m.clientId, channel: m.channel,
    email: m.email ? JSON.stringify(m.email) : null, created_at: m.createdAt,
  };
}

export function toAttachment(r: AttachmentRow): Attachment {
  return {
    id: r.id, messageId: r.message_id, conversationId: r.conversation_id,
    uploaderKind: r.uploader_kind as Attachment['uploaderKind'], uploaderId: r.uploader_id,
    name: r.name, type: r.type, size: r.size, createdAt: r.created_at,
  };
}
export function attachmentParams(a: Attachment) {
  return {
    id: a.id, message_id: a.messageId, conversation_id: a.conversationId, uploader_kind: a.uploaderKind,
    uploader_id: a.uploaderId, name: a.name, type: a.type, size: a.size, created_at: a.createdAt,
  };
}

/** Keeps only the keys whose value is defined, so `{ name: undefined }` changes nothing. */
export function merge<T extends object>(current: T, patch: Partial<NoInfer<T>>): T {
  const next = { ...current };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
  return next;
}

/**
 * The unique open key while the conversation is live, NULL once closed: the visitor id
 * (one live conversation per visitor), or for an email conversation its own id behind
 * 'c:', so a sender may have any number of live email threads.
 */
export function openKeyOf(status: ConversationStatus, conv: Pick<Conversation, 'id' | 'visitorId' | 'inboxId'>): string | null {
  if (status === 'closed') return null;
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

// Which port-level key each SQLite unique constraint stands for, as SQLite names it in
// "UNIQUE constraint failed: <target>".
const UNIQUE_TARGETS: Record<string, string> = {
  "index 'agents_email_lower'": 'agent.email',
  'sites.widget_key': 'site.widgetKey',
  'conversations.open_key': 'conversation.openKey',
  'messages.conversation_id, messages.client_id': 'message.clientId',
  'messengers.webhook_url': 'messenger.webhookUrl',
  'external_ids.source, external_ids.external_id': 'externalId.key',
  'remembered_keys.key': 'rememberedKey.key',
  'inboxes.address': 'inbox.address',
  'mail_items.inbox_id, mail_items.key': 'mailItem.key',
  // Primary keys the rule below would misname.
  'inboxes.id': 'inbox.id',
  'mail_items.id': 'mailItem.id',
};

/** Runs `fn`, turning a unique or primary key violation into the port's DuplicateKeyError. */
export function mapDuplicate<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const key = duplicateKeyOf(err);
    if (key) throw new DuplicateKeyError(key);
    throw err;
  }
}

export function duplicateKeyOf(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown };
  if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e?.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
  const target = String(e.message).replace(/^UNIQUE constraint failed: /, '');
  // Primary keys ("agents.id") map to "agent.id" and so on.
  return UNIQUE_TARGETS[target] ?? target.replace(/s\.id$/, '.id');
}
