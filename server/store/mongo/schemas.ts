// The MongoDB collections: one mongoose schema each, `_id` = our string id, and the
// indexes, unique ones included, that carry the port's idempotency keys. Documents are
// written with camelCase fields that mirror the domain types; mapping.ts reads them back.
import { Schema, type Connection, type Model } from 'mongoose';

/** Every index has an explicit name: duplicate-key errors are mapped back by that name. */
export const INDEX = {
  agentEmail: 'agents_emailLower',
  siteWidgetKey: 'sites_widgetKey',
  conversationOpenKey: 'conversations_openKey',
  messageClientId: 'messages_conversationId_clientKey',
  messageSeq: 'messages_conversationId_seq',
  jobKey: 'outbox_jobs_key',
  messengerWebhookUrl: 'messengers_webhookUrl',
  externalIdKey: 'external_ids_source_externalId',
  inboxAddress: 'inboxes_address',
  mailItemKey: 'mail_items_inboxId_key',
} as const;

/** `value` is the JSON text, as in SQLite: any JSON round-trips, whatever its keys. */
export interface SettingDoc { _id: string; value: string }
export interface SiteDoc {
  _id: string; name: string; widgetKey: string; allowedOrigins: string[];
  appearance: Record<string, unknown>; prechat: Record<string, unknown>; createdAt: number;
}
export interface DepartmentDoc { _id: string; name: string; createdAt: number }
export interface AgentDoc {
  _id: string; email: string;
  /** email.toLowerCase(): the unique key, and what getAgentByEmail looks up. */
  emailLower: string;
  name: string; role: string; passwordHash: string; departments: string[];
  avatarUrl: string | null; status: string; createdAt: number;
}
export interface SessionDoc { _id: string; agentId: string; csrfToken: string; createdAt: number; expiresAt: number }
export interface VisitorDoc {
  _id: string; siteId: string; name: string | null; email: string | null; currentPage: string | null;
  pages: string[]; locale: string | null; userAgent: string | null; avatarUrl?: string | null; createdAt: number; lastSeenAt: number;
}
export interface ConversationDoc {
  _id: string; siteId: string; visitorId: string; status: string;
  /**
   * While open or pending: the visitor id, or 'c:' + _id for an email conversation (see
   * openKeyOf in mapping.ts); absent once closed (the unique index skips it).
   */
  openKey?: string;
  name: string; channel: string; departmentId: string | null; assigneeId: string | null;
  /** Absent on documents written before email piping: reads as null. */
  inboxId?: string | null;
  lastSeq: number; visitorReadSeq: number; agentReadSeq: number;
  lastMessageAt: number | null; lastMessagePreview: string | null; createdAt: number; updatedAt: number;
  /** COALESCE(lastMessageAt, createdAt), stored so the inbox can sort on an index. */
  activityAt: number;
}
export interface MessageDoc {
  _id: string; conversationId: string; seq: number; authorKind: string; authorId: string | null;
  text: string; attachments: { id: string; name: string; type: string; size: number }[];
  clientId: string | null;
  /** The idempotency key behind the unique index: see clientKeyOf in mapping.ts. */
  clientKey: string;
  channel: string; createdAt: number;
  /** A subdocument; null (or absent, on older documents) for messages of other channels. */
  email?: EmailMetaDoc | null;
}
export interface EmailMetaDoc {
  inboxId: string; messageId: string | null; from: string; subject: string; original: string; html: string | null;
}
export interface InboxDoc {
  _id: string; siteId: string; name: string;
  /** Lower-case: the unique key. */
  address: string;
  departmentId: string | null; enabled: boolean;
  /** InboxSettings as a subdocument: its keys are Parley's own, never '$' or dotted. */
  settings: Record<string, unknown>;
  passwordSealed: string; smtpPasswordSealed: string | null;
  status: Record<string, unknown>;
  watermark: Record<string, unknown> | null;
  imported: number; createdAt: number; updatedAt: number;
}
export interface MailItemDoc {
  _id: string; inboxId: string; key: string; kind: string; reason: string; messageId: string | null;
  from: string | null; subject: string | null; size: number; rawBlobId: string; createdAt: number;
}
export interface JobDoc {
  _id: string; kind: string; key: string; queue: string;
  /** JSON text: payloads are opaque to the store and may hold keys MongoDB restricts ('$', '.'). */
  payload: string;
  status: string; attempts: number; nextAttemptAt: number; lastError: string | null;
  lockedBy: string | null; lockedUntil: number; order: number; createdAt: number; updatedAt: number;
}
export interface LeaseDoc { _id: string; holder: string; expiresAt: number }
export interface MessengerDoc {
  _id: string; siteId: string; name: string; webhookUrl: string; secretSealed: string; status: string;
  returning: string; allowOperatorStart: boolean; lastError: string | null; createdAt: number; updatedAt: number;
}
export interface ExternalIdDoc {
  /** A random id: the identity's uniqueness is the (source, externalId) index. */
  _id: string; source: string; externalId: string; visitorId: string;
  /** The visitor's site, copied at link time, so deleteSite reaches the links in one deleteMany. */
  siteId: string;
  /** Creation order (milliseconds * 1000 + a per-process counter), for oldest-first lists. */
  order: number;
}
/** `_id` is the key itself: the primary key settles who records it first. */
export interface RememberedKeyDoc { _id: string; value: string; expiresAt: number }
export interface AttachmentDoc {
  _id: string; messageId: string | null; conversationId: string | null; uploaderKind: string;
  uploaderId: string; name: string; type: string; size: number; createdAt: number;
}

