// One email in, one outcome out: the ordered decision of DESIGN.md "An inbound email"
// (loop guard -> header filters -> sender -> thread matcher -> stripped text -> core).
// Safe to run twice on the same email (a crash between the store write and the mailbox
// watermark replays it): the decision is remembered under inbox + Message-ID before the
// conversation is touched, and the message's client id is that same key.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Conversations } from '../../core/conversations';
import { ParleyError } from '../../core/errors';
import { derivedId, newId } from '../../core/ids';
import { emailSource, type BlobStore, type Clock, type Store } from '../../core/ports';
import type { Agent, EmailMeta, Inbox, MailItemKind, Visitor } from '../../core/types';
import { MAX_ATTACHMENTS_PER_MESSAGE, MAX_TEXT_LENGTH } from '../../core/conversations';
import { cleanFilename } from '../../core/uploads';
import type { Analysis } from './analyze';
import { vouchForAgent, type DnsResolver } from './authenticate';
import { matchHeaderFilters } from './filters';
import { parseEmail, type MailAddress, type ParsedEmail } from './mail';
import { ParseError, type ParsePool } from './parse-pool';
import type { MailThreading } from './threading';

const DECISION_TTL_MS = 10 * 365 * 24 * 3600_000;
const BOUNCE_TTL_MS = 365 * 24 * 3600_000;
/** What is kept of an email's full text and HTML beside the chat message. */
const MAX_ORIGINAL_CHARS = 1_000_000;

export type IngestOutcome =
  | { result: 'imported'; conversationId: string; messageId: string; as: 'visitor' | 'agent'; duplicate: boolean; how: string }
  | { result: 'ignored'; reason: string }
  | { result: 'set-aside' | 'quarantined'; reason: string; itemId: string };

export interface IngestDeps {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  conversations: Conversations;
  threading: MailThreading;
  threadingKey: Uint8Array;
  pool: ParsePool;
  logger: Logger;
  /** Emails larger than this are quarantined unparsed. */
  maxEmailBytes: number;
  /** Per attachment; larger ones are left out (the message says so). */
  maxAttachmentBytes: number;
  /** DNS for DKIM checks of agents' replies (the system resolver unless a test injects one). */
  resolver?: DnsResolver;
}

/** The bounce mark of an address: outbound email skips addresses that bounced. */
export const bouncedKey = (address: string): string => `bounced:${address.toLowerCase()}`;

export class MailIngest {
  constructor(private readonly deps: IngestDeps) {}

  /**
   * Reads one raw email into the inbox's live chat. `force` imports it as a new
   * conversation even with "convert all emails" off (an admin importing a set-aside email).
   */
  async ingest(inbox: Inbox, raw: Uint8Array, opts: { force?: boolean; analysis?: Promise<Analysis> } = {}): Promise<IngestOutcome> {
    const { maxEmailBytes } = this.deps;
    // Keys an email without a usable Message-ID; most have one, so it is computed only then.
    const digest = () => createHash('sha256').update(raw).digest('hex');
    if (raw.byteLength > maxEmailBytes) {
      return this.tooLarge(inbox, raw, raw.byteLength);
    }
    let analysis: Analysis;
    try {
      analysis = await (opts.analysis ?? this.analyze(inbox, raw));
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      return this.setAside(inbox, 'quarantined', `sha:${digest()}`, raw, null, `the email could not be parsed: ${err.message}`);
    }
    const { mail } = analysis;
    const key = mail.messageId ? `mid:${mail.messageId}` : `sha:${digest()}`;
    try {
      return await this.decide(inbox, raw, key, analysis, opts.force ?? false);
    } catch (err) {
      // The core refused it (e.g. a validation rule): keep it for an admin, with the reason.
      if (err instanceof ParleyError) return this.setAside(inbox, 'quarantined', key, raw, analysis.mail, `the email could not be imported: ${err.message}`);
      throw err;
    }
  }

  /**
   * Starts parsing in the worker; a reader calls it for a whole fetched batch first, so
   * the worker parses ahead while the main thread stores (pass the promise to ingest).
   */
  analyze(inbox: Inbox, raw: Uint8Array): Promise<Analysis> {
    const analysis = this.deps.pool.analyze(raw, { delimiter: inbox.settings.delimiter, threadingKey: this.deps.threadingKey });
    analysis.catch(() => undefined); // observed by ingest(); not an unhandled rejection meanwhile
    return analysis;
  }

