// Conversation use cases: every channel hands the core an inbound message and the core
// answers with domain events. Idempotent on the client id, so a retried send after a
// crash or a reconnect never stores a message twice.
import { ParleyError } from './errors';
import type { DomainEvents, MessageAuthor } from './events';
import { newId } from './ids';
import type { Clock, NewConversation, Store } from './ports';
import type { Agent, AttachmentRef, Channel, Conversation, EmailMeta, Message, Site, Visitor } from './types';
import { canAgentSee } from './visibility';
import { previewOf } from './preview';

export const MAX_TEXT_LENGTH = 10_000;
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

export interface SendInput {
  clientId: string;
  text: string;
  attachmentIds?: string[];
  /** The email the message came in (email channel). */
  email?: EmailMeta;
}

export interface SendResult {
  message: Message;
  conversation: Conversation;
  duplicate: boolean;
}

export class Conversations {
  constructor(private readonly deps: { store: Store; clock: Clock; events: DomainEvents }) {}

  /**
   * A visitor's message: continues their open conversation or opens one. `leftOffline`
   * (the widget's "leave a message" form, used while no agent is online) opens it as
   * 'pending': it waits for an answer, and the first agent reply makes it 'open'.
   */
  async receiveFromVisitor(site: Site, visitor: Visitor, input: SendInput, opts: { channel?: Channel; leftOffline?: boolean } = {}): Promise<SendResult> {
    const channel = opts.channel ?? 'widget';
    const { store, events } = this.deps;
    const text = normalizeText(input.text, input.attachmentIds);
    const { conversation, created } = await store.getOrCreateOpenConversation(visitor.id, {
      id: newId(),
      siteId: site.id,
      visitorId: visitor.id,
      name: conversationName(visitor),
      channel,
      departmentId: null,
      status: opts.leftOffline ? 'pending' : 'open',
    });
    if (created) events.emit('conversation.created', { conversation });
    const attachments = await this.claimAttachments(input.attachmentIds, 'visitor', visitor.id);
    if (attachments === 'already-sent') return this.duplicateOrThrow(conversation, input.clientId);
    return this.append(conversation, { kind: 'visitor', id: visitor.id, name: visitor.name, avatarUrl: null }, input, text, attachments, channel);
  }

  /**
   * Opens a conversation with a caller-chosen id (a channel that must land on the same
   * conversation when it retries, like the mail channel replaying an email). Idempotent on
   * the id; `conversation.created` is emitted once.
   */
  async open(init: NewConversation): Promise<{ conversation: Conversation; created: boolean }> {
    const { store, events } = this.deps;
    const existing = await store.getConversation(init.id);
    if (existing) return { conversation: existing, created: false };
    try {
      const conversation = await store.createConversation(init);
      events.emit('conversation.created', { conversation });
      return { conversation, created: true };
    } catch (err) {
      // Another writer created it first (the id is the primary key).
      const raced = await store.getConversation(init.id);
      if (raced) return { conversation: raced, created: false };
      throw err;
    }
  }

  /**
   * A visitor's message into a given conversation of theirs (an email threaded by the
   * mail channel). A closed conversation reopens; if the visitor's other conversation
   * holds the open slot, the message still lands in the one it belongs to.
   */
  async receiveInConversation(conversation: Conversation, visitor: Visitor, input: SendInput, channel: Channel): Promise<SendResult> {
    if (conversation.visitorId !== visitor.id) throw new ParleyError('NOT_FOUND');
    const text = normalizeText(input.text, input.attachmentIds);
    const attachments = await this.claimAttachments(input.attachmentIds, 'visitor', visitor.id);
    if (attachments === 'already-sent') return this.duplicateOrThrow(conversation, input.clientId);
    let current = conversation;
    if (current.status === 'closed') {
      const existing = await this.findByClientId(current, input.clientId);
      if (existing) return { message: existing, conversation: current, duplicate: true };
      const reopened = await this.deps.store.updateConversation(current.id, { status: 'open' }, this.deps.clock.now());
      if (reopened) {
        current = reopened;
        this.deps.events.emit('conversation.updated', { conversation: reopened, change: 'reopened' });
      }
    }
    return this.append(current, { kind: 'visitor', id: visitor.id, name: visitor.name, avatarUrl: null }, input, text, attachments, channel);
  }

