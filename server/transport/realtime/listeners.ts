// Domain events -> Socket.IO broadcasts. One listener per event, named after it.
import type { Server } from 'socket.io';
import type { Conversation } from '../../core/types';
import type { Deps } from '../../deps';
import { agentsState } from '../widget-state';
import type { AgentNamespace } from './agent';
import { AGENT_NAMESPACE, VISITOR_NAMESPACE } from './events';
import { ALL_AGENTS, agentRoom, roomsOfAgent, roomsOfConversation, visitorRoom } from './rooms';
import type { VisitorNamespace } from './visitor';

export function registerRealtimeListeners(io: Server, deps: Deps): () => void {
  const { events, presenter, store } = deps;
  const agents = io.of(AGENT_NAMESPACE) as AgentNamespace;
  const visitors = io.of(VISITOR_NAMESPACE) as VisitorNamespace;

  /** Both sides see the conversation's new state: agents the full view, the visitor theirs. */
  async function conversationChanged(conversation: Conversation): Promise<void> {
    agents.to(roomsOfConversation(conversation)).emit('conversation', await presenter.conversation(conversation));
    visitors.to(visitorRoom(conversation.visitorId)).emit('conversation', presenter.visitorConversation(conversation));
  }

  const offs = [
    events.on('message.created', ({ message, conversation, author }) => {
      const view = presenter.message(message, author);
      visitors.to(visitorRoom(conversation.visitorId)).emit('message', view);
      agents.to(roomsOfConversation(conversation)).emit('message', view);
    }),

    events.on('conversation.created', ({ conversation }) => conversationChanged(conversation)),
    events.on('conversation.updated', ({ conversation }) => conversationChanged(conversation)),

    events.on('conversation.read', async ({ conversation, by, seq }) => {
      if (by === 'agent') visitors.to(visitorRoom(conversation.visitorId)).emit('read', { conversationId: conversation.id, seq });
      agents.to(roomsOfConversation(conversation)).emit('conversation', await presenter.conversation(conversation));
    }),

    events.on('visitor.updated', async ({ visitor }) => {
      const conv = (await store.listConversations({ visitorId: visitor.id }, 1)).items[0];
      if (conv) agents.to(roomsOfConversation(conv)).emit('visitor', await presenter.visitor(visitor));
    }),

    events.on('agent.presence', async ({ agentId, status }) => {
      agents.to(ALL_AGENTS).emit('presence', { agentId, status });
      visitors.emit('agents', await agentsState(deps));
    }),

    // Rooms follow the agent's role and departments; a deleted agent is disconnected.
    events.on('agent.changed', async ({ agent, agentId }) => {
      const sockets = agents.in(agentRoom(agentId));
      if (!agent) {
        sockets.disconnectSockets(true);
        return;
      }
      for (const socket of await sockets.fetchSockets()) {
        for (const room of socket.rooms) if (room !== socket.id) socket.leave(room);
        socket.join(roomsOfAgent(agent));
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}