// No `required` on strings: mongoose's required rejects '' (a message may have no text).
// The store always writes every field; mapping.ts defaults what an older document lacks.
const str = { type: String };
const nullableStr = { type: String, default: null };
const num = { type: Number };

function schema<T>(definition: Record<string, unknown>, collection: string): Schema<T> {
  return new Schema<T>(
    { _id: { type: String }, ...definition },
    {
      collection,
      versionKey: false,
      // Empty objects and arrays are data here (appearance, pages): keep them.
      minimize: false,
      // Indexes are created once at open (createIndexes), not behind the first query.
      autoIndex: false,
      autoCreate: false,
      strict: true,
    },
  );
}

const settingSchema = schema<SettingDoc>({ value: str }, 'settings');

const siteSchema = schema<SiteDoc>({
  name: str, widgetKey: str, allowedOrigins: { type: [String], default: undefined },
  appearance: { type: Schema.Types.Mixed }, prechat: { type: Schema.Types.Mixed }, createdAt: num,
}, 'sites');
siteSchema.index({ widgetKey: 1 }, { unique: true, name: INDEX.siteWidgetKey });
siteSchema.index({ createdAt: 1, _id: 1 }, { name: 'sites_created' });

const departmentSchema = schema<DepartmentDoc>({ name: str, createdAt: num }, 'departments');
departmentSchema.index({ createdAt: 1, _id: 1 }, { name: 'departments_created' });

const agentSchema = schema<AgentDoc>({
  email: str, emailLower: str, name: str, role: str, passwordHash: str,
  departments: { type: [String], default: undefined }, avatarUrl: nullableStr, status: str, createdAt: num,
}, 'agents');
agentSchema.index({ emailLower: 1 }, { unique: true, name: INDEX.agentEmail });
agentSchema.index({ departments: 1 }, { name: 'agents_departments' });
agentSchema.index({ createdAt: 1, _id: 1 }, { name: 'agents_created' });

const sessionSchema = schema<SessionDoc>({ agentId: str, csrfToken: str, createdAt: num, expiresAt: num }, 'sessions');
sessionSchema.index({ agentId: 1 }, { name: 'sessions_agent' });
sessionSchema.index({ expiresAt: 1 }, { name: 'sessions_expires' });

const visitorSchema = schema<VisitorDoc>({
  siteId: str, name: nullableStr, email: nullableStr, currentPage: nullableStr,
  pages: { type: [String], default: undefined }, locale: nullableStr, userAgent: nullableStr, avatarUrl: nullableStr,
  createdAt: num, lastSeenAt: num,
}, 'visitors');
visitorSchema.index({ siteId: 1 }, { name: 'visitors_site' });

const conversationSchema = schema<ConversationDoc>({
  siteId: str, visitorId: str, status: str, openKey: str, name: str, channel: str,
  departmentId: nullableStr, assigneeId: nullableStr, inboxId: nullableStr,
  lastSeq: num, visitorReadSeq: num, agentReadSeq: num,
  lastMessageAt: { type: Number, default: null }, lastMessagePreview: nullableStr,
  createdAt: num, updatedAt: num, activityAt: num,
}, 'conversations');
// One live conversation per visitor. Sparse: documents without an openKey (closed ones)
// are not indexed, so any number of them coexist. (Sparse rather than a partial filter:
// FerretDB 1.x does not implement partialFilterExpression.)
conversationSchema.index({ openKey: 1 }, { unique: true, sparse: true, name: INDEX.conversationOpenKey });
// The inbox order, alone and behind the two most selective equality filters.
conversationSchema.index({ activityAt: -1, _id: -1 }, { name: 'conversations_activity' });
conversationSchema.index({ status: 1, activityAt: -1, _id: -1 }, { name: 'conversations_status_activity' });
conversationSchema.index({ visitorId: 1, activityAt: -1, _id: -1 }, { name: 'conversations_visitor_activity' });
// "The sender's latest conversation in this inbox" (and an inbox's conversations).
conversationSchema.index({ inboxId: 1, visitorId: 1, activityAt: -1, _id: -1 }, { name: 'conversations_inbox_visitor_activity' });
conversationSchema.index({ siteId: 1 }, { name: 'conversations_site' });
conversationSchema.index({ departmentId: 1 }, { name: 'conversations_department' });
conversationSchema.index({ assigneeId: 1 }, { name: 'conversations_assignee' });