  /** An agent's reply in a conversation the agent may see. */
  async replyAsAgent(agent: Agent, conversationId: string, input: SendInput): Promise<SendResult> {
    const text = normalizeText(input.text, input.attachmentIds);
    const conversation = await this.visibleConversation(agent, conversationId);
    if (conversation.status === 'closed') {
      // A retry of a reply stored just before the close must still be acknowledged.
      const existing = await this.findByClientId(conversation, input.clientId);
      if (existing) return { message: existing, conversation, duplicate: true };
      throw new ParleyError('CONVERSATION_CLOSED');
    }
    const attachments = await this.claimAttachments(input.attachmentIds, 'agent', agent.id);
    if (attachments === 'already-sent') return this.duplicateOrThrow(conversation, input.clientId);
    const result = await this.append(conversation, { kind: 'agent', id: agent.id, name: agent.name, avatarUrl: agent.avatarUrl }, input, text, attachments, conversation.channel);
    if (!result.duplicate && conversation.status === 'pending') {
      result.conversation = await this.update(conversation.id, { status: 'open' }, 'answered');
    }
    return result;
  }

  async visibleConversation(agent: Agent, conversationId: string): Promise<Conversation> {
    const conversation = await this.deps.store.getConversation(conversationId);
    if (!conversation || !canAgentSee(agent, conversation)) throw new ParleyError('NOT_FOUND');
    return conversation;
  }

  async close(agent: Agent, conversationId: string): Promise<Conversation> {
    const conv = await this.visibleConversation(agent, conversationId);
    if (conv.status === 'closed') return conv;
    return this.update(conv.id, { status: 'closed' }, 'closed');
  }

  async reopen(agent: Agent, conversationId: string): Promise<Conversation> {
    const conv = await this.visibleConversation(agent, conversationId);
    if (conv.status !== 'closed') return conv;
    const updated = await this.deps.store.updateConversation(conv.id, { status: 'open' }, this.deps.clock.now());
    if (!updated) throw new ParleyError('ALREADY_OPEN');
    this.deps.events.emit('conversation.updated', { conversation: updated, change: 'reopened' });
    return updated;
  }

  async assign(agent: Agent, conversationId: string, assigneeId: string | null): Promise<Conversation> {
    const conv = await this.visibleConversation(agent, conversationId);
    if (assigneeId !== null && !(await this.deps.store.getAgent(assigneeId))) {
      throw new ParleyError('VALIDATION_FAILED', [{ path: 'agentId', message: 'No agent has this id.' }]);
    }
    return this.update(conv.id, { assigneeId }, 'assigned');
  }

  /** Moves a conversation to a department and/or agent; omitted fields stay as they are. */
  async transfer(agent: Agent, conversationId: string, to: { departmentId?: string | null; agentId?: string | null }): Promise<Conversation> {
    const conv = await this.visibleConversation(agent, conversationId);
    const { store } = this.deps;
    if (to.departmentId && !(await store.getDepartment(to.departmentId))) {
      throw new ParleyError('VALIDATION_FAILED', [{ path: 'departmentId', message: 'No department has this id.' }]);
    }
    if (to.agentId && !(await store.getAgent(to.agentId))) {
      throw new ParleyError('VALIDATION_FAILED', [{ path: 'agentId', message: 'No agent has this id.' }]);
    }
    const patch: { departmentId?: string | null; assigneeId?: string | null } = {};
    if (to.departmentId !== undefined) patch.departmentId = to.departmentId;
    if (to.agentId !== undefined) patch.assigneeId = to.agentId;
    return this.update(conv.id, patch, 'transferred');
  }

  async markRead(conversation: Conversation, by: 'visitor' | 'agent', seq: number): Promise<void> {
    const current = by === 'visitor' ? conversation.visitorReadSeq : conversation.agentReadSeq;
    if (seq <= current) return;
    const updated = await this.deps.store.markRead(conversation.id, by, seq);
    if (updated) this.deps.events.emit('conversation.read', { conversation: updated, by, seq: by === 'visitor' ? updated.visitorReadSeq : updated.agentReadSeq });
  }

