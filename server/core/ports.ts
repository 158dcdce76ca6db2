// The interfaces the core needs from the outside world. Adapters live in
// server/store, server/channels and server/transport; the core imports none of them.
import type {
  Agent, Attachment, Channel, Conversation, ConversationStatus, Department, EmailMeta, ExternalId,
  Inbox, InboxStatus, MailItem, MailItemKind, MailWatermark, Message, Messenger, PresenceStatus, Session, Site, Visitor,
} from './types';

/** Thrown by a Store when a unique key (agent email, site key, ...) is taken. */
export class DuplicateKeyError extends Error {
  constructor(readonly key: string) {
    super(`duplicate key: ${key}`);
    this.name = 'DuplicateKeyError';
  }
}

export type NewSite = Omit<Site, 'createdAt'>;
export type SitePatch = Partial<Pick<Site, 'name' | 'allowedOrigins' | 'appearance' | 'prechat'>>;
export type NewAgent = Omit<Agent, 'createdAt'>;
export type AgentPatch = Partial<Pick<Agent, 'email' | 'name' | 'role' | 'passwordHash' | 'departments' | 'avatarUrl' | 'status'>>;
export type NewVisitor = Omit<Visitor, 'createdAt' | 'lastSeenAt'>;
export type VisitorPatch = Partial<Pick<Visitor, 'name' | 'email' | 'currentPage' | 'pages' | 'locale' | 'userAgent' | 'avatarUrl' | 'lastSeenAt'>>;

export interface NewConversation {
  id: string;
  siteId: string;
  visitorId: string;
  name: string;
  channel: Channel;
  departmentId: string | null;
  status?: ConversationStatus;
  /** Email conversations: not held to one open conversation per visitor (see Conversation.inboxId). */
  inboxId?: string | null;
}
export type ConversationPatch = Partial<Pick<Conversation, 'status' | 'name' | 'departmentId' | 'assigneeId'>>;

export interface ConversationFilter {
  status?: ConversationStatus;
  channel?: Channel;
  /** A department id, or null for conversations without one. */
  departmentId?: string | null;
  assigneeId?: string | null;
  siteId?: string;
  visitorId?: string;
  inboxId?: string;
  /**
   * Restrict to what a non-admin agent may see: conversations of these departments,
   * without a department, or assigned to `assigneeOrSelf`.
   */
  visibleTo?: { departments: string[]; agentId: string };
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Null when there is none. */
  nextCursor: string | null;
}

/** A message before the store gives it its sequence number. */
export type NewMessage = Omit<Message, 'seq' | 'email'> & { email?: Message['email'] };

export type NewMessenger = Omit<Messenger, 'createdAt' | 'updatedAt'>;
export type MessengerPatch = Partial<Pick<Messenger, 'name' | 'webhookUrl' | 'secretSealed' | 'status' | 'returning' | 'allowOperatorStart' | 'lastError'>>;
/** The ExternalId source of a messenger's users; deleting the messenger removes these links. */
export const messengerSource = (messengerId: string): string => `messenger:${messengerId}`;

export type NewInbox = Omit<Inbox, 'createdAt' | 'updatedAt' | 'imported' | 'watermark'>;
export type InboxPatch = Partial<Pick<Inbox, 'name' | 'address' | 'departmentId' | 'enabled' | 'settings' | 'passwordSealed' | 'smtpPasswordSealed'>>;
/** The ExternalId source of email senders of a site: the external id is the lower-case address. */
export const emailSource = (siteId: string): string => `email:${siteId}`;

export type JobStatus = 'pending' | 'sent' | 'dead';

/**
 * One delivery to the outside world (an email, a webhook call) in the durable outbox.
 * Retried with backoff until sent or dead; never lost across restarts.
 */
export interface OutboxJob {
  id: string;
  /** Which deliverer sends it ('http' for webhooks; 'email' later). */
  kind: string;
  /** Idempotency key: enqueueing the same key again stores nothing new. Receivers get it too. */
  key: string;
  /** Jobs of one queue go out one at a time, in order (e.g. one messenger's webhook). */
  queue: string;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  /** The worker that claimed it and until when; a claim past lockedUntil may be taken over. */
  lockedBy: string | null;
  lockedUntil: number;
  /** Creation order within the cluster: milliseconds * 1000 + a per-process counter. */
  order: number;
  createdAt: number;
  updatedAt: number;
}

