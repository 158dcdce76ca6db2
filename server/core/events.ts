// Typed domain events. Use cases emit them; listeners named after the event turn them
// into deliveries (a Socket.IO broadcast today; email and webhooks through the outbox
// later). No channel talks to another channel directly.
import { EventEmitter } from 'node:events';
import type { Agent, Conversation, Message, PresenceStatus, Visitor } from './types';

export interface MessageAuthor {
  name: string | null;
  avatarUrl: string | null;
}

export interface DomainEventMap {
  'conversation.created': { conversation: Conversation };
  'conversation.updated': { conversation: Conversation; change: 'closed' | 'reopened' | 'assigned' | 'transferred' | 'answered' };
  'conversation.read': { conversation: Conversation; by: 'visitor' | 'agent'; seq: number };
  'message.created': { message: Message; conversation: Conversation; author: MessageAuthor };
  'visitor.updated': { visitor: Visitor };
  'agent.presence': { agentId: string; status: PresenceStatus };
  'agent.changed': { agent: Agent | null; agentId: string };
}

export type DomainEventName = keyof DomainEventMap;

export class DomainEvents {
  readonly #emitter = new EventEmitter({ captureRejections: true });

  constructor(onListenerError: (err: unknown, event: string) => void) {
    this.#emitter.on('error', (err: unknown) => onListenerError(err, 'listener'));
  }

  emit<E extends DomainEventName>(event: E, payload: DomainEventMap[E]): void {
    this.#emitter.emit(event, payload);
  }

  /** Async listeners are fine: a rejection is reported, never crashes the process. */
  on<E extends DomainEventName>(event: E, listener: (payload: DomainEventMap[E]) => void | Promise<void>): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }
}
