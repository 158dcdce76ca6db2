import type { Server } from 'socket.io';
import type { Deps } from '../../deps';
import { attachAgentNamespace, type AgentNamespace } from './agent';
import { AGENT_NAMESPACE, VISITOR_NAMESPACE } from './events';
import { registerRealtimeListeners } from './listeners';
import { visitorRoom } from './rooms';
import { attachVisitorNamespace, type VisitorNamespace } from './visitor';

/** Both namespaces and the listeners that broadcast domain events; returns a detach function. */
export function attachRealtime(io: Server, deps: Deps): () => void {
  const agents = io.of(AGENT_NAMESPACE) as AgentNamespace;
  const visitors = io.of(VISITOR_NAMESPACE) as VisitorNamespace;
  attachVisitorNamespace(visitors, deps, (rooms) => agents.to(rooms));
  attachAgentNamespace(agents, deps, (visitorId) => visitors.to(visitorRoom(visitorId)));
  return registerRealtimeListeners(io, deps);
}
