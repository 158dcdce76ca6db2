// The arbitrary-messenger channel: a company's own messenger connects to a live chat by
// webhook. Inbound messages are signed (signature.ts), replay-checked, and stored once per
// messenger message id; agent replies go back through the durable outbox, one queue per
// messenger, so they arrive in order even after the messenger was unreachable.
import type { Logger } from 'pino';
import type { Conversations } from '../../core/conversations';
import { DeliveryError } from '../../core/delivery';
import { ParleyError } from '../../core/errors';
import { newId } from '../../core/ids';
import { DuplicateKeyError, messengerSource, type BlobStore, type Clock, type OutboxJob, type Store } from '../../core/ports';
import type { Agent, Conversation, Message, Messenger, Site, Visitor } from '../../core/types';
import type { Outbox } from '../../jobs/outbox';
import type { Sealer } from '../../security/sealed';
import { postJson } from '../http/deliver';
import { fetchAttachment } from './fetch-attachment';
import { REPLAY_WINDOW_S, SIGNATURE_HEADER, TIMESTAMP_HEADER, signedHeaders, verify } from './signature';
import { confirmationCodeOf, inboundMessage, type ConfirmationRequest, type InboundMessage, type OutboundMessage } from './wire';

const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface MessengerInput {
  name: string;
  webhookUrl: string;
  secret: string;
  returning?: 'reopen' | 'new';
  allowOperatorStart?: boolean;
}

interface Deps {
  store: Store;
  blobs: BlobStore;
  maxUploadBytes: number;
  /** An absolute, signed download URL for an attachment id. */
  fileUrl: (attachmentId: string) => string;
  clock: Clock;
  conversations: Conversations;
  sealer: Sealer;
  outbox: Outbox;
  logger: Logger;
}

export class MessengerChannel {
  constructor(private readonly deps: Deps) {}

  async create(site: Site, input: MessengerInput): Promise<Messenger> {
    const { store, sealer, clock } = this.deps;
    try {
      return await store.createMessenger({
        id: newId(), siteId: site.id, name: input.name, webhookUrl: input.webhookUrl, secretSealed: sealer.seal(input.secret),
        status: 'pending', returning: input.returning ?? 'reopen', allowOperatorStart: input.allowOperatorStart ?? true, lastError: null,
      }, clock.now());
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw new ParleyError('MESSENGER_TAKEN');
      throw err;
    }
  }

