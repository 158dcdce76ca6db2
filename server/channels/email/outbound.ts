// Outbound email: turns new messages into emails through the durable outbox.
//
// On `message.created` it gathers the facts (the sending inbox, who is connected, which
// addresses bounced), asks the pure policy (core/notify.ts) who gets an email, and
// enqueues one job per email. Agent notifications are debounced: the first visitor
// message of a burst opens a window (a remembered key) and enqueues one job due when the
// window ends; later messages of the burst find the window open and add nothing, and the
// job, when it runs, carries every visitor message since the one that opened it.
//
// The deliverer (outbox kind 'email') builds the email when it sends: threading headers
// (threading.ts), the inbox's template and branding (templates.ts), attachments from the
// blob store. Before sending it checks again what may have changed while the job waited
// (the agent read the messages, the visitor came back and saw the reply, the address
// bounced) and takes a slot of the per-address loop brake. Exactly once: the Message-ID is
// fixed when the job is enqueued, and a "sent" mark written right after the SMTP server
// accepts keeps a retried job from sending again; only a crash between those two steps
// can send twice, and then with the same Message-ID, which receiving servers deduplicate.
import type { SendMailOptions } from 'nodemailer';
import type { Logger } from 'pino';
import { normalizeText, type Conversations, type SendResult } from '../../core/conversations';
import { DeliveryError } from '../../core/delivery';
import { ParleyError } from '../../core/errors';
import { derivedId } from '../../core/ids';
import { decideNotifications, type PolicyAgent } from '../../core/notify';
import { presenceOf, visitorKey, type BlobStore, type Clock, type OutboxJob, type PresenceRegistry, type Store } from '../../core/ports';
import type { Agent, Conversation, Inbox, Message, Visitor } from '../../core/types';
import type { Outbox } from '../../jobs/outbox';
import { mailSettingsOf } from './defaults';
import { bouncedKey, type MailIngest } from './ingest';
import type { Mailer } from './mailer';
import { renderEmail, type EmailContext } from './templates';
import type { MailThreading } from './threading';

export const EMAIL_JOB = 'email';
const HOUR_MS = 3600_000;
const SENT_MARK_TTL_MS = 90 * 24 * HOUR_MS;
/** How many of the conversation's Message-IDs go into References (the newest). */
const MAX_REFERENCES = 20;

/** What an email job carries: enough to build the email when it is sent. */
export type EmailJob =
  | { type: 'agent-notification'; inboxId: string; conversationId: string; agentId: string; fromSeq: number; mailId: string }
  | { type: 'visitor-reply'; inboxId: string; conversationId: string; messageId: string; mailId: string };

/** An email ready to go, and what to record once it went. */
interface Built {
  to: string;
  /** A notification (dropped over the loop brake) rather than a reply (held back). */
  automatic: boolean;
  mail: SendMailOptions;
  after?: () => Promise<void>;
}

export interface OutboundDeps {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  outbox: Outbox;
  presence: PresenceRegistry;
  threading: MailThreading;
  mailer: Mailer;
  conversations: Conversations;
  ingest: MailIngest;
  publicUrl: string;
  /** At most this many emails to one address per hour. */
  brakePerHour: number;
}

export class OutboundEmail {
  constructor(private readonly deps: OutboundDeps) {}

  /** Listener of message.created. */
  async onMessageCreated(message: Message, conversation: Conversation): Promise<void> {
    const { store, presence, clock, logger, threading } = this.deps;
    if (message.authorKind === 'system') return;
    const inbox = await this.inboxFor(conversation);
    if (!inbox) return; // no inbox of the site can send: nothing to decide (the policy would say so too)
    const visitor = await store.getVisitor(conversation.visitorId);
    if (!visitor) return;
    const agents = message.authorKind === 'visitor' ? await this.policyAgents() : [];
    const candidates = [...agents.map((a) => a.email), ...(visitor.email ? [visitor.email] : [])];
    const { outbound } = mailSettingsOf(inbox.settings);
    const decision = decideNotifications({
      message,
      conversation,
      visitor: { email: visitor.email, connected: await presence.isConnected(visitorKey(visitor.id)) },
      agents,
      settings: outbound,
      suppressed: await this.suppressed(candidates),
    });
    if (decision.send.length === 0) {
      logger.debug({ conversation: conversation.id, message: message.id, skipped: decision.skipped }, 'no email for this message');
      return;
    }
    const domain = domainOf(inbox.address);
    for (const n of decision.send) {
      if (n.to === 'visitor') {
        await this.deps.outbox.enqueue({
          kind: EMAIL_JOB, key: `email:reply:${message.id}`, queue: `email:${conversation.id}:visitor`,
          payload: { type: 'visitor-reply', inboxId: inbox.id, conversationId: conversation.id, messageId: message.id, mailId: threading.messageIdFor(conversation.id, domain) } satisfies EmailJob,
        });
        continue;
      }
      const windowMs = outbound.debounceSeconds * 1000;
      const now = clock.now();
      if (windowMs > 0) {
        const window = await store.rememberKey(`email:window:${n.agentId}:${conversation.id}`, message.id, now, now + windowMs);
        if (!window.created) continue; // the burst's email is already waiting
      }
      await this.deps.outbox.enqueue({
        kind: EMAIL_JOB, key: `email:notify:${n.agentId}:${message.id}`, queue: `email:${conversation.id}:agent:${n.agentId}`,
        payload: { type: 'agent-notification', inboxId: inbox.id, conversationId: conversation.id, agentId: n.agentId, fromSeq: message.seq, mailId: threading.messageIdFor(conversation.id, domain) } satisfies EmailJob,
        ...(windowMs > 0 ? { notBefore: now + windowMs } : {}),
      });
    }
  }