  private async decide(inbox: Inbox, raw: Uint8Array, key: string, analysis: Analysis, force: boolean): Promise<IngestOutcome> {
    const { store, threading, clock } = this.deps;
    const { mail, verdict } = analysis;
    // 1. Loop guard.
    if (verdict.kind !== 'normal') {
      if (verdict.kind === 'bounce' || verdict.kind === 'complaint') {
        const now = clock.now();
        for (const address of verdict.bouncedRecipients) await store.rememberKey(bouncedKey(address), verdict.reason, now, now + BOUNCE_TTL_MS);
      }
      return { result: 'ignored', reason: `${verdict.kind}: ${verdict.reason}` };
    }
    // 2. The admin's header filters.
    const filter = matchHeaderFilters(mail, inbox.settings.headerFilters);
    if (filter) return { result: 'ignored', reason: `header filter ${filter.header}${filter.pattern ? `: ${filter.pattern}` : ''}` };
    // 3. Sender.
    if (!mail.from) return this.setAside(inbox, 'quarantined', key, raw, mail, 'the email has no sender (From) address');
    if (mail.from.address === inbox.address) return { result: 'ignored', reason: 'sent by the inbox itself' };
    const clues = threading.clues(mail, inbox.address);
    const hit = threading.firstConversation(clues);
    const agent = await store.getAgentByEmail(mail.from.address);
    if (agent) return this.agentReply(inbox, raw, key, analysis, agent, hit, clues.agentTags);
    const customer = mail.replyTo[0] ?? mail.from;

    // 4. Thread matcher, first hit wins.
    let target: { conversationId: string; how: string } | null = null;
    if (hit) {
      const conv = await store.getConversation(hit.conversationId);
      if (conv && conv.siteId === inbox.siteId) target = { conversationId: conv.id, how: `threaded by ${CLUE_NAMES[hit.clue]}` };
    }
    let visitor: Visitor | null = null;
    if (!target && inbox.settings.reopen) {
      visitor = await this.findVisitor(inbox, customer);
      const last = visitor && (await store.listConversations({ visitorId: visitor.id, inboxId: inbox.id }, 1)).items[0];
      if (last) target = { conversationId: last.id, how: last.status === 'closed' ? 'returning sender: reopened' : 'returning sender' };
    }
    if (!target) {
      if (!force && !inbox.settings.convertAll) {
        return this.setAside(inbox, 'set-aside', key, raw, mail, 'it threads into no conversation and "convert all emails" is off');
      }
      if (!force && verdict.list) return this.setAside(inbox, 'set-aside', key, raw, mail, 'mailing-list mail (List-Id/List-Unsubscribe) is not converted');
      target = { conversationId: newId(), how: 'new conversation' };
    }
    // Remember the decision before acting on it: a replay lands on the same conversation.
    const now = clock.now();
    const decision = await store.rememberKey(`mail:${inbox.id}:${key}`, target.conversationId, now, now + DECISION_TTL_MS);
    const conversationId = decision.value;

    let conversation = await store.getConversation(conversationId);
    if (!conversation) {
      visitor ??= await this.visitorFor(inbox, customer);
      conversation = (await this.deps.conversations.open({
        id: conversationId, siteId: inbox.siteId, visitorId: visitor.id, name: conversationName(mail.subject, customer),
        channel: 'email', departmentId: inbox.departmentId, inboxId: inbox.id, status: 'open',
      })).conversation;
    }
    // A reply threads into its conversation even from another address (a colleague, a
    // forwarding alias): it is filed under the conversation's visitor; `from` says who wrote.
    const owner = await store.getVisitor(conversation.visitorId);
    if (!owner) throw new Error(`visitor ${conversation.visitorId} of conversation ${conversation.id} is missing`);
    const { attachmentIds, left } = await this.storeAttachments(inbox, key, analysis, 'visitor', owner.id);
    const result = await this.deps.conversations.receiveInConversation(conversation, owner, {
      clientId: `mail:${key}`, text: chatText(analysis, left), attachmentIds, email: emailMeta(inbox, analysis),
    }, 'email');
    if (!result.duplicate) await store.countImported(inbox.id, 1, clock.now());
    return { result: 'imported', conversationId: conversation.id, messageId: result.message.id, as: 'visitor', duplicate: result.duplicate, how: target.how };
  }

