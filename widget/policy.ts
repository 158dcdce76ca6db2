// The chat's pure decisions, apart from sockets and rendering: how messages merge and
// sort, what counts as unread, which form the panel shows.
import type { AttachmentView, MessageView, PrechatSettings } from '../server/transport/views';

/** A message the visitor wrote that the server has not acknowledged yet. */
export interface Pending {
  clientId: string;
  text: string;
  attachments: AttachmentView[];
  createdAt: number;
  /** Sent with `offline:message` (the "leave a message" form) instead of `message:send`. */
  offline?: { name?: string; email: string };
  /** The server refused it for good: shown with a retry button, not resent on its own. */
  error?: string;
}

/** Where the visitor has read up to: a conversation and a sequence number in it. */
export interface SeenMark {
  c: string;
  s: number;
}

/**
 * Messages in display order. Sequence numbers count per conversation, so conversations
 * come in the order the widget met them (`convs`), then by seq.
 */
export function sortMessages(msgs: Iterable<MessageView>, convs: string[]): MessageView[] {
  return [...msgs].sort((a, b) => convs.indexOf(a.conversationId) - convs.indexOf(b.conversationId) || a.seq - b.seq);
}

/** Highest seq held in conversation `conv` (0 when none). */
export function topSeq(messages: MessageView[], conv: string): number {
  let top = 0;
  for (const m of messages) if (m.conversationId === conv && m.seq > top) top = m.seq;
  return top;
}

/** Agent messages after the visitor's seen mark. */
export function countUnread(messages: MessageView[], convs: string[], seen: SeenMark | null): number {
  const seenConv = seen ? convs.indexOf(seen.c) : -1;
  let n = 0;
  for (const m of messages) {
    if (m.author.kind !== 'agent') continue;
    const c = convs.indexOf(m.conversationId);
    if (!(c < seenConv || (c === seenConv && m.seq <= seen!.s))) n++;
  }
  return n;
}

/** The outbox entries still to show: those whose stored message has not arrived yet. */
export function unsent(outbox: Pending[], messages: MessageView[]): Pending[] {
  const stored = new Set(messages.map((m) => m.clientId));
  return outbox.filter((p) => !stored.has(p.clientId));
}

/** Does the visitor record already answer the pre-chat form? */
export function prechatAnswered(rules: PrechatSettings, v: { name: string | null; email: string | null }): boolean {
  const shown = (['name', 'email'] as const).filter((f) => rules[f] !== 'hidden');
  if (!shown.length) return true;
  return shown.every((f) => rules[f] !== 'required' || !!v[f]) && shown.some((f) => !!v[f]);
}

export interface FootInput {
  synced: boolean;
  agentsOnline: boolean;
  hasChat: boolean;
  visitor: { name: string | null; email: string | null };
  prechat: PrechatSettings | null;
  prechatDone: boolean;
  offlineSentTo: string | null;
}

/**
 * What the panel's footer holds. Nobody online: the "leave a message" form, unless the
 * visitor already has a conversation and gave an email to answer to. Otherwise the
 * pre-chat form before a first message, when the site asks for one and the visitor
 * record does not answer it yet. Until the history is known, the composer.
 */
export function footMode(s: FootInput): 'offline' | 'prechat' | 'chat' {
  if (!s.synced) return 'chat';
  if (!s.agentsOnline && !s.offlineSentTo && (!s.hasChat || !s.visitor.email)) return 'offline';
  const p = s.prechat;
  if (p && p.enabled && !s.prechatDone && !s.hasChat && !prechatAnswered(p, s.visitor)) return 'prechat';
  return 'chat';
}
