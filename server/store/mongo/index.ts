// The MongoDB adapter of the Store port (mongoose on its own connection). There are no
// multi-document transactions: every write is one single-document operation, keyed by a
// unique index where it must be idempotent, and every multi-step method (cascading
// deletes, appendMessage, getOrCreateOpenConversation) is ordered so that a crash between
// steps leaves a state the same call, retried, completes.
//
// Needs MongoDB 5+ semantics: single-document updates are atomic. Uses nothing FerretDB
// 1.x lacks (pipeline updates, partial indexes, findAndModify projections, '$'/'.' keys,
// transactions), so it runs there too, but FerretDB 1.x applies an update as read, modify,
// write back: $inc and conditional filters are not atomic against a concurrent writer of
// the same document. Fine for tests that run calls one at a time; not for production.
import mongoose, { type Connection } from 'mongoose';
import type {
  AgentPatch, ConversationFilter, ConversationPatch, InboxPatch, JobStatus, NewAgent, NewConversation, NewInbox, NewMessage,
  NewOutboxJob, NewSite, NewVisitor, Page, SitePatch, Store, VisitorPatch, MessengerPatch, NewMessenger,
} from '../../core/ports';
import type {
  Agent, Attachment, Conversation, Department, EmailMeta, ExternalId, Inbox, InboxStatus, MailItem, MailItemKind, MailWatermark,
  Message, Messenger, Session, Site, Visitor,
} from '../../core/types';
import { MongoChannels } from './channels';
import { Conversations } from './conversations';
import { isDuplicateKey, mapDuplicate } from './errors';
import { MongoInboxes } from './inboxes';
import {
  agentDoc, definedFields, sessionDoc, siteDoc, toAgent, toDepartment, toSession, toSite, toVisitor, visitorDoc,
} from './mapping';
import { Messages } from './messages';
import { MongoOutbox } from './outbox';
import {
  defineModels, ensureIndexes, type AgentDoc, type DepartmentDoc, type Models, type SessionDoc, type SettingDoc,
  type SiteDoc, type VisitorDoc,
} from './schemas';

export interface MongoStoreOptions {
  /** Database name; overrides the one in the URI path. */
  dbName?: string;
}

/** Connects, creates the collections and indexes (idempotent), and returns the store. */
export async function openMongoStore(uri: string, opts: MongoStoreOptions = {}): Promise<MongoStore> {
  const conn = mongoose.createConnection(uri, {
    ...(opts.dbName ? { dbName: opts.dbName } : {}),
    autoIndex: false,
    autoCreate: false,
    // Fail a call at once while disconnected instead of queueing it behind the reconnect.
    bufferCommands: false,
    serverSelectionTimeoutMS: 10_000,
  });
  try {
    await conn.asPromise();
    const models = defineModels(conn);
    await ensureIndexes(models);
    return new MongoStore(conn, models);
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw err;
  }
}

export class MongoStore implements Store {
  readonly kind = 'mongo' as const;
  private readonly conversations: Conversations;
  private readonly messages: Messages;
  private readonly outbox: MongoOutbox;
  private readonly channels: MongoChannels;
  private readonly inboxes: MongoInboxes;