export type NewOutboxJob = Pick<OutboxJob, 'id' | 'kind' | 'key' | 'queue' | 'payload' | 'order' | 'createdAt'> & { nextAttemptAt?: number };

/**
 * The persistence port. Every adapter must pass test/store/contract.ts.
 *
 * Semantics that must hold without multi-document transactions (MongoDB adapter):
 * - writes keyed by a unique key are idempotent (agent email, site widget key,
 *   conversation + message client id, one open conversation per visitor key);
 * - counters (message sequence, read marks) are single-document atomic updates;
 * - every method is safe to retry after a crash at any point.
 */
export interface Store {
  readonly kind: 'sqlite' | 'mongo';
  close(): Promise<void>;

  /**
   * A unit of work: groups the writes made while `fn` runs (by fn and whatever it calls)
   * into as few commits as the adapter can, and commits them before it resolves. Not a
   * transaction for correctness: every write stays idempotent and safe to retry, writes
   * made before fn throws are kept, not rolled back, and a crash inside loses only writes
   * the caller has not acknowledged yet (a mail reader advances its watermark after the
   * batch returns). Rejects when some of fn's writes could not be committed. Writes made
   * meanwhile by others (an HTTP request, a widget message) are unaffected: committed
   * before they are answered, as always. Batches nest (the inner one joins the outer).
   */
  batch<T>(fn: () => Promise<T>): Promise<T>;

  /** Small key/value settings (e.g. the installation's secret key metadata). */
  getSetting<T>(key: string): Promise<T | null>;
  setSetting<T>(key: string, value: T): Promise<void>;

  createSite(site: NewSite): Promise<Site>;
  getSite(id: string): Promise<Site | null>;
  getSiteByKey(widgetKey: string): Promise<Site | null>;
  listSites(): Promise<Site[]>;
  updateSite(id: string, patch: SitePatch): Promise<Site | null>;
  /**
   * Also deletes the site's visitors, conversations, messages, messengers, inboxes and mail
   * items. The mail items' raw blobs are not reported: delete the inboxes first
   * (deleteInbox) to collect them.
   */
  deleteSite(id: string): Promise<boolean>;

  createDepartment(dep: Omit<Department, 'createdAt'>): Promise<Department>;
  getDepartment(id: string): Promise<Department | null>;
  listDepartments(): Promise<Department[]>;
  updateDepartment(id: string, patch: { name: string }): Promise<Department | null>;
  /** Also removes the department from agents, conversations and inboxes that reference it. */
  deleteDepartment(id: string): Promise<boolean>;

  /** Throws DuplicateKeyError('agent.email') when the (case-insensitive) email is taken. */
  createAgent(agent: NewAgent): Promise<Agent>;
  getAgent(id: string): Promise<Agent | null>;
  getAgentByEmail(email: string): Promise<Agent | null>;
  listAgents(): Promise<Agent[]>;
  countAgents(): Promise<number>;
  updateAgent(id: string, patch: AgentPatch): Promise<Agent | null>;
  deleteAgent(id: string): Promise<boolean>;

  createSession(session: Session): Promise<void>;
  getSession(id: string): Promise<Session | null>;
  deleteSession(id: string): Promise<void>;
  deleteSessionsOfAgent(agentId: string): Promise<void>;
  deleteExpiredSessions(now: number): Promise<number>;

  createVisitor(visitor: NewVisitor): Promise<Visitor>;
  getVisitor(id: string): Promise<Visitor | null>;
  updateVisitor(id: string, patch: VisitorPatch): Promise<Visitor | null>;

  createConversation(conv: NewConversation): Promise<Conversation>;
  /**
   * The visitor's open or pending conversation without an inbox, created from `init` when
   * there is none. Two concurrent calls for one visitor return the same conversation (a
   * unique "open key" per visitor, cleared when the conversation closes). Throws for an
   * `init` with an inboxId: email conversations are made with createConversation.
   */
  getOrCreateOpenConversation(visitorId: string, init: NewConversation): Promise<{ conversation: Conversation; created: boolean }>;
  getConversation(id: string): Promise<Conversation | null>;
  /**
   * Closing clears the open key; reopening a conversation without an inbox fails (returns
   * null) if the visitor already has another open one. Email conversations always reopen.
   */
  updateConversation(id: string, patch: ConversationPatch, now: number): Promise<Conversation | null>;
  /**
   * Newest activity first (lastMessageAt, then createdAt). `{ inboxId, visitorId }` with
   * limit 1 is "the sender's latest conversation in this inbox", closed ones included.
   */
  listConversations(filter: ConversationFilter, limit: number, cursor?: string | null): Promise<Page<Conversation>>;
  /** Raises the read mark to `seq` (never lowers it). */
  markRead(conversationId: string, by: 'visitor' | 'agent', seq: number): Promise<Conversation | null>;

