// What the server sends to browsers. Shared as types with widget/ and admin/ (they
// import types only, never server code). Secrets (password hashes, tokens) never
// appear here.
import type { ErrorBody } from '../core/errors';
import type {
  Appearance, Channel, Conversation, ConversationStatus, Inbox, InboxSettings, InboxStatus, MailItem, MailItemKind, PrechatSettings, PresenceStatus, Role, AuthorKind,
} from '../core/types';

export type { ErrorBody, Appearance, Channel, ConversationStatus, InboxSettings, InboxStatus, MailItemKind, PrechatSettings, PresenceStatus, Role, AuthorKind };

export interface AttachmentView {
  id: string;
  name: string;
  type: string;
  size: number;
  /** A signed, expiring download URL (absolute path on the Parley host). */
  url: string;
}

export interface MessageView {
  id: string;
  conversationId: string;
  seq: number;
  author: { kind: AuthorKind; id: string | null; name: string | null; avatarUrl: string | null };
  text: string;
  attachments: AttachmentView[];
  clientId: string | null;
  channel: Channel;
  /** For messages that came by email: the subject, and whether quoted text was cut (GET .../original shows it). */
  email: { subject: string; quoted: boolean } | null;
  createdAt: number;
}

export interface AgentPublicView {
  id: string;
  name: string;
  avatarUrl: string | null;
  status: PresenceStatus;
}

export interface AgentView extends AgentPublicView {
  email: string;
  role: Role;
  departments: string[];
  /** The manual toggle, independent of live connections. */
  manualStatus: PresenceStatus;
  createdAt: number;
}

export interface DepartmentView {
  id: string;
  name: string;
}

export interface SiteView {
  id: string;
  name: string;
  widgetKey: string;
  allowedOrigins: string[];
  appearance: Appearance;
  prechat: PrechatSettings;
  /** The script tag to paste into the site. */
  snippet: string;
  createdAt: number;
}

export interface VisitorView {
  id: string;
  name: string | null;
  email: string | null;
  currentPage: string | null;
  pages: string[];
  locale: string | null;
  userAgent: string | null;
  avatarUrl: string | null;
  online: boolean;
  createdAt: number;
  lastSeenAt: number;
}

export type ConversationView = Omit<Conversation, 'visitorId'> & {
  visitor: { id: string; name: string | null; email: string | null; online: boolean };
};

/** What a visitor may know of their own conversation. */
export interface VisitorConversationView {
  id: string;
  status: ConversationStatus;
  lastSeq: number;
  agentReadSeq: number;
}

/** GET /api/widget/config?site=KEY */
export interface WidgetConfig {
  siteName: string;
  appearance: Appearance;
  prechat: PrechatSettings;
  /** True when at least one agent is online (not away, not offline). */
  agentsOnline: boolean;
  agents: AgentPublicView[];
  maxUploadBytes: number;
}

/** POST /api/widget/visitor */
export interface VisitorSession {
  token: string;
  visitor: { id: string; name: string | null; email: string | null };
}

/** GET /api/auth/me, POST /api/auth/login, POST /api/setup */
export interface AuthView {
  agent: AgentView;
  csrfToken: string;
}

/** GET /api/outbox: a delivery's envelope, without its payload. */
export interface OutboxJobView {
  id: string;
  kind: string;
  key: string;
  queue: string;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  /** Email jobs: what they are about. */
  email?: OutboxEmailAbout;
}

/** What an email job is about, for people: names and ids, never addresses or bodies. */
export interface OutboxEmailAbout {
  type: 'agent-notification' | 'visitor-reply';
  conversationId: string;
  inboxId: string;
  /** Null when the inbox was deleted since. */
  inbox: { name: string; address: string } | null;
  /** The notified agent (agent notifications); name null when the agent was deleted since. */
  agent: { id: string; name: string | null } | null;
}

/** A messenger channel as admins see it: never its confirmation code. */
export interface MessengerView {
  id: string;
  siteId: string;
  name: string;
  webhookUrl: string;
  status: 'pending' | 'active' | 'disconnected';
  returning: 'reopen' | 'new';
  allowOperatorStart: boolean;
  lastError: string | null;
  /** Paste into the messenger: where it posts its users' messages. */
  inboundUrl: string;
  /** The company's public Parley address. */
  publicUrl: string;
  createdAt: number;
  updatedAt: number;
}

/** An inbox as admins see it: its passwords only as "has one", its watermark not at all. */
export type InboxView = Omit<Inbox, 'passwordSealed' | 'smtpPasswordSealed' | 'watermark' | 'imported'> & {
  hasPassword: boolean;
  hasSmtpPassword: boolean;
  counts: { imported: number; setAside: number; quarantined: number };
};

/** A set-aside or quarantined email as admins see it: without its idempotency key and blob id. */
export type MailItemView = Omit<MailItem, 'key' | 'rawBlobId'>;

/** The whole email behind a message ("show quoted text"). Agents only. */
export interface EmailOriginalView {
  from: string;
  subject: string;
  messageId: string | null;
  text: string;
  /** Sanitized HTML; the dashboard shows it in a sandboxed frame. */
  html: string | null;
}

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