  /** The connection is public for tests and operations (listing indexes, dropping a test database). */
  constructor(readonly connection: Connection, private readonly m: Models) {
    this.conversations = new Conversations(m);
    this.messages = new Messages(m);
    this.outbox = new MongoOutbox(m);
    this.channels = new MongoChannels(m);
    this.inboxes = new MongoInboxes(m);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Runs fn as is: every write here is its own acknowledged single-document operation already. */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  // --- settings (stored as JSON text, so any value round-trips as it does in SQLite) ---

  async getSetting<T>(key: string): Promise<T | null> {
    const doc = await this.m.settings.findById(key).lean<SettingDoc>();
    return doc ? (JSON.parse(doc.value) as T) : null;
  }

  async setSetting<T>(key: string, value: T): Promise<void> {
    const write = () => this.m.settings.updateOne({ _id: key }, { $set: { value: JSON.stringify(value ?? null) } }, { upsert: true });
    try {
      await write();
    } catch (err) {
      // Two first writes of one key raced and this upsert's insert lost: now it updates.
      if (!isDuplicateKey(err)) throw err;
      await write();
    }
  }

  // --- sites ---

  async createSite(site: NewSite): Promise<Site> {
    const created: Site = { ...site, createdAt: Date.now() };
    await mapDuplicate('site', () => this.m.sites.insertOne(siteDoc(created)), [
      ['site.widgetKey', async () => !!(await this.m.sites.exists({ widgetKey: created.widgetKey }))],
    ]);
    return created;
  }

  async getSite(id: string): Promise<Site | null> {
    const doc = await this.m.sites.findById(id).lean<SiteDoc>();
    return doc ? toSite(doc) : null;
  }

  async getSiteByKey(widgetKey: string): Promise<Site | null> {
    const doc = await this.m.sites.findOne({ widgetKey }).lean<SiteDoc>();
    return doc ? toSite(doc) : null;
  }

  async listSites(): Promise<Site[]> {
    return (await this.m.sites.find().sort({ createdAt: 1, _id: 1 }).lean<SiteDoc[]>()).map(toSite);
  }

  async updateSite(id: string, patch: SitePatch): Promise<Site | null> {
    return this.patch(this.m.sites, id, definedFields(patch), toSite);
  }

  /**
   * Several single-collection deletes, children first and the site last: a crash half-way
   * leaves the site in place, and deleting it again finishes the job.
   */
  async deleteSite(id: string): Promise<boolean> {
    // External ids of the site's visitors and messengers, then the messengers; the inboxes
    // and their mail items.
    await this.channels.deleteOfSite(id);
    await this.inboxes.deleteOfSite(id);
    const conversationIds = (await this.m.conversations.distinct('_id', { siteId: id })) as string[];
    if (conversationIds.length) {
      await this.m.attachments.deleteMany({ conversationId: { $in: conversationIds } });
      await this.m.messages.deleteMany({ conversationId: { $in: conversationIds } });
    }
    await this.m.conversations.deleteMany({ siteId: id });
    await this.m.visitors.deleteMany({ siteId: id });
    return (await this.m.sites.deleteOne({ _id: id })).deletedCount > 0;
  }

  // --- departments ---

  async createDepartment(dep: Omit<Department, 'createdAt'>): Promise<Department> {
    const created: Department = { ...dep, createdAt: Date.now() };
    await mapDuplicate('department', () => this.m.departments.insertOne({ _id: created.id, name: created.name, createdAt: created.createdAt }));
    return created;
  }

  async getDepartment(id: string): Promise<Department | null> {
    const doc = await this.m.departments.findById(id).lean<DepartmentDoc>();
    return doc ? toDepartment(doc) : null;
  }

  async listDepartments(): Promise<Department[]> {
    return (await this.m.departments.find().sort({ createdAt: 1, _id: 1 }).lean<DepartmentDoc[]>()).map(toDepartment);
  }

  async updateDepartment(id: string, patch: { name: string }): Promise<Department | null> {
    return this.patch(this.m.departments, id, { name: patch.name }, toDepartment);
  }

  /** References first, the department last: retrying after a crash finishes the cleanup. */
  async deleteDepartment(id: string): Promise<boolean> {
    await this.m.agents.updateMany({ departments: id }, { $pull: { departments: id } });
    await this.m.conversations.updateMany({ departmentId: id }, { $set: { departmentId: null } });
    await this.m.inboxes.updateMany({ departmentId: id }, { $set: { departmentId: null } });
    return (await this.m.departments.deleteOne({ _id: id })).deletedCount > 0;
  }

  // --- agents ---

  /** Throws DuplicateKeyError('agent.email') when the (case-insensitive) email is taken. */
  async createAgent(agent: NewAgent): Promise<Agent> {
    const created: Agent = { ...agent, createdAt: Date.now() };
    const doc = agentDoc(created);
    await mapDuplicate('agent', () => this.m.agents.insertOne(doc), [
      ['agent.email', async () => !!(await this.m.agents.exists({ emailLower: doc.emailLower }))],
    ]);
    return created;
  }

  async getAgent(id: string): Promise<Agent | null> {
    const doc = await this.m.agents.findById(id).lean<AgentDoc>();
    return doc ? toAgent(doc) : null;
  }

  async getAgentByEmail(email: string): Promise<Agent | null> {
    const doc = await this.m.agents.findOne({ emailLower: email.toLowerCase() }).lean<AgentDoc>();
    return doc ? toAgent(doc) : null;
  }

  async listAgents(): Promise<Agent[]> {
    return (await this.m.agents.find().sort({ createdAt: 1, _id: 1 }).lean<AgentDoc[]>()).map(toAgent);
  }

  async countAgents(): Promise<number> {
    return this.m.agents.countDocuments();
  }

  /** Throws DuplicateKeyError('agent.email') when the new email belongs to another agent. */
  async updateAgent(id: string, patch: AgentPatch): Promise<Agent | null> {
    const set: Record<string, unknown> = definedFields(patch);
    if (patch.email !== undefined) set.emailLower = patch.email.toLowerCase();
    // The email is the only unique key an update can collide on.
    return mapDuplicate('agent', () => this.patch(this.m.agents, id, set, toAgent), [['agent.email', async () => true]]);
  }

  /** Sessions and assignments first, the agent last, so a retry completes a crashed delete. */
  async deleteAgent(id: string): Promise<boolean> {
    await this.m.sessions.deleteMany({ agentId: id });
    await this.m.conversations.updateMany({ assigneeId: id }, { $set: { assigneeId: null } });
    return (await this.m.agents.deleteOne({ _id: id })).deletedCount > 0;
  }

  // --- sessions ---

  async createSession(session: Session): Promise<void> {
    await mapDuplicate('session', () => this.m.sessions.insertOne(sessionDoc(session)));
  }

  async getSession(id: string): Promise<Session | null> {
    const doc = await this.m.sessions.findById(id).lean<SessionDoc>();
    return doc ? toSession(doc) : null;
  }

  async deleteSession(id: string): Promise<void> {
    await this.m.sessions.deleteOne({ _id: id });
  }

  async deleteSessionsOfAgent(agentId: string): Promise<void> {
    await this.m.sessions.deleteMany({ agentId });
  }

  /** A session is expired from its expiresAt on, the same rule the core applies at sign-in. */
  async deleteExpiredSessions(now: number): Promise<number> {
    return (await this.m.sessions.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }

  // --- visitors ---

  async createVisitor(visitor: NewVisitor): Promise<Visitor> {
    const now = Date.now();
    const created: Visitor = { ...visitor, createdAt: now, lastSeenAt: now };
    await mapDuplicate('visitor', () => this.m.visitors.insertOne(visitorDoc(created)));
    return created;
  }

  async getVisitor(id: string): Promise<Visitor | null> {
    const doc = await this.m.visitors.findById(id).lean<VisitorDoc>();
    return doc ? toVisitor(doc) : null;
  }

  async updateVisitor(id: string, patch: VisitorPatch): Promise<Visitor | null> {
    return this.patch(this.m.visitors, id, definedFields(patch), toVisitor);
  }

  /** `$set` of the given fields in one findOneAndUpdate; an empty patch is a plain read. */
  private async patch<D, T>(
    model: mongoose.Model<D>,
    id: string,
    set: Record<string, unknown>,
    map: (doc: D) => T,
  ): Promise<T | null> {
    const query = Object.keys(set).length
      ? model.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' })
      : model.findById(id);
    const doc = await query.lean<D>();
    return doc ? map(doc as D) : null;
  }

  // --- conversations (conversations.ts) ---

  createConversation(conv: NewConversation): Promise<Conversation> { return this.conversations.create(conv); }
  getOrCreateOpenConversation(visitorId: string, init: NewConversation) { return this.conversations.getOrCreateOpen(visitorId, init); }
  getConversation(id: string): Promise<Conversation | null> { return this.conversations.get(id); }
  updateConversation(id: string, patch: ConversationPatch, now: number) { return this.conversations.update(id, patch, now); }
  listConversations(filter: ConversationFilter, limit: number, cursor?: string | null): Promise<Page<Conversation>> {
    return this.conversations.list(filter, limit, cursor);
  }
  markRead(conversationId: string, by: 'visitor' | 'agent', seq: number) { return this.conversations.markRead(conversationId, by, seq); }

  // --- messages and attachments (messages.ts) ---

  appendMessage(msg: NewMessage) { return this.messages.append(msg); }
  getMessage(id: string): Promise<Message | null> { return this.messages.get(id); }
  setMessageEmail(id: string, email: EmailMeta): Promise<Message | null> { return this.messages.setEmail(id, email); }
  listMessages(conversationId: string, opts: { afterSeq?: number; beforeSeq?: number; limit: number }) {
    return this.messages.list(conversationId, opts);
  }
  createAttachment(att: Attachment): Promise<Attachment> { return this.messages.createAttachment(att); }
  getAttachment(id: string): Promise<Attachment | null> { return this.messages.getAttachment(id); }
  linkAttachments(ids: string[], messageId: string, conversationId: string) { return this.messages.linkAttachments(ids, messageId, conversationId); }

  // --- messengers, external ids and remembered keys (channels.ts) ---

  createMessenger(m: NewMessenger, now: number): Promise<Messenger> { return this.channels.createMessenger(m, now); }
  getMessenger(id: string): Promise<Messenger | null> { return this.channels.getMessenger(id); }
  listMessengers(siteId?: string): Promise<Messenger[]> { return this.channels.listMessengers(siteId); }
  updateMessenger(id: string, patch: MessengerPatch, now: number): Promise<Messenger | null> {
    return this.channels.updateMessenger(id, patch, now);
  }
  deleteMessenger(id: string): Promise<boolean> { return this.channels.deleteMessenger(id); }
  linkExternalId(link: ExternalId) { return this.channels.linkExternalId(link); }
  findExternalId(source: string, externalId: string) { return this.channels.findExternalId(source, externalId); }
  externalIdsOfVisitor(visitorId: string) { return this.channels.externalIdsOfVisitor(visitorId); }
  rememberKey(key: string, value: string, now: number, expiresAt: number) { return this.channels.rememberKey(key, value, now, expiresAt); }
  knownKeys(keys: string[], now: number): Promise<Set<string>> { return this.channels.knownKeys(keys, now); }
  /** Not part of the port: what rememberKey does once a minute, for tests and operations. */
  purgeExpiredKeys(now: number): Promise<number> { return this.channels.purgeExpiredKeys(now); }

  // --- inboxes and mail items (inboxes.ts) ---

  createInbox(inbox: NewInbox, now: number): Promise<Inbox> { return this.inboxes.createInbox(inbox, now); }
  getInbox(id: string): Promise<Inbox | null> { return this.inboxes.getInbox(id); }
  listInboxes(siteId?: string): Promise<Inbox[]> { return this.inboxes.listInboxes(siteId); }
  updateInbox(id: string, patch: InboxPatch, now: number): Promise<Inbox | null> { return this.inboxes.updateInbox(id, patch, now); }
  setInboxStatus(id: string, status: InboxStatus, now: number) { return this.inboxes.setInboxStatus(id, status, now); }
  setInboxWatermark(id: string, watermark: MailWatermark | null, now: number) { return this.inboxes.setInboxWatermark(id, watermark, now); }
  countImported(id: string, n: number, now: number): Promise<void> { return this.inboxes.countImported(id, n, now); }
  deleteInbox(id: string) { return this.inboxes.deleteInbox(id); }
  addMailItem(item: MailItem) { return this.inboxes.addMailItem(item); }
  getMailItem(id: string): Promise<MailItem | null> { return this.inboxes.getMailItem(id); }
  listMailItems(inboxId: string, kind: MailItemKind, limit: number, cursor?: string | null): Promise<Page<MailItem>> {
    return this.inboxes.listMailItems(inboxId, kind, limit, cursor);
  }
  countMailItems(inboxId: string) { return this.inboxes.countMailItems(inboxId); }
  deleteMailItem(id: string): Promise<boolean> { return this.inboxes.deleteMailItem(id); }

  // --- outbox and leases (outbox.ts) ---

  enqueueJob(job: NewOutboxJob) { return this.outbox.enqueue(job); }
  claimJobs(worker: string, now: number, lockMs: number, limit: number) { return this.outbox.claim(worker, now, lockMs, limit); }
  completeJob(id: string, worker: string, now: number) { return this.outbox.complete(id, worker, now); }
  failJob(id: string, worker: string, now: number, outcome: { error: string; retryAt: number | null }) {
    return this.outbox.fail(id, worker, now, outcome);
  }
  getJob(id: string) { return this.outbox.get(id); }
  listJobs(filter: { status?: JobStatus; queue?: string; kind?: string }, limit: number) { return this.outbox.list(filter, limit); }
  retryJob(id: string, now: number) { return this.outbox.retry(id, now); }
  acquireLease(name: string, holder: string, now: number, ttlMs: number) { return this.outbox.acquireLease(name, holder, now, ttlMs); }
  releaseLease(name: string, holder: string) { return this.outbox.releaseLease(name, holder); }
  leaseHolder(name: string, now: number) { return this.outbox.leaseHolder(name, now); }
}
