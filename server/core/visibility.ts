import type { Agent, Conversation } from './types';

/**
 * Who may see a conversation: admins all; an agent with no departments all; otherwise
 * conversations without a department, of one of the agent's departments, or assigned
 * to the agent. The realtime rooms (server/transport/realtime/rooms.ts) and the store
 * filter (ConversationFilter.visibleTo) encode the same rule.
 */
export function canAgentSee(agent: Pick<Agent, 'id' | 'role' | 'departments'>, conv: Pick<Conversation, 'departmentId' | 'assigneeId'>): boolean {
  if (seesAll(agent)) return true;
  if (conv.assigneeId === agent.id) return true;
  return conv.departmentId === null || agent.departments.includes(conv.departmentId);
}

export function seesAll(agent: Pick<Agent, 'role' | 'departments'>): boolean {
  return agent.role === 'admin' || agent.departments.length === 0;
}