  private async update(id: string, patch: Parameters<Store['updateConversation']>[1], change: 'closed' | 'assigned' | 'transferred' | 'answered'): Promise<Conversation> {
    const updated = await this.deps.store.updateConversation(id, patch, this.deps.clock.now());
    if (!updated) throw new ParleyError('NOT_FOUND');
    this.deps.events.emit('conversation.updated', { conversation: updated, change });
    return updated;
  }

  private async append(
    conversation: Conversation,
    author: MessageAuthor & { kind: 'visitor' | 'agent'; id: string },
    input: SendInput,
    text: string,
    attachments: AttachmentRef[],
    channel: Channel,
  ): Promise<SendResult> {
    const { store, clock, events } = this.deps;
    const result = await store.appendMessage({
      id: newId(),
      conversationId: conversation.id,
      authorKind: author.kind,
      authorId: author.id,
      text,
      attachments,
      clientId: input.clientId,
      channel,
      email: input.email ?? null,
      createdAt: clock.now(),
    });
    if (!result) throw new ParleyError('NOT_FOUND');
    const { message, created } = result;
    if (!created) return { message, conversation, duplicate: true };
    if (attachments.length) await store.linkAttachments(attachments.map((a) => a.id), message.id, conversation.id);
    const updated = { ...conversation, lastSeq: message.seq, lastMessageAt: message.createdAt, lastMessagePreview: previewOf(message) };
    events.emit('message.created', { message, conversation: updated, author: { name: author.name, avatarUrl: author.avatarUrl } });
    return { message, conversation: updated, duplicate: false };
  }

  /** Attachments already sent are fine only when this very send was stored before. */
  private async duplicateOrThrow(conversation: Conversation, clientId: string): Promise<SendResult> {
    const existing = await this.findByClientId(conversation, clientId);
    if (!existing) throw new ParleyError('ATTACHMENT_UNAVAILABLE');
    return { message: existing, conversation, duplicate: true };
  }

  private async findByClientId(conversation: Conversation, clientId: string): Promise<Message | null> {
    const recent = await this.deps.store.listMessages(conversation.id, { limit: 50 });
    return recent.find((m) => m.clientId === clientId) ?? null;
  }

  /**
   * Attachments are uploaded first and sent by id. Only the uploader may send them, and
   * only once: 'already-sent' tells the caller to answer a retried send as a duplicate.
   */
  private async claimAttachments(ids: string[] | undefined, kind: 'visitor' | 'agent', ownerId: string): Promise<AttachmentRef[] | 'already-sent'> {
    if (!ids?.length) return [];
    if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE) {
      throw new ParleyError('VALIDATION_FAILED', [{ path: 'attachmentIds', message: `At most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments per message.` }]);
    }
    const refs: AttachmentRef[] = [];
    let alreadySent = false;
    for (const id of new Set(ids)) {
      const att = await this.deps.store.getAttachment(id);
      if (!att || att.uploaderKind !== kind || att.uploaderId !== ownerId) throw new ParleyError('ATTACHMENT_UNAVAILABLE');
      if (att.messageId !== null) alreadySent = true;
      refs.push({ id: att.id, name: att.name, type: att.type, size: att.size });
    }
    return alreadySent ? 'already-sent' : refs;
  }
}

/** A message's text as stored, or VALIDATION_FAILED when it is empty (without files) or too long. */
export function normalizeText(text: string, attachmentIds: string[] | undefined): string {
  const trimmed = text.replace(/\r\n?/g, '\n').trim();
  if (!trimmed && !attachmentIds?.length) {
    throw new ParleyError('VALIDATION_FAILED', [{ path: 'text', message: 'Write a message or attach a file.' }]);
  }
  if (trimmed.length > MAX_TEXT_LENGTH) {
    throw new ParleyError('VALIDATION_FAILED', [{ path: 'text', message: `Messages are limited to ${MAX_TEXT_LENGTH} characters.` }]);
  }
  return trimmed;
}


function conversationName(visitor: Visitor): string {
  return visitor.name ? `Chat with ${visitor.name}` : 'Website chat';
}
