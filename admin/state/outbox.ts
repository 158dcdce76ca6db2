// Replies on their way to the server. Each send has a client id; until its ack arrives
// it stays here and is re-sent with the same id after a reconnect (the server never
// stores a client id twice). A refused send goes back into the draft with the error.
import { Emitter, Store } from '../lib/store';
import { newClientId } from '../lib/format';
import type { AgentSocket } from '../socket';
import type { AttachmentView, ErrorBody, MessageView, SendAck } from '../types';

export interface Draft {
  text: string;
  attachments: AttachmentView[];
  error: ErrorBody | null;
}

export interface Outgoing {
  clientId: string;
  conversationId: string;
  text: string;
  attachments: AttachmentView[];
  createdAt: number;
}

const EMPTY: Draft = { text: '', attachments: [], error: null };
const ACK_TIMEOUT_MS = 15_000;

export const drafts = new Store<Record<string, Draft>>({});
export const outgoing = new Store<Outgoing[]>([]);
/** Messages the server confirmed (the view adds them even before the broadcast). */
export const delivered = new Emitter<MessageView>();

let socket: AgentSocket | null = null;
const inFlight = new Set<string>();

export const draftOf = (conversationId: string): Draft => drafts.get()[conversationId] ?? EMPTY;

export function updateDraft(conversationId: string, patch: Partial<Draft>): void {
  drafts.set((all) => ({ ...all, [conversationId]: { ...draftOf(conversationId), ...patch } }));
}

/** Binds the outbox to the live socket: everything unacknowledged goes again on each connect. */
export function attachOutbox(s: AgentSocket): () => void {
  socket = s;
  const resend = () => outgoing.get().forEach(emit);
  s.on('connect', resend);
  return () => {
    s.off('connect', resend);
    if (socket === s) socket = null;
    inFlight.clear();
  };
}

/** Sends the conversation's draft. False when there is nothing to send. */
export function sendDraft(conversationId: string): boolean {
  const draft = draftOf(conversationId);
  const text = draft.text.trim();
  if (!text && draft.attachments.length === 0) return false;
  const item: Outgoing = { clientId: newClientId(), conversationId, text, attachments: draft.attachments, createdAt: Date.now() };
  updateDraft(conversationId, { text: '', attachments: [], error: null });
  outgoing.set((list) => [...list, item]);
  emit(item);
  return true;
}

function emit(item: Outgoing): void {
  if (!socket?.connected || inFlight.has(item.clientId)) return; // sent again on connect
  inFlight.add(item.clientId);
  const payload = {
    conversationId: item.conversationId,
    clientId: item.clientId,
    text: item.text,
    ...(item.attachments.length ? { attachmentIds: item.attachments.map((a) => a.id) } : {}),
  };
  socket.timeout(ACK_TIMEOUT_MS).emit('message:send', payload, (err: Error | null, res: SendAck) => {
    inFlight.delete(item.clientId);
    if (!outgoing.get().some((o) => o.clientId === item.clientId)) return; // already settled
    if (err) {
      // Disconnected (re-sent on connect) or no answer in time: try again, same client id.
      emit(item);
      return;
    }
    outgoing.set((list) => list.filter((o) => o.clientId !== item.clientId));
    if (res.ok) {
      delivered.emit(res.message);
      return;
    }
    const current = draftOf(item.conversationId);
    const keepFiles = res.error.code !== 'ATTACHMENT_UNAVAILABLE';
    updateDraft(item.conversationId, {
      text: current.text ? `${item.text}\n${current.text}` : item.text,
      attachments: keepFiles ? [...item.attachments, ...current.attachments] : current.attachments,
      error: res.error,
    });
  });
}

/** Forgets drafts and unsent replies (on sign-out: they belong to that agent). */
export function resetOutbox(): void {
  drafts.set({});
  outgoing.set([]);
  inFlight.clear();
}

export const pendingOf = (list: Outgoing[], conversationId: string): Outgoing[] => list.filter((o) => o.conversationId === conversationId);