  /** A new URL or secret must be confirmed again: the channel goes back to pending. */
  async update(id: string, patch: Partial<MessengerInput>): Promise<Messenger> {
    const { store, sealer, clock } = this.deps;
    const reconfirm = patch.webhookUrl !== undefined || patch.secret !== undefined;
    try {
      const updated = await store.updateMessenger(id, {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.webhookUrl !== undefined && { webhookUrl: patch.webhookUrl }),
        ...(patch.secret !== undefined && { secretSealed: sealer.seal(patch.secret) }),
        ...(patch.returning !== undefined && { returning: patch.returning }),
        ...(patch.allowOperatorStart !== undefined && { allowOperatorStart: patch.allowOperatorStart }),
        ...(reconfirm && { status: 'pending' as const }),
      }, clock.now());
      if (!updated) throw new ParleyError('NOT_FOUND');
      return updated;
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw new ParleyError('MESSENGER_TAKEN');
      throw err;
    }
  }

  /**
   * Sends the signed confirmation request; the webhook must answer with the confirmation
   * code. Active on success; on failure the reason is kept and returned.
   */
  async connect(id: string): Promise<Messenger> {
    const { store, clock } = this.deps;
    const messenger = await this.get(id);
    const secret = this.deps.sealer.open(messenger.secretSealed);
    const request: ConfirmationRequest = { type: 'confirmation', messenger_id: messenger.id };
    const body = JSON.stringify(request);
    let problem: string | null = null;
    try {
      const res = await fetch(messenger.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedHeaders(secret, body, clock.now()) },
        body,
        signal: AbortSignal.timeout(HANDSHAKE_TIMEOUT_MS),
        redirect: 'error',
      });
      const text = (await res.text()).slice(0, 10_000);
      if (!res.ok) problem = `the webhook answered HTTP ${res.status}`;
      else if (confirmationCodeOf(res.headers.get('content-type'), text) !== secret) problem = 'the webhook answered without the confirmation code';
    } catch (err) {
      problem = `the webhook could not be reached: ${(err as Error).cause ?? (err as Error).message}`;
    }
    const updated = await store.updateMessenger(id, problem ? { lastError: problem } : { status: 'active', lastError: null }, clock.now());
    if (problem) throw new ParleyError('MESSENGER_HANDSHAKE_FAILED', [{ path: 'webhookUrl', message: problem }]);
    this.deps.outbox.kick(); // replies held while disconnected can go now
    return updated!;
  }

  async disconnect(id: string): Promise<Messenger> {
    await this.get(id);
    return (await this.deps.store.updateMessenger(id, { status: 'disconnected' }, this.deps.clock.now()))!;
  }

  async get(id: string): Promise<Messenger> {
    const messenger = await this.deps.store.getMessenger(id);
    if (!messenger) throw new ParleyError('NOT_FOUND');
    return messenger;
  }

  /**
   * An inbound request, checked in order: the channel is active, the signature is valid
   * and fresh, the request is not a replay, the body is well-formed. Only then is
   * anything stored.
   */
  async receive(id: string, rawBody: string, header: (name: string) => string | undefined): Promise<{ message: Message; conversation: Conversation; duplicate: boolean }> {
    const { store, clock } = this.deps;
    const messenger = await store.getMessenger(id);
    if (!messenger) throw new ParleyError('NOT_FOUND');
    if (messenger.status !== 'active') throw new ParleyError('MESSENGER_DISCONNECTED');
    const secret = this.deps.sealer.open(messenger.secretSealed);
    const now = clock.now();
    const signature = header(SIGNATURE_HEADER);
    if (verify(secret, { timestamp: header(TIMESTAMP_HEADER), signature }, rawBody, now) !== 'ok') throw new ParleyError('SIGNATURE_INVALID');
    const seen = await store.rememberKey(`messenger-sig:${id}:${signature}`, '1', now, now + 2 * REPLAY_WINDOW_S * 1000);
    if (!seen.created) throw new ParleyError('REPLAYED');
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw new ParleyError('BAD_REQUEST', undefined, 'The request body is not valid JSON.');
    }
    const parsed = inboundMessage.safeParse(json);
    if (!parsed.success) {
      throw new ParleyError('VALIDATION_FAILED', parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })));
    }
    return this.store(messenger, parsed.data);
  }

  private async store(messenger: Messenger, input: InboundMessage) {
    const site = await this.deps.store.getSite(messenger.siteId);
    if (!site) throw new ParleyError('NOT_FOUND');
    const visitor = await this.visitorFor(messenger, input.user);
    await this.reopenIfReturning(messenger, visitor);
    const attachmentIds = await this.download(input.attachments ?? [], visitor);
    return this.deps.conversations.receiveFromVisitor(site, visitor, { clientId: `messenger:${input.message_id}`, text: input.text, attachmentIds }, { channel: 'messenger' });
  }

  /** Every file is fetched before anything is stored: one bad URL refuses the whole message. */
  private async download(attachments: NonNullable<InboundMessage['attachments']>, visitor: Visitor): Promise<string[]> {
    const { store, blobs, clock, maxUploadBytes } = this.deps;
    const files = await Promise.all(attachments.map((a, i) => fetchAttachment(a, i, maxUploadBytes)));
    const ids: string[] = [];
    for (const file of files) {
      const id = newId();
      await blobs.put(id, file.data);
      await store.createAttachment({
        id, messageId: null, conversationId: null, uploaderKind: 'visitor', uploaderId: visitor.id,
        name: file.name, type: file.type, size: file.data.byteLength, createdAt: clock.now(),
      });
      ids.push(id);
    }
    return ids;
  }

  /** The visitor behind a messenger user: found by the link, or created and linked (race-safe). */
  private async visitorFor(messenger: Messenger, user: InboundMessage['user']): Promise<Visitor> {
    const { store } = this.deps;
    const source = messengerSource(messenger.id);
    const link = await store.findExternalId(source, user.id);
    let visitor = link ? await store.getVisitor(link.visitorId) : null;
    if (!visitor) {
      const created = await store.createVisitor({
        id: newId(), siteId: messenger.siteId, name: user.name ?? null, email: user.email ?? null,
        currentPage: null, pages: [], locale: null, userAgent: `${messenger.name} (messenger)`, avatarUrl: user.avatar_url ?? null,
      });
      const bound = await store.linkExternalId({ source, externalId: user.id, visitorId: created.id });
      visitor = bound.created ? created : (await store.getVisitor(bound.visitorId)) ?? created;
    }
    const patch = {
      ...(user.name && user.name !== visitor.name && { name: user.name }),
      ...(user.email && user.email !== visitor.email && { email: user.email }),
      ...(user.avatar_url && user.avatar_url !== visitor.avatarUrl && { avatarUrl: user.avatar_url }),
    };
    if (Object.keys(patch).length) visitor = (await store.updateVisitor(visitor.id, patch)) ?? visitor;
    return visitor;
  }

  /** With 'reopen', a known user's new message continues their last conversation. */
  private async reopenIfReturning(messenger: Messenger, visitor: Visitor): Promise<void> {
    if (messenger.returning !== 'reopen') return;
    const last = (await this.deps.store.listConversations({ visitorId: visitor.id }, 1)).items[0];
    if (last && last.status === 'closed') await this.deps.store.updateConversation(last.id, { status: 'open' }, this.deps.clock.now());
  }

  /** An operator opens a conversation with a known user of the messenger. */
  async startConversation(agent: Agent, messengerId: string, userId: string, text: string, clientId: string) {
    const { store } = this.deps;
    const messenger = await this.get(messengerId);
    if (!messenger.allowOperatorStart) throw new ParleyError('FORBIDDEN', undefined, 'This messenger does not allow operators to start conversations. Enable it in the messenger settings.');
    if (messenger.status !== 'active') throw new ParleyError('MESSENGER_DISCONNECTED');
    const link = await store.findExternalId(messengerSource(messenger.id), userId);
    const visitor = link && (await store.getVisitor(link.visitorId));
    if (!visitor) throw new ParleyError('NOT_FOUND', undefined, 'No user with this id has written through this messenger yet.');
    const { conversation } = await store.getOrCreateOpenConversation(visitor.id, {
      id: newId(), siteId: messenger.siteId, visitorId: visitor.id, name: `${messenger.name}: ${visitor.name ?? userId}`, channel: 'messenger', departmentId: null,
    });
    return this.deps.conversations.replyAsAgent(agent, conversation.id, { clientId, text });
  }

  /** Listener of message.created: an agent's reply in a messenger conversation goes out. */
  async onMessageCreated(message: Message, conversation: Conversation): Promise<void> {
    if (conversation.channel !== 'messenger' || message.authorKind !== 'agent') return;
    const links = await this.deps.store.externalIdsOfVisitor(conversation.visitorId);
    const link = links.find((l) => l.source.startsWith('messenger:'));
    if (!link) return;
    const messengerId = link.source.slice('messenger:'.length);
    const agent = message.authorId ? await this.deps.store.getAgent(message.authorId) : null;
    const body: OutboundMessage = {
      type: 'message',
      messenger_id: messengerId,
      message: {
        id: message.id, conversation_id: conversation.id, user_id: link.externalId, text: message.text,
        attachments: message.attachments.map((a) => ({ name: a.name, type: a.type, size: a.size, url: this.deps.fileUrl(a.id) })),
        agent: { name: agent?.name ?? null }, created_at: new Date(message.createdAt).toISOString(),
      },
    };
    await this.deps.outbox.enqueue({ kind: 'messenger', key: `messenger-out:${message.id}`, queue: messengerSource(messengerId), payload: { messengerId, body } });
  }

  /** The outbox deliverer for kind 'messenger': signs at send time, so the timestamp is fresh. */
  deliverer() {
    return async (job: OutboxJob): Promise<void> => {
      const { messengerId, body } = job.payload as { messengerId: string; body: OutboundMessage };
      const messenger = await this.deps.store.getMessenger(messengerId);
      if (!messenger) throw new DeliveryError('the messenger channel was deleted', true);
      // Held, not failed for good: delivered in order once an admin connects it again.
      if (messenger.status !== 'active') throw new DeliveryError(`the messenger channel is ${messenger.status}`, false);
      const raw = JSON.stringify(body);
      const secret = this.deps.sealer.open(messenger.secretSealed);
      const now = this.deps.clock.now();
      await postJson(messenger.webhookUrl, raw, { 'idempotency-key': job.key, ...signedHeaders(secret, raw, now) }, { now });
    };
  }
}
