// The typed Socket.IO event maps, one per namespace, shared by the server, the widget
// and the dashboard (`import type` only). Every client -> server event that changes
// state takes an ack so the client knows it was stored.
import type {
  Ack, AgentPublicView, ConversationView, MessageView, PresenceStatus, VisitorConversationView, VisitorView,
} from '../views';

export const VISITOR_NAMESPACE = '/visitor';
export const AGENT_NAMESPACE = '/agent';

export interface SendPayload {
  /** Client-generated, unique per conversation (a UUID): resending it never duplicates. */
  clientId: string;
  text: string;
  attachmentIds?: string[];
}

export type SendAck = Ack<{ message: MessageView; duplicate: boolean }>;

// ---- /visitor: auth = { token } from POST /api/widget/visitor -------------------

export interface VisitorClientEvents {
  /** The visitor's current conversation and its messages after `afterSeq` (all when omitted, newest 200 at most). */
  'history': (req: { afterSeq?: number }, ack: (res: Ack<{ conversation: VisitorConversationView | null; messages: MessageView[] }>) => void) => void;
  /** Opens a conversation when the visitor has none open. */
  'message:send': (msg: SendPayload, ack: (res: SendAck) => void) => void;
  /**
   * The "leave a message" form when no agent is online: stores name and email on the
   * visitor, then sends the text like message:send.
   */
  'offline:message': (msg: SendPayload & { name?: string; email: string }, ack: (res: SendAck) => void) => void;
  'visitor:update': (patch: { name?: string; email?: string; page?: string; locale?: string }, ack: (res: Ack<Record<never, never>>) => void) => void;
  'typing': (state: { typing: boolean }) => void;
  'read': (mark: { seq: number }) => void;
}

export interface VisitorServerEvents {
  'message': (msg: MessageView) => void;
  'typing': (state: { typing: boolean; agentName: string | null }) => void;
  /** The agents have read up to `seq`. */
  'read': (mark: { conversationId: string; seq: number }) => void;
  'conversation': (conv: VisitorConversationView) => void;
  'agents': (state: { agentsOnline: boolean; agents: AgentPublicView[] }) => void;
}

// ---- /agent: auth = the dashboard's session cookie ---------------------------------

export interface AgentClientEvents {
  'message:send': (msg: SendPayload & { conversationId: string }, ack: (res: SendAck) => void) => void;
  'typing': (state: { conversationId: string; typing: boolean }) => void;
  'read': (mark: { conversationId: string; seq: number }) => void;
  'status:set': (state: { status: PresenceStatus }, ack: (res: Ack<Record<never, never>>) => void) => void;
}

export interface AgentServerEvents {
  'message': (msg: MessageView) => void;
  /** A conversation was created or changed (status, assignee, department, last message, read marks). */
  'conversation': (conv: ConversationView) => void;
  'typing': (state: { conversationId: string; typing: boolean }) => void;
  'visitor': (visitor: VisitorView) => void;
  /** An agent's effective presence changed. */
  'presence': (state: { agentId: string; status: PresenceStatus }) => void;
}
