import type { Server } from 'socket.io';
import type { Deps } from '../../deps';
import { attachAgentNamespace, type AgentNamespace } from './agent';
import { AGENT_NAMESPACE, VISITOR_NAMESPACE } from './events';
import { registerRealtimeListeners } from './listeners';
import { PendingWork } from './pending';
import { visitorRoom } from './rooms';
import { attachVisitorNamespace, type VisitorNamespace } from './visitor';

/**
 * Both namespaces and the listeners that broadcast domain events. Returns `detach`, which
 * stops the listeners, and `drain`, which waits for socket bookkeeping still running.
 */
export function attachRealtime(io: Server, deps: Deps): { detach: () => void; drain: () => Promise<void> } {
  const pending = new PendingWork();
  const agents = io.of(AGENT_NAMESPACE) as AgentNamespace;
  const visitors = io.of(VISITOR_NAMESPACE) as VisitorNamespace;
  attachVisitorNamespace(visitors, deps, (rooms) => agents.to(rooms), pending);
  attachAgentNamespace(agents, deps, (visitorId) => visitors.to(visitorRoom(visitorId)), pending);
  const detach = registerRealtimeListeners(io, deps);
  return { detach, drain: () => pending.drain() };
}