  /**
   * Appends a message with the next sequence number of its conversation and updates the
   * conversation's lastMessageAt/preview. Idempotent on (conversationId, clientId): a
   * repeated clientId returns the stored message with created = false.
   * Returns null when the conversation does not exist.
   */
  appendMessage(msg: NewMessage): Promise<{ message: Message; created: boolean } | null>;
  getMessage(id: string): Promise<Message | null>;
  /**
   * Records the email a message went out in (its Message-ID, subject, ...): the outbound
   * mailer calls it once the email is sent. Replaces any earlier value; null when there is no
   * such message.
   */
  setMessageEmail(id: string, email: EmailMeta): Promise<Message | null>;
  /** Ascending by seq. `afterSeq` for catch-up, `beforeSeq` for paging back. */
  listMessages(conversationId: string, opts: { afterSeq?: number; beforeSeq?: number; limit: number }): Promise<Message[]>;

  createAttachment(att: Attachment): Promise<Attachment>;
  getAttachment(id: string): Promise<Attachment | null>;
  /** Links unlinked attachments to a message; returns how many were linked. */
  linkAttachments(ids: string[], messageId: string, conversationId: string): Promise<number>;

  /** Throws DuplicateKeyError('messenger.webhookUrl'): one messenger account serves one live chat. */
  createMessenger(m: NewMessenger, now: number): Promise<Messenger>;
  getMessenger(id: string): Promise<Messenger | null>;
  /** Oldest first; all sites when siteId is omitted. */
  listMessengers(siteId?: string): Promise<Messenger[]>;
  /** Throws DuplicateKeyError('messenger.webhookUrl') like create. */
  updateMessenger(id: string, patch: MessengerPatch, now: number): Promise<Messenger | null>;
  /** Also removes the messenger's external ids (its users' visitors and conversations stay). */
  deleteMessenger(id: string): Promise<boolean>;

  /**
   * Binds an external identity to a visitor, unless that identity is already bound:
   * returns the visitor id it is bound to (created = false when it was already).
   * Unique on (source, externalId); safe to race.
   */
  linkExternalId(link: ExternalId): Promise<{ visitorId: string; created: boolean }>;
  findExternalId(source: string, externalId: string): Promise<ExternalId | null>;
  /** A visitor's identities elsewhere, oldest first. */
  externalIdsOfVisitor(visitorId: string): Promise<ExternalId[]>;

  /**
   * Records `key` until `expiresAt` unless a live (unexpired) record of it exists: the
   * basis of replay protection and inbound idempotency. Returns created = true for the
   * first live record, and the stored value either way. An expired record is replaced.
   */
  rememberKey(key: string, value: string, now: number, expiresAt: number): Promise<{ created: boolean; value: string }>;

  /** Idempotent on `key`: a second enqueue returns the stored job with created = false. */
  enqueueJob(job: NewOutboxJob): Promise<{ job: OutboxJob; created: boolean }>;
  /**
   * Claims up to `limit` jobs for `worker` until now + lockMs: pending, due
   * (nextAttemptAt <= now), not locked by a live claim, and each the oldest pending job
   * of its queue (a job waiting for a retry holds back the rest of its queue, so a queue
   * is delivered in order). Each claim is a single-document conditional update: two
   * workers never both get a job. Returned in `order`.
   */
  claimJobs(worker: string, now: number, lockMs: number, limit: number): Promise<OutboxJob[]>;
  /** Marks a claimed job sent; false when `worker` no longer holds the claim. */
  completeJob(id: string, worker: string, now: number): Promise<boolean>;
  /** Records a failed attempt: retry at `retryAt`, or dead when retryAt is null. False when the claim was lost. */
  failJob(id: string, worker: string, now: number, outcome: { error: string; retryAt: number | null }): Promise<boolean>;
  getJob(id: string): Promise<OutboxJob | null>;
  /** Newest first. */
  listJobs(filter: { status?: JobStatus; queue?: string; kind?: string }, limit: number): Promise<OutboxJob[]>;
  /** A dead job goes back to pending, due now, with its attempts reset. Null unless it was dead. */
  retryJob(id: string, now: number): Promise<OutboxJob | null>;

