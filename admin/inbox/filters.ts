// The inbox filters, kept across screens, and the rules the live updates follow:
// which conversations belong in the current list, in which order.
import type { ConversationQuery } from '../api';
import { Store } from '../lib/store';
import type { Channel, ConversationStatus, ConversationView } from '../types';

export interface Filters {
  status: ConversationStatus;
  /** 'all', 'none' (no department) or a department id. */
  department: string;
  channel: 'all' | Channel;
  mine: boolean;
}

export const filters = new Store<Filters>({ status: 'open', department: 'all', channel: 'all', mine: false });

export const PAGE_SIZE = 30;

export function toQuery(f: Filters): ConversationQuery {
  return {
    status: f.status,
    ...(f.channel !== 'all' && { channel: f.channel }),
    ...(f.department !== 'all' && { department: f.department }),
    ...(f.mine && { assignee: 'me' }),
    limit: PAGE_SIZE,
  };
}

export function matches(c: ConversationView, f: Filters, meId: string | undefined): boolean {
  if (c.status !== f.status) return false;
  if (f.channel !== 'all' && c.channel !== f.channel) return false;
  if (f.department === 'none' && c.departmentId !== null) return false;
  if (f.department !== 'all' && f.department !== 'none' && c.departmentId !== f.department) return false;
  if (f.mine && c.assigneeId !== meId) return false;
  return true;
}

/** Newest activity first, as the server pages them. */
const activity = (c: ConversationView): number => c.lastMessageAt ?? c.createdAt;
export const sortConversations = (list: ConversationView[]): ConversationView[] =>
  [...list].sort((a, b) => activity(b) - activity(a) || b.createdAt - a.createdAt);

/**
 * Applies a newer view of a conversation over the one held. Broadcasts can overtake one
 * another: sequence numbers and read marks never go back.
 */
export function mergeConversation(held: ConversationView | undefined | null, next: ConversationView): ConversationView {
  if (!held) return next;
  const merged = {
    ...next,
    visitorReadSeq: Math.max(held.visitorReadSeq, next.visitorReadSeq),
    agentReadSeq: Math.max(held.agentReadSeq, next.agentReadSeq),
  };
  if (held.lastSeq > next.lastSeq) {
    merged.lastSeq = held.lastSeq;
    merged.lastMessageAt = held.lastMessageAt;
    merged.lastMessagePreview = held.lastMessagePreview;
  }
  return merged;
}

export function upsert(list: ConversationView[], conv: ConversationView): ConversationView[] {
  const held = list.find((c) => c.id === conv.id);
  return sortConversations([...list.filter((c) => c.id !== conv.id), mergeConversation(held, conv)]);
}
