// The domain model. Plain data: no behaviour, no framework types, so every
// adapter (SQLite, MongoDB, Socket.IO, REST) can share it.

export type Role = 'admin' | 'agent';
export type ConversationStatus = 'open' | 'pending' | 'closed';
export type Channel = 'widget' | 'email' | 'messenger';
export type AuthorKind = 'visitor' | 'agent' | 'system';
/** What an agent chose; the effective presence is 'offline' while no connection is live. */
export type PresenceStatus = 'online' | 'away' | 'offline';
export type FieldRule = 'required' | 'optional' | 'hidden';

export interface Appearance {
  /** CSS colour of the launcher and the header, `#rrggbb`. */
  color: string;
  position: 'right' | 'left';
  title: string;
  greeting: string;
  showAgentAvatars: boolean;
}

export interface PrechatSettings {
  enabled: boolean;
  name: FieldRule;
  email: FieldRule;
}

export interface Site {
  id: string;
  name: string;
  /** Public key pasted into the snippet as data-site. */
  widgetKey: string;
  /** Origins (scheme://host[:port]) allowed to embed the widget; empty = any. */
  allowedOrigins: string[];
  appearance: Appearance;
  prechat: PrechatSettings;
  createdAt: number;
}

export interface Department {
  id: string;
  name: string;
  createdAt: number;
}

export interface Agent {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  departments: string[];
  avatarUrl: string | null;
  /** The manual toggle; live connections decide whether it applies. */
  status: PresenceStatus;
  createdAt: number;
}

export interface Session {
  /** SHA-256 of the cookie value: a leaked database does not leak live sessions. */
  id: string;
  agentId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

export interface Visitor {
  id: string;
  siteId: string;
  name: string | null;
  email: string | null;
  /** The last page the visitor was seen on, and a short trail of recent ones. */
  currentPage: string | null;
  pages: string[];
  locale: string | null;
  userAgent: string | null;
  /** A picture from another channel's profile (a messenger user's avatar), http(s) only. */
  avatarUrl: string | null;
  createdAt: number;
  lastSeenAt: number;
}

export interface Conversation {
  id: string;
  siteId: string;
  visitorId: string;
  status: ConversationStatus;
  name: string;
  channel: Channel;
  departmentId: string | null;
  assigneeId: string | null;
  /** Highest sequence number handed out; sequences rise strictly, gaps are allowed. */
  lastSeq: number;
  visitorReadSeq: number;
  agentReadSeq: number;
  lastMessageAt: number | null;
  lastMessagePreview: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface Attachment {
  id: string;
  /** Set once the attachment is sent with a message. */
  messageId: string | null;
  conversationId: string | null;
  uploaderKind: 'visitor' | 'agent';
  uploaderId: string;
  name: string;
  type: string;
  size: number;
  createdAt: number;
}

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  authorKind: AuthorKind;
  /** Visitor or agent id; null for system messages. */
  authorId: string | null;
  text: string;
  attachments: AttachmentRef[];
  /** Client-generated id that makes a send idempotent; unique per conversation. */
  clientId: string | null;
  channel: Channel;
  createdAt: number;
}

export interface AttachmentRef {
  id: string;
  name: string;
  type: string;
  size: number;
}

export type MessengerStatus = 'pending' | 'active' | 'disconnected';

/** An in-house messenger connected to a site by webhook (the arbitrary messenger channel). */
export interface Messenger {
  id: string;
  siteId: string;
  name: string;
  /** Where Parley POSTs agent replies and the confirmation request. */
  webhookUrl: string;
  /** The confirmation code (the shared secret), sealed with the installation key. */
  secretSealed: string;
  status: MessengerStatus;
  /** A known user without an open conversation: reopen their last one, or start a new one. */
  returning: 'reopen' | 'new';
  /** Whether operators may start a conversation with a known user of this messenger. */
  allowOperatorStart: boolean;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A visitor's identity in another system (a messenger's user id; an email address later). */
export interface ExternalId {
  /** e.g. `messenger:<messenger id>` */
  source: string;
  externalId: string;
  visitorId: string;
}
