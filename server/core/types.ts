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
  /**
   * The mailbox an email conversation came through (replies go out through it). Email
   * conversations are threads: a sender may have several live at once, so only
   * conversations without an inbox are held to one open conversation per visitor.
   */
  inboxId: string | null;
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
  /** What an email carried beyond the chat text; null for messages of other channels. */
  email: EmailMeta | null;
  createdAt: number;
}

/** The email behind a message that came (or went) by mail. */
export interface EmailMeta {
  inboxId: string;
  /** RFC 5322 Message-ID without angle brackets. */
  messageId: string | null;
  /** `Name <address>` of the sender. */
  from: string;
  subject: string;
  /** The whole text as received, quotes and signature included ("show quoted text"). */
  original: string;
  /** The email's HTML part, sanitized, when it had one. */
  html: string | null;
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

export type MailProtocol = 'imap' | 'pop3';
export type MailSecurity = 'tls' | 'starttls' | 'none';
export type MailPreset = 'gmail' | 'google-workspace' | 'yahoo' | 'outlook' | 'office365' | 'icloud' | 'zoho' | 'yandex' | 'other';

export interface MailServer {
  host: string;
  port: number;
  security: MailSecurity;
  /** Accept self-signed or otherwise invalid certificates (off by default: it allows interception). */
  allowInvalidCert: boolean;
  username: string;
}

/** A header filter: mail whose `header` matches `pattern` is not imported. */
export interface HeaderFilter {
  /** Header name, case-insensitive (e.g. `X-Spam-Flag`). */
  header: string;
  /** Case-insensitive substring, or a regular expression written as `/.../`. Empty: the header is present. */
  pattern: string;
}

/** Who the inbox emails, and when (the outbound email channel). */
export interface OutboundSettings {
  /** Email agents who are offline about visitors' messages (scoped to department or assignee). */
  notifyAgents: boolean;
  /** Email visitors who left an address the agents' replies they were not connected to see. */
  notifyVisitors: boolean;
  /** A burst of visitor messages within this many seconds becomes one email per agent and conversation. */
  debounceSeconds: number;
}

/** A message body template: HTML with `{{ variable }}` placeholders (escaped), sanitized after rendering. */
export interface MailTemplate {
  html: string;
}

export interface MailTemplates {
  /** To an offline agent: the visitor's new messages. */
  agentNotification: MailTemplate;
  /** To a visitor: an agent's reply (email conversations, or a visitor who has left the site). */
  visitorReply: MailTemplate;
}

export interface MailBranding {
  /** An https (or data:) URL of a logo shown above the message; null for none. */
  logoUrl: string | null;
  /** Accent colour, `#rrggbb`. */
  color: string;
  /** Plain text closing every email (new lines kept); empty for none. */
  signature: string;
}

export interface InboxSettings {
  preset: MailPreset;
  protocol: MailProtocol;
  incoming: MailServer & {
    /** IMAP folder to read (INBOX by default); ignored for POP3. */
    folder: string;
    connectionTimeoutMs: number;
    authTimeoutMs: number;
  };
  /** SMTP for replies and notifications (the outbound email channel). */
  outgoing: MailServer | null;
  /** Every email that threads nowhere becomes a new conversation (otherwise it is set aside). */
  convertAll: boolean;
  /** A returning sender's email continues their latest conversation of this inbox (a closed one reopens). */
  reopen: boolean;
  /** Our emails carry a "reply above this line" delimiter, and replies are cut at it. */
  delimiter: boolean;
  /** The mailbox delivers `address+token@domain` (subaddressing), so Reply-To may carry the token. */
  plusAddressing: boolean;
  /** IMAP: leave (read with BODY.PEEK), mark read, or move to `moveTo`. POP3: leave or delete. */
  afterImport: 'leave' | 'read' | 'move' | 'delete';
  moveTo: string | null;
  headerFilters: HeaderFilter[];
  /** IMAP: wait for new mail with IDLE when the server offers it (off: poll every pollSeconds). */
  idle: boolean;
  /** Polling interval when IDLE is off or missing, and for POP3. */
  pollSeconds: number;
  /**
   * The authserv-id of the Authentication-Results header the mailbox provider adds (e.g.
   * `mx.google.com`). Only that header is trusted to vouch for an agent's reply by email;
   * the presets fill it in. Null: agents' replies need the signed agent tag or a DKIM
   * signature Parley verifies itself.
   */
  trustedAuthServId: string | null;
  /** Failed connection attempts in a row before the inbox is put in Error. */
  maxAttempts: number;
  /**
   * Outbound email. Optional because inboxes stored before the outbound channel lack them:
   * read them through mailSettingsOf() (server/channels/email/defaults.ts), which fills the defaults.
   */
  outbound?: OutboundSettings;
  templates?: MailTemplates;
  branding?: MailBranding;
}

export type InboxState = 'active' | 'interrupted' | 'error' | 'disabled';

export interface InboxStatus {
  state: InboxState;
  lastError: string | null;
  /** Failed connection attempts in a row. */
  attempts: number;
  lastSyncAt: number | null;
}

/** Where reading an IMAP folder got to: mail above lastUid is new, while uidValidity holds. */
export interface MailWatermark {
  folder: string;
  uidValidity: string;
  lastUid: number;
}

/** A support mailbox piped into a site's live chat. */
export interface Inbox {
  id: string;
  siteId: string;
  name: string;
  /** The mailbox's address, lower-case; one inbox per address. */
  address: string;
  /** New conversations go to this department. */
  departmentId: string | null;
  enabled: boolean;
  settings: InboxSettings;
  /** Mailbox and SMTP passwords, sealed with the installation key; never sent to a browser. */
  passwordSealed: string;
  smtpPasswordSealed: string | null;
  status: InboxStatus;
  watermark: MailWatermark | null;
  /** Emails turned into messages so far. */
  imported: number;
  createdAt: number;
  updatedAt: number;
}

export type MailItemKind = 'set-aside' | 'quarantined';

/**
 * An email that did not become a message: set aside (nothing to thread it to with
 * "convert all" off) or quarantined (could not be parsed or handled). The raw email is
 * kept as a blob, so an admin can still import it or discard it.
 */
export interface MailItem {
  id: string;
  inboxId: string;
  /** Idempotency key, unique per inbox (the Message-ID, or the UID/UIDL when there is none). */
  key: string;
  kind: MailItemKind;
  reason: string;
  messageId: string | null;
  from: string | null;
  subject: string | null;
  size: number;
  /** Blob id of the raw email. */
  rawBlobId: string;
  createdAt: number;
}