  /**
   * Mail from an agent's registered address is that agent's reply only when it threads
   * into a conversation and authenticates; otherwise it is the agent's own mail and is
   * left alone (it never opens a conversation).
   */
  private async agentReply(
    inbox: Inbox, raw: Uint8Array, key: string, analysis: Analysis, agent: Agent,
    hit: { conversationId: string } | null, agentTags: Array<{ conversationId: string; tag: string }>,
  ): Promise<IngestOutcome> {
    const { store, threading } = this.deps;
    if (!hit) return { result: 'ignored', reason: `mail from agent ${agent.email} that answers no conversation` };
    const conversation = await store.getConversation(hit.conversationId);
    if (!conversation || conversation.siteId !== inbox.siteId) return { result: 'ignored', reason: `mail from agent ${agent.email} that answers no conversation of this site` };
    const tagged = agentTags.some((t) => t.conversationId === conversation.id && threading.verifyAgentTag(conversation.id, agent.id, t.tag));
    const vouched = tagged ? 'the signed agent tag' : await vouchForAgent(analysis.mail, raw, inbox.settings.trustedAuthServId, this.deps.resolver);
    if (!vouched) return { result: 'ignored', reason: `mail from agent ${agent.email} that does not authenticate (no signed agent tag, no DKIM/SPF/DMARC pass)` };
    if (conversation.status === 'closed') {
      try {
        await this.deps.conversations.reopen(agent, conversation.id);
      } catch (err) {
        if (err instanceof ParleyError) return { result: 'ignored', reason: `agent ${agent.email} answered a closed conversation that cannot reopen: ${err.message}` };
        throw err;
      }
    }
    const { attachmentIds, left } = await this.storeAttachments(inbox, key, analysis, 'agent', agent.id);
    try {
      const result = await this.deps.conversations.replyAsAgent(agent, conversation.id, {
        clientId: `mail:${key}`, text: chatText(analysis, left), attachmentIds, email: emailMeta(inbox, analysis),
      });
      if (!result.duplicate) await store.countImported(inbox.id, 1, this.deps.clock.now());
      return { result: 'imported', conversationId: conversation.id, messageId: result.message.id, as: 'agent', duplicate: result.duplicate, how: `agent reply (${vouched})` };
    } catch (err) {
      if (err instanceof ParleyError && err.code === 'NOT_FOUND') return { result: 'ignored', reason: `agent ${agent.email} may not see this conversation` };
      throw err;
    }
  }

  private async findVisitor(inbox: Inbox, who: MailAddress): Promise<Visitor | null> {
    const link = await this.deps.store.findExternalId(emailSource(inbox.siteId), who.address);
    return link ? this.deps.store.getVisitor(link.visitorId) : null;
  }

  /** The visitor behind an email address of this site: found by the link, or created and linked (race-safe). */
  async visitorFor(inbox: Inbox, who: MailAddress): Promise<Visitor> {
    const { store } = this.deps;
    const found = await this.findVisitor(inbox, who);
    if (found) {
      if (!found.name && who.name) return (await store.updateVisitor(found.id, { name: who.name })) ?? found;
      return found;
    }
    const created = await store.createVisitor({
      id: newId(), siteId: inbox.siteId, name: who.name || null, email: who.address,
      currentPage: null, pages: [], locale: null, userAgent: `email (${inbox.address})`, avatarUrl: null,
    });
    const bound = await store.linkExternalId({ source: emailSource(inbox.siteId), externalId: who.address, visitorId: created.id });
    return bound.created ? created : (await store.getVisitor(bound.visitorId)) ?? created;
  }

