// The SQLite adapter of the Store port (better-sqlite3). Every call is synchronous inside;
// the methods return Promises only because the port is shared with the MongoDB adapter.
import { previewOf } from '../../core/preview';
import Database from 'better-sqlite3';
import type {
  AgentPatch, ConversationFilter, ConversationPatch, InboxPatch, JobStatus, NewAgent, NewConversation, NewInbox, NewMessage,
  NewOutboxJob, NewSite, NewVisitor, Page, SitePatch, Store, VisitorPatch, MessengerPatch, NewMessenger,
} from '../../core/ports';
import { DuplicateKeyError } from '../../core/ports';
import type {
  Agent, Attachment, Conversation, ConversationStatus, Department, EmailMeta, ExternalId, Inbox, InboxStatus, MailItem, MailItemKind,
  MailWatermark, Message, Messenger, Session, Site, Visitor,
} from '../../core/types';
import { SqliteChannels } from './channels';
import { SqliteInboxes } from './inboxes';
import { buildListQuery, decodeCursor, encodeCursor } from './listing';
import { migrate } from './migrations';
import {
  agentParams, attachmentParams, duplicateKeyOf, inboxNotAllowed, mapDuplicate, merge, messageParams, openKeyOf,
  sessionParams, siteParams, toAgent, toAttachment, toConversation, toDepartment, toMessage, toSession, toSite, toVisitor,
  visitorParams,
  type AgentRow, type AttachmentRow, type ConversationRow, type DepartmentRow, type MessageRow,
  type SessionRow, type SiteRow, type VisitorRow,
} from './rows';
import { prepareStatements, type Statements } from './statements';
import { SqliteOutbox } from './outbox';
import { WriteBatches } from './batch';
import { immediate } from './tx';
import { pageFrom } from '../page';