const attachmentRefSchema = new Schema(
  { id: str, name: str, type: str, size: num },
  { _id: false, versionKey: false },
);

const emailMetaSchema = new Schema(
  { inboxId: str, messageId: nullableStr, from: str, subject: str, original: str, html: nullableStr },
  { _id: false, versionKey: false, minimize: false },
);

const messageSchema = schema<MessageDoc>({
  conversationId: str, seq: num, authorKind: str, authorId: nullableStr, text: str,
  attachments: { type: [attachmentRefSchema], default: undefined }, clientId: nullableStr, clientKey: str,
  channel: str, createdAt: num, email: { type: emailMetaSchema, default: null },
}, 'messages');
// Idempotent sends: a clientId is unique within its conversation. The index is on
// clientKey, which is always set ('c:' + clientId, or 'm:' + the message id when there is
// no clientId), so messages without a clientId never collide and no partial or sparse
// index is needed (a compound sparse index would not skip them; FerretDB 1.x has no
// partial indexes).
messageSchema.index({ conversationId: 1, clientKey: 1 }, { unique: true, name: INDEX.messageClientId });
messageSchema.index({ conversationId: 1, seq: 1 }, { unique: true, name: INDEX.messageSeq });

const attachmentSchema = schema<AttachmentDoc>({
  messageId: nullableStr, conversationId: nullableStr, uploaderKind: str, uploaderId: str,
  name: str, type: str, size: num, createdAt: num,
}, 'attachments');
attachmentSchema.index({ messageId: 1 }, { name: 'attachments_message' });
attachmentSchema.index({ conversationId: 1 }, { name: 'attachments_conversation' });

const jobSchema = schema<JobDoc>({
  kind: str, key: str, queue: str, payload: str, status: str, attempts: num, nextAttemptAt: num,
  lastError: nullableStr, lockedBy: nullableStr, lockedUntil: num, order: num, createdAt: num, updatedAt: num,
}, 'outbox_jobs');
jobSchema.index({ key: 1 }, { unique: true, name: INDEX.jobKey });
// Claiming walks due pending jobs in order, then asks each queue for an older pending job.
jobSchema.index({ status: 1, order: 1 }, { name: 'outbox_jobs_status_order' });
jobSchema.index({ queue: 1, status: 1, order: 1 }, { name: 'outbox_jobs_queue_status_order' });
jobSchema.index({ order: -1 }, { name: 'outbox_jobs_order' });

const leaseSchema = schema<LeaseDoc>({ holder: str, expiresAt: num }, 'leases');

const messengerSchema = schema<MessengerDoc>({
  siteId: str, name: str, webhookUrl: str, secretSealed: str, status: str, returning: str,
  allowOperatorStart: { type: Boolean }, lastError: nullableStr, createdAt: num, updatedAt: num,
}, 'messengers');
// One messenger account serves one live chat: the webhook URL is unique installation-wide.
messengerSchema.index({ webhookUrl: 1 }, { unique: true, name: INDEX.messengerWebhookUrl });
messengerSchema.index({ createdAt: 1, _id: 1 }, { name: 'messengers_created' });
messengerSchema.index({ siteId: 1, createdAt: 1, _id: 1 }, { name: 'messengers_site_created' });

const externalIdSchema = schema<ExternalIdDoc>({
  source: str, externalId: str, visitorId: str, siteId: str, order: num,
}, 'external_ids');
// The identity is bound once: the index settles concurrent links (the loser reads the winner).
externalIdSchema.index({ source: 1, externalId: 1 }, { unique: true, name: INDEX.externalIdKey });
externalIdSchema.index({ visitorId: 1, order: 1 }, { name: 'external_ids_visitor_order' });
externalIdSchema.index({ siteId: 1 }, { name: 'external_ids_site' });

const rememberedKeySchema = schema<RememberedKeyDoc>({ value: str, expiresAt: num }, 'remembered_keys');
// For the periodic purge of expired keys (expiresAt is a number, so no TTL index).
rememberedKeySchema.index({ expiresAt: 1 }, { name: 'remembered_keys_expires' });

