// Socket.IO rooms encode who sees what (the same rule as core/visibility.ts):
//   all          admins and agents without departments
//   dept:<id>    agents of that department; dept:none for conversations without one
//   agent:<id>   one agent's sockets (assigned conversations, own profile changes)
//   agents       every agent (presence)
//   visitor:<id> one visitor's sockets
import { seesAll } from '../../core/visibility';
import type { Agent, Conversation } from '../../core/types';

export const visitorRoom = (visitorId: string) => `visitor:${visitorId}`;
export const agentRoom = (agentId: string) => `agent:${agentId}`;
export const ALL_AGENTS = 'agents';

export function roomsOfAgent(agent: Pick<Agent, 'id' | 'role' | 'departments'>): string[] {
  const rooms = [agentRoom(agent.id), ALL_AGENTS];
  if (seesAll(agent)) rooms.push('all');
  else rooms.push('dept:none', ...agent.departments.map((d) => `dept:${d}`));
  return rooms;
}

export function roomsOfConversation(conv: Pick<Conversation, 'departmentId' | 'assigneeId'>): string[] {
  const rooms = ['all', conv.departmentId ? `dept:${conv.departmentId}` : 'dept:none'];
  if (conv.assigneeId) rooms.push(agentRoom(conv.assigneeId));
  return rooms;
}
