// Agents and departments: names for selects and labels, and everyone's presence.
import { listAgents, listDepartments } from '../api';
import { Store } from '../lib/store';
import type { AgentView, DepartmentView, PresenceStatus } from '../types';

export const agents = new Store<AgentView[]>([]);
export const departments = new Store<DepartmentView[]>([]);

const byName = <T extends { name: string }>(list: T[]): T[] => [...list].sort((a, b) => a.name.localeCompare(b.name));

export async function loadAgents(): Promise<void> {
  agents.set(byName(await listAgents()));
}

export async function loadDepartments(): Promise<void> {
  departments.set(byName(await listDepartments()));
}

export function upsertAgent(agent: AgentView): void {
  agents.set((list) => byName([...list.filter((a) => a.id !== agent.id), agent]));
}

export function removeAgent(id: string): void {
  agents.set((list) => list.filter((a) => a.id !== id));
}

export function upsertDepartment(dep: DepartmentView): void {
  departments.set((list) => byName([...list.filter((d) => d.id !== dep.id), dep]));
}

export function removeDepartment(id: string): void {
  departments.set((list) => list.filter((d) => d.id !== id));
}

export function applyPresence(agentId: string, status: PresenceStatus): void {
  agents.set((list) => (list.some((a) => a.id === agentId) ? list.map((a) => (a.id === agentId ? { ...a, status } : a)) : list));
}

export const agentName = (id: string | null): string | null => (id ? (agents.get().find((a) => a.id === id)?.name ?? null) : null);
export const departmentName = (id: string | null): string | null =>
  id ? (departments.get().find((d) => d.id === id)?.name ?? null) : null;