  /** The outbox deliverer for kind 'email'. */
  deliverer() {
    return async (job: OutboxJob): Promise<void> => {
      const payload = job.payload as EmailJob;
      const { store } = this.deps;
      const sentKey = `email:sent:${job.key}`;
      if ((await store.knownKeys([sentKey], this.deps.clock.now())).size > 0) return; // sent before a crash
      const inbox = await store.getInbox(payload.inboxId);
      if (!inbox) throw new DeliveryError('the inbox was deleted', true);
      if (!inbox.enabled) throw new DeliveryError(`the inbox ${inbox.address} is disabled`, true);
      const conversation = await store.getConversation(payload.conversationId);
      if (!conversation) throw new DeliveryError('the conversation was deleted', true);
      const built = payload.type === 'agent-notification'
        ? await this.notification(inbox, conversation, payload)
        : await this.reply(inbox, conversation, payload);
      if (!built) return; // nothing left to send (seen meanwhile): done
      await this.checkRecipient(built.to, built.automatic);
      await this.deps.mailer.send(inbox, built.mail);
      const now = this.deps.clock.now();
      await store.rememberKey(sentKey, payload.mailId, now, now + SENT_MARK_TTL_MS);
      await built.after?.();
    };
  }

  /**
   * An operator starts a conversation by email with any address: the conversation opens in
   * the inbox and the agent's first message goes out like any reply. Idempotent on clientId.
   */
  async startConversation(agent: Agent, input: { inboxId: string; to: string; name?: string | null; subject: string; text: string; attachmentIds?: string[]; clientId: string }): Promise<SendResult> {
    const { store, ingest } = this.deps;
    const inbox = await store.getInbox(input.inboxId);
    if (!inbox) throw new ParleyError('NOT_FOUND', undefined, 'No inbox has this id.');
    if (!inbox.settings.outgoing) {
      throw new ParleyError('VALIDATION_FAILED', [{ path: 'inboxId', message: `The inbox ${inbox.address} has no SMTP server: add one in its settings first.` }]);
    }
    if (!inbox.enabled) throw new ParleyError('INBOX_DISABLED');
    const to = input.to.toLowerCase();
    // The same request (client id and recipient) makes the same conversation.
    const conversationId = derivedId(`email-start:${agent.id}:${input.clientId}:${to}`);
    // Refuse a message that cannot be sent before anything is created: no empty conversations.
    normalizeText(input.text, input.attachmentIds);
    for (const id of input.attachmentIds ?? []) {
      const att = await store.getAttachment(id);
      const usable = att && att.uploaderKind === 'agent' && att.uploaderId === agent.id && (att.messageId === null || att.conversationId === conversationId);
      if (!usable) throw new ParleyError('ATTACHMENT_UNAVAILABLE');
    }
    const visitor = await ingest.visitorFor(inbox, { name: input.name ?? '', address: to });
    const { conversation } = await this.deps.conversations.open({
      id: conversationId, siteId: inbox.siteId, visitorId: visitor.id,
      name: input.subject, channel: 'email', departmentId: inbox.departmentId, inboxId: inbox.id, status: 'open',
    });
    return this.deps.conversations.replyAsAgent(agent, conversation.id, { clientId: input.clientId, text: input.text, attachmentIds: input.attachmentIds });
  }