/** Opens (creating if needed) and migrates the database at `file`; ':memory:' works too. */
export function openSqliteStore(file: string): SqliteStore {
  const db = new Database(file);
  try {
    // WAL lets readers run beside the writer; NORMAL skips the fsync per commit, which
    // can lose the last commits on power loss but never on a process crash, and never corrupts.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Another process (the CLI, a second node) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return new SqliteStore(db);
  } catch (err) {
    db.close();
    throw err;
  }
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly s: Statements;
  private readonly outbox: SqliteOutbox;
  private readonly channels: SqliteChannels;
  private readonly inboxes: SqliteInboxes;
  private readonly batches: WriteBatches;
  /** listConversations statements, keyed by SQL text (one per combination of filters). */
  private readonly listStatements = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.db = db;
    // First: it guards every write statement prepared after it (batch.ts).
    this.batches = new WriteBatches(db);
    this.s = prepareStatements(db);
    this.outbox = new SqliteOutbox(db);
    this.channels = new SqliteChannels(db);
    this.inboxes = new SqliteInboxes(db);
  }

  /** An IMMEDIATE write transaction (tx.ts). */
  private write<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return immediate(() => this.db, fn);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.batches.commit();
    // Lets SQLite refresh its planner statistics where they are stale; cheap at shutdown.
    this.db.pragma('optimize');
    this.db.close();
  }

  /** Store.batch: the writes of fn share transactions (batch.ts). */
  batch<T>(fn: () => Promise<T>): Promise<T> {
    return this.batches.run(fn);
  }

  // --- settings ---

  async getSetting<T>(key: string): Promise<T | null> {
    const row = this.s.settingGet.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : null;
  }

  async setSetting<T>(key: string, value: T): Promise<void> {
    this.s.settingPut.run(key, JSON.stringify(value ?? null));
  }

  // --- sites ---

  async createSite(site: NewSite): Promise<Site> {
    const created: Site = { ...site, createdAt: Date.now() };
    mapDuplicate(() => this.s.siteInsert.run(siteParams(created)));
    return created;
  }

  async getSite(id: string): Promise<Site | null> {
    const row = this.s.siteById.get(id) as SiteRow | undefined;
    return row ? toSite(row) : null;
  }

  async getSiteByKey(widgetKey: string): Promise<Site | null> {
    const row = this.s.siteByKey.get(widgetKey) as SiteRow | undefined;
    return row ? toSite(row) : null;
  }

  async listSites(): Promise<Site[]> {
    return (this.s.siteAll.all() as SiteRow[]).map(toSite);
  }

  private readonly updateSiteTx = this.write((id: string, patch: SitePatch): Site | null => {
    const row = this.s.siteById.get(id) as SiteRow | undefined;
    if (!row) return null;
    const next = merge(toSite(row), patch);
    this.s.siteUpdate.run(siteParams(next));
    return next;
  });

  async updateSite(id: string, patch: SitePatch): Promise<Site | null> {
    return this.updateSiteTx(id, patch);
  }

  // Visitors, conversations, messages, attachment rows, messengers, inboxes with their mail
  // items, and the visitors' external ids go with the site (ON DELETE CASCADE); the links of the site's messengers
  // are keyed by a source string no foreign key reaches, so they are deleted first.
  private readonly deleteSiteTx = this.write((id: string): boolean => {
    this.channels.deleteLinksOfSiteMessengers(id);
    return this.s.siteDelete.run(id).changes > 0;
  });

  async deleteSite(id: string): Promise<boolean> {
    return this.deleteSiteTx(id);
  }

  // --- departments ---

  async createDepartment(dep: Omit<Department, 'createdAt'>): Promise<Department> {
    const created: Department = { ...dep, createdAt: Date.now() };
    mapDuplicate(() => this.s.depInsert.run(created.id, created.name, created.createdAt));
    return created;
  }

  async getDepartment(id: string): Promise<Department | null> {
    const row = this.s.depById.get(id) as DepartmentRow | undefined;
    return row ? toDepartment(row) : null;
  }

  async listDepartments(): Promise<Department[]> {
    return (this.s.depAll.all() as DepartmentRow[]).map(toDepartment);
  }

  async updateDepartment(id: string, patch: { name: string }): Promise<Department | null> {
    if (this.s.depRename.run(patch.name, id).changes === 0) return null;
    return this.getDepartment(id);
  }

  // Explicit rather than left to ON DELETE SET NULL: agents' departments are a JSON array
  // no foreign key can reach, and doing all of them here keeps the behaviour in one place.
  private readonly deleteDepartmentTx = this.write((id: string): boolean => {
    this.s.depRemoveFromAgents.run({ id });
    this.s.depClearConversations.run(id);
    this.s.depClearInboxes.run(id);
    return this.s.depDelete.run(id).changes > 0;
  });

  async deleteDepartment(id: string): Promise<boolean> {
    return this.deleteDepartmentTx(id);
  }

  // --- agents ---

  async createAgent(agent: NewAgent): Promise<Agent> {
    const created: Agent = { ...agent, createdAt: Date.now() };
    mapDuplicate(() => this.s.agentInsert.run(agentParams(created)));
    return created;
  }

  async getAgent(id: string): Promise<Agent | null> {
    const row = this.s.agentById.get(id) as AgentRow | undefined;
    return row ? toAgent(row) : null;
  }

  async getAgentByEmail(email: string): Promise<Agent | null> {
    const row = this.s.agentByEmail.get(email) as AgentRow | undefined;
    return row ? toAgent(row) : null;
  }

  async listAgents(): Promise<Agent[]> {
    return (this.s.agentAll.all() as AgentRow[]).map(toAgent);
  }

  async countAgents(): Promise<number> {
    return (this.s.agentCount.get() as { n: number }).n;
  }

  private readonly updateAgentTx = this.write((id: string, patch: AgentPatch): Agent | null => {
    const row = this.s.agentById.get(id) as AgentRow | undefined;
    if (!row) return null;
    const next = merge(toAgent(row), patch);
    mapDuplicate(() => this.s.agentUpdate.run(agentParams(next)));
    return next;
  });

  /** Throws DuplicateKeyError('agent.email') when the new email belongs to another agent. */
  async updateAgent(id: string, patch: AgentPatch): Promise<Agent | null> {
    return this.updateAgentTx(id, patch);
  }

  // The foreign keys would cascade these too; spelled out so the rule does not hinge on
  // `foreign_keys = ON` and reads the same as in the MongoDB adapter.
  private readonly deleteAgentTx = this.write((id: string): boolean => {
    this.s.sessionDeleteOfAgent.run(id);
    this.s.agentUnassign.run(id);
    return this.s.agentDelete.run(id).changes > 0;
  });

  /** Also ends the agent's sessions and unassigns their conversations. */
  async deleteAgent(id: string): Promise<boolean> {
    return this.deleteAgentTx(id);
  }

  // --- sessions ---

  async createSession(session: Session): Promise<void> {
    mapDuplicate(() => this.s.sessionInsert.run(sessionParams(session)));
  }

  async getSession(id: string): Promise<Session | null> {
    const row = this.s.sessionById.get(id) as SessionRow | undefined;
    return row ? toSession(row) : null;
  }

  async deleteSession(id: string): Promise<void> {
    this.s.sessionDelete.run(id);
  }

  async deleteSessionsOfAgent(agentId: string): Promise<void> {
    this.s.sessionDeleteOfAgent.run(agentId);
  }

  /** A session is expired from its expiresAt on, the same rule the core applies at sign-in. */
  async deleteExpiredSessions(now: number): Promise<number> {
    return this.s.sessionDeleteExpired.run(now).changes;
  }

  // --- visitors ---

  async createVisitor(visitor: NewVisitor): Promise<Visitor> {
    const now = Date.now();
    const created: Visitor = { ...visitor, createdAt: now, lastSeenAt: now };
    mapDuplicate(() => this.s.visitorInsert.run(visitorParams(created)));
    return created;
  }

  async getVisitor(id: string): Promise<Visitor | null> {
    const row = this.s.visitorById.get(id) as VisitorRow | undefined;
    return row ? toVisitor(row) : null;
  }

  private readonly updateVisitorTx = this.write((id: string, patch: VisitorPatch): Visitor | null => {
    const row = this.s.visitorById.get(id) as VisitorRow | undefined;
    if (!row) return null;
    const next = merge(toVisitor(row), patch);
    this.s.visitorUpdate.run(visitorParams(next));
    return next;
  });

  async updateVisitor(id: string, patch: VisitorPatch): Promise<Visitor | null> {
    return this.updateVisitorTx(id, patch);
  }

  // --- conversations ---

  private conversationParams(conv: NewConversation, status: ConversationStatus) {
    const inboxId = conv.inboxId ?? null;
    return {
      id: conv.id, site_id: conv.siteId, visitor_id: conv.visitorId, status,
      open_key: openKeyOf(status, { id: conv.id, visitorId: conv.visitorId, inboxId }), name: conv.name,
      channel: conv.channel, department_id: conv.departmentId, inbox_id: inboxId, now: Date.now(),
    };
  }

  /**
   * Throws DuplicateKeyError('conversation.openKey') for a second live conversation of a
   * visitor; conversations with an inbox are exempt (their open key is their own).
   */
  async createConversation(conv: NewConversation): Promise<Conversation> {
    const params = this.conversationParams(conv, conv.status ?? 'open');
    mapDuplicate(() => this.s.convInsert.run(params));
    return toConversation(this.s.convById.get(conv.id) as ConversationRow);
  }

  // The open key's UNIQUE constraint settles races: INSERT ... ON CONFLICT DO NOTHING lets
  // exactly one writer create, and the transaction makes the read see that winner.
  private readonly openConversationTx = this.write(
    (visitorId: string, init: NewConversation): { conversation: Conversation; created: boolean } => {
      // This method only ever yields a live conversation, so a 'closed' init opens instead;
      // the visitorId argument is the one the open key (and so the uniqueness) is about.
      const status = init.status === 'pending' ? 'pending' : 'open';
      const params = this.conversationParams({ ...init, visitorId, inboxId: null }, status);
      const created = this.s.convInsertOpen.run(params).changes > 0;
      const row = this.s.convByOpenKey.get(visitorId) as ConversationRow;
      return { conversation: toConversation(row), created };
    },
  );

  async getOrCreateOpenConversation(
    visitorId: string,
    init: NewConversation,
  ): Promise<{ conversation: Conversation; created: boolean }> {
    if (init.inboxId) throw inboxNotAllowed();
    // Nearly every call finds the conversation open: answer that with a read, no write lock.
    const open = this.s.convByOpenKey.get(visitorId) as ConversationRow | undefined;
    if (open) return { conversation: toConversation(open), created: false };
    return this.openConversationTx(visitorId, init);
  }

  async getConversation(id: string): Promise<Conversation | null> {
    const row = this.s.convById.get(id) as ConversationRow | undefined;
    return row ? toConversation(row) : null;
  }

  private readonly updateConversationTx = this.write(
    (id: string, patch: ConversationPatch, now: number): Conversation | null => {
      const row = this.s.convById.get(id) as ConversationRow | undefined;
      if (!row) return null;
      const next = merge(toConversation(row), patch);
      next.updatedAt = now;
      try {
        this.s.convUpdate.run({
          id, status: next.status, open_key: openKeyOf(next.status, next), name: next.name,
          department_id: next.departmentId, assignee_id: next.assigneeId, updated_at: now,
        });
      } catch (err) {
        // Reopening while the visitor already has another live conversation.
        if (duplicateKeyOf(err) === 'conversation.openKey') return null;
        throw err;
      }
      return next;
    },
  );

  async updateConversation(id: string, patch: ConversationPatch, now: number): Promise<Conversation | null> {
    return this.updateConversationTx(id, patch, now);
  }

  async listConversations(filter: ConversationFilter, limit: number, cursor?: string | null): Promise<Page<Conversation>> {
    const { sql, params } = buildListQuery(filter, limit, cursor ? decodeCursor(cursor) : null);
    const rows = this.listStatement(sql).all(...params) as (ConversationRow & { activity: number })[];
    return pageFrom(rows, limit, toConversation, (last) => encodeCursor({ at: last.activity, id: last.id }));
  }

  private listStatement(sql: string): Database.Statement {
    let stmt = this.listStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.listStatements.set(sql, stmt);
    }
    return stmt;
  }

  async markRead(conversationId: string, by: 'visitor' | 'agent', seq: number): Promise<Conversation | null> {
    const stmt = by === 'visitor' ? this.s.convReadVisitor : this.s.convReadAgent;
    const row = stmt.get(seq, conversationId) as ConversationRow | undefined;
    return row ? toConversation(row) : null;
  }

  // --- messages ---

  // One savepoint per message: the seq bump, the insert and the conversation summary
  // commit together, so a crash leaves neither a message without its summary nor the reverse.
  private readonly appendOne = (msg: NewMessage): { message: Message; created: boolean } | null => {
    if (msg.clientId !== null) {
      const existing = this.s.msgByClientId.get(msg.conversationId, msg.clientId) as MessageRow | undefined;
      if (existing) return { message: toMessage(existing), created: false };
    }
    const bumped = this.s.convBumpSeq.get({
      id: msg.conversationId, at: msg.createdAt, preview: previewOf(msg),
    }) as { last_seq: number } | undefined;
    if (!bumped) return null;
    const message: Message = { ...msg, email: msg.email ?? null, seq: bumped.last_seq };
    this.s.msgInsert.run(messageParams(message));
    return { message, created: true };
  };

  /**
   * Group commit: appends that arrive in the same event-loop turn share one transaction.
   * A commit writes every page it touched (the message, its indexes, the conversation
   * row and its activity indexes) to the WAL, so committing 20 messages at once costs
   * little more than committing one. Each message runs in its own savepoint (a nested
   * better-sqlite3 transaction), so one failing message does not undo the others, and
   * no caller is answered before the commit: an acknowledged message is durable.
   */
  private pendingAppends: { msg: NewMessage; resolve: (r: { message: Message; created: boolean } | null) => void; reject: (e: unknown) => void }[] = [];
  private appendSavepoint?: Database.Transaction<(msg: NewMessage) => { message: Message; created: boolean } | null>;
  private readonly appendBatchTx = this.write((batch: NewMessage[]) => {
    const one = (this.appendSavepoint ??= this.db.transaction(this.appendOne));
    return batch.map((msg) => {
      try {
        return { ok: true as const, value: one(msg) };
      } catch (error) {
        return { ok: false as const, error };
      }
    });
  });

  private flushAppends = (): void => {
    const batch = this.pendingAppends;
    this.pendingAppends = [];
    let results: ReturnType<typeof this.appendBatchTx>;
    try {
      results = this.appendBatchTx(batch.map((b) => b.msg));
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    results.forEach((r, i) => {
      const waiting = batch[i]!;
      if (r.ok) waiting.resolve(r.value);
      else {
        const key = duplicateKeyOf(r.error);
        waiting.reject(key ? new DuplicateKeyError(key) : r.error);
      }
    });
  };

  /** Inside a Store.batch: the batch's commit is the group commit, so the message goes in at once, in a savepoint. */
  private readonly appendInBatchTx = this.write(this.appendOne);

  appendMessage(msg: NewMessage): Promise<{ message: Message; created: boolean } | null> {
    if (this.batches.inside()) {
      try {
        return Promise.resolve(this.appendInBatchTx(msg));
      } catch (err) {
        const key = duplicateKeyOf(err);
        return Promise.reject(key ? new DuplicateKeyError(key) : err);
      }
    }
    return new Promise((resolve, reject) => {
      if (this.pendingAppends.push({ msg, resolve, reject }) === 1) setImmediate(this.flushAppends);
    });
  }

  async getMessage(id: string): Promise<Message | null> {
    const row = this.s.msgById.get(id) as MessageRow | undefined;
    return row ? toMessage(row) : null;
  }

  async setMessageEmail(id: string, email: EmailMeta): Promise<Message | null> {
    const row = this.s.msgSetEmail.get(JSON.stringify(email), id) as MessageRow | undefined;
    return row ? toMessage(row) : null;
  }

  async listMessages(
    conversationId: string,
    opts: { afterSeq?: number; beforeSeq?: number; limit: number },
  ): Promise<Message[]> {
    if (opts.afterSeq !== undefined) {
      return (this.s.msgAfter.all(conversationId, opts.afterSeq, opts.limit) as MessageRow[]).map(toMessage);
    }
    const rows = opts.beforeSeq !== undefined
      ? (this.s.msgBefore.all(conversationId, opts.beforeSeq, opts.limit) as MessageRow[])
      : (this.s.msgLatest.all(conversationId, opts.limit) as MessageRow[]);
    return rows.reverse().map(toMessage);
  }

  // --- attachments ---

  async createAttachment(att: Attachment): Promise<Attachment> {
    mapDuplicate(() => this.s.attInsert.run(attachmentParams(att)));
    return { ...att };
  }

  async getAttachment(id: string): Promise<Attachment | null> {
    const row = this.s.attById.get(id) as AttachmentRow | undefined;
    return row ? toAttachment(row) : null;
  }

  async linkAttachments(ids: string[], messageId: string, conversationId: string): Promise<number> {
    if (ids.length === 0) return 0;
    return this.s.attLink.run(messageId, conversationId, JSON.stringify(ids)).changes;
  }

  // --- messengers, external ids and remembered keys (channels.ts) ---

  async createMessenger(m: NewMessenger, now: number): Promise<Messenger> { return this.channels.createMessenger(m, now); }
  async getMessenger(id: string): Promise<Messenger | null> { return this.channels.getMessenger(id); }
  async listMessengers(siteId?: string): Promise<Messenger[]> { return this.channels.listMessengers(siteId); }
  async updateMessenger(id: string, patch: MessengerPatch, now: number): Promise<Messenger | null> {
    return this.channels.updateMessenger(id, patch, now);
  }
  async deleteMessenger(id: string): Promise<boolean> { return this.channels.deleteMessenger(id); }
  async linkExternalId(link: ExternalId) { return this.channels.linkExternalId(link); }
  async findExternalId(source: string, externalId: string) { return this.channels.findExternalId(source, externalId); }
  async externalIdsOfVisitor(visitorId: string) { return this.channels.externalIdsOfVisitor(visitorId); }
  async rememberKey(key: string, value: string, now: number, expiresAt: number) {
    return this.channels.rememberKey(key, value, now, expiresAt);
  }
  async knownKeys(keys: string[], now: number): Promise<Set<string>> { return this.channels.knownKeys(keys, now); }
  /** Not part of the port: what rememberKey does once a minute, for tests and operations. */
  async purgeExpiredKeys(now: number): Promise<number> { return this.channels.purgeExpiredKeys(now); }

  // --- inboxes and mail items (inboxes.ts) ---

  async createInbox(inbox: NewInbox, now: number): Promise<Inbox> { return this.inboxes.createInbox(inbox, now); }
  async getInbox(id: string): Promise<Inbox | null> { return this.inboxes.getInbox(id); }
  async listInboxes(siteId?: string): Promise<Inbox[]> { return this.inboxes.listInboxes(siteId); }
  async updateInbox(id: string, patch: InboxPatch, now: number): Promise<Inbox | null> { return this.inboxes.updateInbox(id, patch, now); }
  async setInboxStatus(id: string, status: InboxStatus, now: number) { return this.inboxes.setInboxStatus(id, status, now); }
  async setInboxWatermark(id: string, watermark: MailWatermark | null, now: number) {
    return this.inboxes.setInboxWatermark(id, watermark, now);
  }
  async countImported(id: string, n: number, now: number): Promise<void> { this.inboxes.countImported(id, n, now); }
  async deleteInbox(id: string) { return this.inboxes.deleteInbox(id); }
  async addMailItem(item: MailItem) { return this.inboxes.addMailItem(item); }
  async getMailItem(id: string): Promise<MailItem | null> { return this.inboxes.getMailItem(id); }
  async listMailItems(inboxId: string, kind: MailItemKind, limit: number, cursor?: string | null): Promise<Page<MailItem>> {
    return this.inboxes.listMailItems(inboxId, kind, limit, cursor);
  }
  async countMailItems(inboxId: string) { return this.inboxes.countMailItems(inboxId); }
  async deleteMailItem(id: string): Promise<boolean> { return this.inboxes.deleteMailItem(id); }

  // --- outbox and leases (outbox.ts) ---

  async enqueueJob(job: NewOutboxJob) { return this.outbox.enqueue(job); }
  async claimJobs(worker: string, now: number, lockMs: number, limit: number) { return this.outbox.claim(worker, now, lockMs, limit); }
  async completeJob(id: string, worker: string, now: number) { return this.outbox.complete(id, worker, now); }
  async failJob(id: string, worker: string, now: number, outcome: { error: string; retryAt: number | null }) { return this.outbox.fail(id, worker, now, outcome); }
  async getJob(id: string) { return this.outbox.get(id); }
  async listJobs(filter: { status?: JobStatus; queue?: string; kind?: string }, limit: number) { return this.outbox.list(filter, limit); }
  async retryJob(id: string, now: number) { return this.outbox.retry(id, now); }
  async acquireLease(name: string, holder: string, now: number, ttlMs: number) { return this.outbox.acquireLease(name, holder, now, ttlMs); }
  async releaseLease(name: string, holder: string) { this.outbox.releaseLease(name, holder); }
  async leaseHolder(name: string, now: number) { return this.outbox.leaseHolder(name, now); }
}