  /**
   * Stores the email's attachments and inline images under ids derived from the email,
   * so a replay finds them instead of storing them twice. Returns what was left out.
   */
  private async storeAttachments(inbox: Inbox, key: string, analysis: Analysis, kind: 'visitor' | 'agent', ownerId: string) {
    const { store, blobs, clock, maxAttachmentBytes } = this.deps;
    const attachmentIds: string[] = [];
    const left: string[] = [];
    for (const [i, part] of analysis.mail.attachments.entries()) {
      if (part.contentType.startsWith('message/') || part.contentType === 'text/rfc822-headers') continue;
      const name = cleanFilename(part.filename || `attachment-${i + 1}.${extensionOf(part.contentType)}`);
      if (part.size > maxAttachmentBytes) {
        left.push(`${name} (${mb(part.size)}, over the ${mb(maxAttachmentBytes)} limit)`);
        continue;
      }
      if (attachmentIds.length >= MAX_ATTACHMENTS_PER_MESSAGE) {
        left.push(`${name} (more than ${MAX_ATTACHMENTS_PER_MESSAGE} attachments)`);
        continue;
      }
      const id = derivedId(`${inbox.id}:${key}:${i}`);
      if (!(await store.getAttachment(id))) {
        await blobs.put(id, Buffer.from(part.content.buffer, part.content.byteOffset, part.content.byteLength));
        await store.createAttachment({
          id, messageId: null, conversationId: null, uploaderKind: kind, uploaderId: ownerId,
          name, type: part.contentType, size: part.content.byteLength, createdAt: clock.now(),
        });
      }
      attachmentIds.push(id);
    }
    return { attachmentIds, left };
  }

  /**
   * An email over the size limit, of which the source fetched only the header: kept in
   * quarantine with that header (the whole email stays in the mailbox).
   */
  async tooLarge(inbox: Inbox, headerBytes: Uint8Array, size: number): Promise<IngestOutcome> {
    let mail: ParsedEmail | null = null;
    try {
      mail = await parseEmail(headerBytes.subarray(0, 256 * 1024));
    } catch {
      // The header alone is unreadable too: the digest keys it.
    }
    const key = mail?.messageId ? `mid:${mail.messageId}` : `sha:${createHash('sha256').update(headerBytes).digest('hex')}:${size}`;
    const reason = `the email is ${mb(size)}, over the ${mb(this.deps.maxEmailBytes)} limit (only its header is kept here; the whole email stays in the mailbox)`;
    return this.setAside(inbox, 'quarantined', key, headerBytes.subarray(0, 256 * 1024), mail, reason);
  }

  /** Keeps an email that did not become a message, raw, with the reason. Idempotent per inbox + key. */
  async setAside(inbox: Inbox, kind: MailItemKind, key: string, raw: Uint8Array, mail: ParsedEmail | null, reason: string): Promise<IngestOutcome> {
    const { store, blobs, clock } = this.deps;
    const rawBlobId = newId();
    await blobs.put(rawBlobId, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    const { item, created } = await store.addMailItem({
      id: newId(), inboxId: inbox.id, key, kind, reason,
      messageId: mail?.messageId ?? null, from: mail?.from ? formatAddress(mail.from) : null, subject: mail?.subject ?? null,
      size: raw.byteLength, rawBlobId, createdAt: clock.now(),
    });
    if (!created) await blobs.delete(rawBlobId);
    this.deps.logger.info({ inbox: inbox.id, kind, reason, messageId: mail?.messageId }, 'email kept aside');
    return { result: kind, reason, itemId: item.id };
  }
}

const CLUE_NAMES = { header: 'In-Reply-To/References', address: 'the plus-address', displayName: 'the display name', subject: 'the subject token' } as const;

function chatText(analysis: Analysis, left: string[]): string {
  let text = analysis.text.trim() || analysis.mail.subject.trim() || '(empty email)';
  if (left.length) text += `\n\n[Not imported: ${left.join('; ')}]`;
  if (text.length > MAX_TEXT_LENGTH) text = `${text.slice(0, MAX_TEXT_LENGTH - 60).trimEnd()}\n\n[…cut here: the whole email is under "show original"]`;
  return text;
}

function emailMeta(inbox: Inbox, analysis: Analysis): EmailMeta {
  const { mail } = analysis;
  return {
    inboxId: inbox.id,
    messageId: mail.messageId,
    from: mail.from ? formatAddress(mail.from) : '',
    subject: mail.subject,
    original: analysis.original.slice(0, MAX_ORIGINAL_CHARS),
    html: analysis.html && analysis.html.length <= MAX_ORIGINAL_CHARS ? analysis.html : null,
  };
}

function conversationName(subject: string, who: MailAddress): string {
  const s = subject.replace(/^((re|fw|fwd|aw|wg|rif|sv|tr)\s*:\s*)+/i, '').trim();
  return (s || `Email from ${who.name || who.address}`).slice(0, 200);
}

export function formatAddress(a: MailAddress): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function extensionOf(type: string): string {
  return type.split('/')[1]?.replace(/[^a-z0-9]/g, '').slice(0, 8) || 'bin';
}