  /** The inbox that emails for a conversation: its own, else the site's (the department's first). */
  private async inboxFor(conversation: Conversation): Promise<Inbox | null> {
    const { store } = this.deps;
    if (conversation.inboxId) {
      const own = await store.getInbox(conversation.inboxId);
      return own && own.enabled && own.settings.outgoing ? own : null;
    }
    const sending = (await store.listInboxes(conversation.siteId)).filter((i) => i.enabled && i.settings.outgoing);
    return sending.find((i) => i.departmentId && i.departmentId === conversation.departmentId) ?? sending.find((i) => !i.departmentId) ?? sending[0] ?? null;
  }

  private async policyAgents(): Promise<PolicyAgent[]> {
    const { store, presence } = this.deps;
    const agents = await store.listAgents();
    return Promise.all(agents.map(async (a) => ({
      id: a.id, email: a.email, departments: a.departments,
      online: (await presenceOf(presence, a)) !== 'offline',
    })));
  }

  /** Which of the addresses bounced (or complained), with the reason. */
  private async suppressed(addresses: string[]): Promise<Map<string, string>> {
    const keys = new Map(addresses.map((a) => [bouncedKey(a), a.toLowerCase()]));
    const known = await this.deps.store.knownKeys([...keys.keys()], this.deps.clock.now());
    return new Map([...known].map((k) => [keys.get(k)!, 'the address bounced']));
  }

  /**
   * Last checks before an email leaves: the address has not bounced since, and the loop
   * brake has a free slot. Notifications over the brake are dropped (dead, with the
   * reason); replies wait for a slot.
   */
  private async checkRecipient(to: string, automatic: boolean): Promise<void> {
    const { store, clock, brakePerHour } = this.deps;
    const now = clock.now();
    // N slots per address, each a remembered key that expires an hour after it was taken:
    // a sliding window that needs nothing but rememberKey's atomic "create unless live".
    const slots = Array.from({ length: brakePerHour }, (_, i) => `email:brake:${to.toLowerCase()}:${i}`);
    const known = await store.knownKeys([bouncedKey(to), ...slots], now);
    if (known.has(bouncedKey(to))) throw new DeliveryError(`not sent: ${to} bounced earlier`, true);
    // The free slots from a random one on: emails to one address delivered at once (an
    // agent notified of several conversations) would otherwise all race for the same slot,
    // and each loser try the next.
    const free = slots.filter((slot) => !known.has(slot));
    const start = Math.floor(Math.random() * free.length);
    for (const slot of [...free.slice(start), ...free.slice(0, start)]) {
      if ((await store.rememberKey(slot, '1', now, now + HOUR_MS)).created) return;
    }
    const message = `loop brake: ${brakePerHour} emails to ${to} in the last hour`;
    if (automatic) throw new DeliveryError(`not sent: ${message}`, true);
    throw new DeliveryError(`held back: ${message}`, false, 10 * 60_000);
  }

  private async notification(inbox: Inbox, conversation: Conversation, job: Extract<EmailJob, { type: 'agent-notification' }>): Promise<Built | null> {
    const { store, presence, threading } = this.deps;
    const agent = await store.getAgent(job.agentId);
    if (!agent) return null;
    if ((await presenceOf(presence, agent)) !== 'offline') return null; // came online: sees it live
    const messages = (await store.listMessages(conversation.id, { afterSeq: job.fromSeq - 1, limit: 50 })).filter((m) => m.authorKind === 'visitor');
    const newest = messages.at(-1);
    if (!newest || conversation.agentReadSeq >= newest.seq) return null; // read in the dashboard meanwhile
    const visitor = await store.getVisitor(conversation.visitorId);
    const token = threading.tokenFor(conversation.id);
    const tag = threading.agentTag(conversation.id, agent.id);
    const visitorName = visitor?.name || visitor?.email || 'A visitor';
    const ctx = await this.context(inbox, conversation, visitor, agent, newest, messages, `${this.deps.publicUrl}/admin/#/inbox/${conversation.id}`);
    const chain = await this.chain(conversation);
    return {
      to: agent.email,
      automatic: true,
      mail: this.compose(inbox, conversation, {
        fromName: `${visitorName} (${inbox.name})`, to: agent.email, token, tag, chain, ctx, kind: 'agentNotification', mailId: job.mailId,
        autoSubmitted: 'auto-generated',
      }),
    };
  }