const inboxSchema = schema<InboxDoc>({
  siteId: str, name: str, address: str, departmentId: nullableStr, enabled: { type: Boolean },
  settings: { type: Schema.Types.Mixed }, passwordSealed: str, smtpPasswordSealed: nullableStr,
  status: { type: Schema.Types.Mixed }, watermark: { type: Schema.Types.Mixed, default: null },
  imported: num, createdAt: num, updatedAt: num,
}, 'inboxes');
// One inbox per mailbox address, installation-wide (stored lower-case).
inboxSchema.index({ address: 1 }, { unique: true, name: INDEX.inboxAddress });
inboxSchema.index({ createdAt: 1, _id: 1 }, { name: 'inboxes_created' });
inboxSchema.index({ siteId: 1, createdAt: 1, _id: 1 }, { name: 'inboxes_site_created' });
inboxSchema.index({ departmentId: 1 }, { name: 'inboxes_department' });

const mailItemSchema = schema<MailItemDoc>({
  inboxId: str, key: str, kind: str, reason: str, messageId: nullableStr, from: nullableStr, subject: nullableStr,
  size: num, rawBlobId: str, createdAt: num,
}, 'mail_items');
// Adding an item is idempotent on (inbox, key): the index settles retries and races.
mailItemSchema.index({ inboxId: 1, key: 1 }, { unique: true, name: INDEX.mailItemKey });
mailItemSchema.index({ inboxId: 1, kind: 1, createdAt: -1, _id: -1 }, { name: 'mail_items_inbox_kind_created' });

export interface Models {
  settings: Model<SettingDoc>;
  sites: Model<SiteDoc>;
  departments: Model<DepartmentDoc>;
  agents: Model<AgentDoc>;
  sessions: Model<SessionDoc>;
  visitors: Model<VisitorDoc>;
  conversations: Model<ConversationDoc>;
  messages: Model<MessageDoc>;
  attachments: Model<AttachmentDoc>;
  jobs: Model<JobDoc>;
  leases: Model<LeaseDoc>;
  messengers: Model<MessengerDoc>;
  externalIds: Model<ExternalIdDoc>;
  rememberedKeys: Model<RememberedKeyDoc>;
  inboxes: Model<InboxDoc>;
  mailItems: Model<MailItemDoc>;
}

/** Registers the models on `conn` (never on mongoose's global default connection). */
export function defineModels(conn: Connection): Models {
  return {
    settings: conn.model<SettingDoc>('Setting', settingSchema),
    sites: conn.model<SiteDoc>('Site', siteSchema),
    departments: conn.model<DepartmentDoc>('Department', departmentSchema),
    agents: conn.model<AgentDoc>('Agent', agentSchema),
    sessions: conn.model<SessionDoc>('Session', sessionSchema),
    visitors: conn.model<VisitorDoc>('Visitor', visitorSchema),
    conversations: conn.model<ConversationDoc>('Conversation', conversationSchema),
    messages: conn.model<MessageDoc>('Message', messageSchema),
    attachments: conn.model<AttachmentDoc>('Attachment', attachmentSchema),
    jobs: conn.model<JobDoc>('OutboxJob', jobSchema),
    leases: conn.model<LeaseDoc>('Lease', leaseSchema),
    messengers: conn.model<MessengerDoc>('Messenger', messengerSchema),
    externalIds: conn.model<ExternalIdDoc>('ExternalId', externalIdSchema),
    rememberedKeys: conn.model<RememberedKeyDoc>('RememberedKey', rememberedKeySchema),
    inboxes: conn.model<InboxDoc>('Inbox', inboxSchema),
    mailItems: conn.model<MailItemDoc>('MailItem', mailItemSchema),
  };
}

/**
 * Creates every collection's indexes. createIndexes only adds what is missing, so opening
 * is idempotent and safe while other nodes run; unlike syncIndexes it never drops an
 * index, so a node running an older Parley cannot remove a newer node's indexes.
 */
export async function ensureIndexes(models: Models): Promise<void> {
  // Sequential: the count is small and parallel DDL on one database gains nothing.
  for (const model of Object.values(models) as Model<unknown>[]) {
    // Explicitly, so collections without secondary indexes (settings, leases) exist too.
    await model.createCollection().catch(ignoreAlreadyExists);
    await model.createIndexes();
  }
}

function ignoreAlreadyExists(err: unknown): void {
  // 48 NamespaceExists: an earlier open, or another node, created it first.
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 48 && !/already exists/i.test(String(e?.message))) throw err;
}