  /** Throws DuplicateKeyError('inbox.address') when another inbox has the (lower-case) address. */
  createInbox(inbox: NewInbox, now: number): Promise<Inbox>;
  getInbox(id: string): Promise<Inbox | null>;
  /** Oldest first; all sites when siteId is omitted. */
  listInboxes(siteId?: string): Promise<Inbox[]>;
  /** Throws DuplicateKeyError('inbox.address') like create. */
  updateInbox(id: string, patch: InboxPatch, now: number): Promise<Inbox | null>;
  /** Replaces the status (a single-document update; status writes never touch settings). */
  setInboxStatus(id: string, status: InboxStatus, now: number): Promise<Inbox | null>;
  /** Replaces the watermark (null: start over). */
  setInboxWatermark(id: string, watermark: MailWatermark | null, now: number): Promise<Inbox | null>;
  /** Adds n to the imported counter (an atomic increment). */
  countImported(id: string, n: number, now: number): Promise<void>;
  /**
   * Also deletes its mail items; returns their raw blob ids so the caller can delete the
   * blobs. Its conversations stay, inboxId included. A retry after a crash returns the
   * blob ids of whatever items were left (with deleted = false).
   */
  deleteInbox(id: string): Promise<{ deleted: boolean; rawBlobIds: string[] }>;

  /**
   * Idempotent on (inboxId, key): a second add returns the stored item with created = false.
   * Throws when the inbox does not exist (or is deleted while the item goes in).
   */
  addMailItem(item: MailItem): Promise<{ item: MailItem; created: boolean }>;
  getMailItem(id: string): Promise<MailItem | null>;
  /** Newest first (createdAt, then id), paged like listConversations. */
  listMailItems(inboxId: string, kind: MailItemKind, limit: number, cursor?: string | null): Promise<Page<MailItem>>;
  countMailItems(inboxId: string): Promise<Record<MailItemKind, number>>;
  deleteMailItem(id: string): Promise<boolean>;

  /**
   * Which of `keys` have a live rememberKey record at `now` (expiresAt > now): POP3 UIDLs
   * already imported, ... One query (or a few for thousands of keys), never one per key.
   */
  knownKeys(keys: string[], now: number): Promise<Set<string>>;

  /**
   * Takes the named lease for `holder` until now + ttlMs when it is free, expired, or
   * already held by `holder` (renewal). A single-document atomic update; true when held.
   */
  acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once (a clean shutdown), only if `holder` holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Who holds the lease now, if anyone (for status pages and tests). */
  leaseHolder(name: string, now: number): Promise<string | null>;
}

/**
 * Where attachment bytes live: files under DATA_DIR by default, GridFS with MongoDB, so
 * every node of a cluster can serve every attachment.
 */
export interface BlobStore {
  /** Moves a file already on disk (e.g. an upload's temp file) into the store. */
  putFile(id: string, path: string): Promise<void>;
  put(id: string, data: Buffer): Promise<void>;
  /** The bytes, or null when there is no such blob. */
  open(id: string): Promise<NodeJS.ReadableStream | null>;
  delete(id: string): Promise<void>;
}

export interface Clock {
  now(): number;
}

/**
 * Live connections per key ('agent:ID', 'visitor:ID'). The in-process registry serves
 * one node; a cluster-wide one (Redis) replaces it when several nodes share the load.
 */
export interface PresenceRegistry {
  /** Returns true when this was the key's first live connection. */
  connected(key: string, connectionId: string): Promise<boolean>;
  /** Returns true when this was the key's last live connection. */
  disconnected(key: string, connectionId: string): Promise<boolean>;
  isConnected(key: string): Promise<boolean>;
}

export function effectivePresence(status: PresenceStatus, connected: boolean): PresenceStatus {
  return connected ? status : 'offline';
}

/** The PresenceRegistry keys of an agent's and a visitor's connections. */
export const agentKey = (id: string): string => `agent:${id}`;
export const visitorKey = (id: string): string => `visitor:${id}`;

/** An agent's effective presence: the chosen status while connected, offline otherwise. */
export async function presenceOf(presence: PresenceRegistry, agent: { id: string; status: PresenceStatus }): Promise<PresenceStatus> {
  return effectivePresence(agent.status, await presence.isConnected(agentKey(agent.id)));
}