  private async reply(inbox: Inbox, conversation: Conversation, job: Extract<EmailJob, { type: 'visitor-reply' }>): Promise<Built | null> {
    const { store, threading, blobs } = this.deps;
    const message = await store.getMessage(job.messageId);
    if (!message) return null;
    // A chat visitor who came back and read it has seen it: not emailed again.
    if (conversation.channel !== 'email' && conversation.visitorReadSeq >= message.seq) return null;
    const visitor = await store.getVisitor(conversation.visitorId);
    if (!visitor?.email) return null;
    const agent = message.authorId ? await store.getAgent(message.authorId) : null;
    const token = threading.tokenFor(conversation.id);
    const ctx = await this.context(inbox, conversation, visitor, agent, message, [message], visitor.currentPage ?? '');
    const chain = await this.chain(conversation, message.id);
    const mail = this.compose(inbox, conversation, {
      fromName: agent ? `${agent.name} (${inbox.name})` : inbox.name, to: visitor.email, token, chain, ctx, kind: 'visitorReply', mailId: job.mailId,
      autoSubmitted: 'auto-replied',
    });
    const files = await Promise.all(message.attachments.map(async (a) => {
      const content = await blobs.open(a.id);
      if (!content) throw new DeliveryError(`the attachment ${a.name} is missing from the file store`, true);
      return { filename: a.name, contentType: a.type, content: content as NodeJS.ReadableStream & import('node:stream').Readable };
    }));
    if (files.length) mail.attachments = files;
    return {
      to: visitor.email,
      automatic: false,
      mail,
      // The Message-ID is stored with the message it carries. A message that came in by
      // email itself (an agent answering from a mail client) keeps its own email record.
      after: async () => {
        if (message.email) return;
        await store.setMessageEmail(message.id, {
          inboxId: inbox.id, messageId: job.mailId, from: `${inbox.name} <${inbox.address}>`, subject: String(mail.subject), original: message.text, html: null,
        });
      },
    };
  }

  private async context(inbox: Inbox, conversation: Conversation, visitor: Visitor | null, agent: Agent | null, message: Message, messages: Message[], url: string): Promise<EmailContext> {
    const site = await this.deps.store.getSite(conversation.siteId);
    const visitorName = visitor?.name || visitor?.email || 'Visitor';
    const authorOf = (m: Message) => (m.authorKind === 'visitor' ? visitorName : m.authorId === agent?.id ? agent?.name ?? 'Agent' : 'Agent');
    return {
      site: { name: site?.name ?? '' },
      inbox: { name: inbox.name, address: inbox.address },
      visitor: { name: visitorName, email: visitor?.email ?? null },
      agent: { name: agent?.name ?? inbox.name },
      conversation: { name: conversation.name, url },
      message: { text: message.text || attachmentNote(message), author: authorOf(message) },
      messages: messages.map((m) => ({ text: m.text || attachmentNote(m), author: authorOf(m), time: timeOf(m.createdAt) })),
    };
  }

  /** The conversation's Message-IDs so far (emails in and out), oldest first, without `except`'s own. */
  private async chain(conversation: Conversation, except?: string): Promise<string[]> {
    const recent = await this.deps.store.listMessages(conversation.id, { limit: 100 });
    return recent.filter((m) => m.id !== except && m.email?.messageId).map((m) => m.email!.messageId!).slice(-MAX_REFERENCES);
  }

  private compose(inbox: Inbox, conversation: Conversation, o: {
    fromName: string; to: string; token: string; tag?: string; chain: string[]; ctx: EmailContext;
    kind: 'agentNotification' | 'visitorReply'; mailId: string; autoSubmitted: 'auto-generated' | 'auto-replied';
  }): SendMailOptions {
    const { threading } = this.deps;
    const settings = mailSettingsOf(inbox.settings);
    const body = renderEmail(o.kind, settings, o.ctx, { delimiter: inbox.settings.delimiter });
    const replyAddress = inbox.settings.plusAddressing ? threading.plusAddress(inbox.address, o.token, o.tag) : inbox.address;
    const last = o.chain.at(-1);
    return {
      from: { name: o.fromName, address: inbox.address },
      to: o.to,
      replyTo: { name: threading.displayName(inbox.name, o.token, o.tag), address: replyAddress },
      // An email conversation with no email yet is one an operator starts: no "Re:" then.
      subject: threading.subject(conversation.name, o.token, { first: o.chain.length === 0 && conversation.channel === 'email' && o.kind === 'visitorReply' }),
      messageId: `<${o.mailId}>`,
      ...(last ? { inReplyTo: `<${last}>`, references: o.chain.map((id) => `<${id}>`) } : {}),
      headers: {
        'Auto-Submitted': o.autoSubmitted,
        // Asks Exchange and others not to answer with out-of-office replies.
        'X-Auto-Response-Suppress': 'All',
      },
      text: body.text,
      html: body.html,
    };
  }
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

function attachmentNote(m: Message): string {
  return m.attachments.length ? `(${m.attachments.map((a) => a.name).join(', ')})` : '';
}

function timeOf(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
