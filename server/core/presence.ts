import type { DomainEvents } from './events';
import { presenceOf, type PresenceRegistry, type Store } from './ports';
import type { Agent, PresenceStatus } from './types';

/** Live connections of this process. One node's truth; see PresenceRegistry. */
export class LocalPresence implements PresenceRegistry {
  readonly #byKey = new Map<string, Set<string>>();

  async connected(key: string, connectionId: string): Promise<boolean> {
    let set = this.#byKey.get(key);
    if (!set) this.#byKey.set(key, (set = new Set()));
    set.add(connectionId);
    return set.size === 1;
  }

  async disconnected(key: string, connectionId: string): Promise<boolean> {
    const set = this.#byKey.get(key);
    if (!set || !set.delete(connectionId)) return false;
    if (set.size > 0) return false;
    this.#byKey.delete(key);
    return true;
  }

  async isConnected(key: string): Promise<boolean> {
    return (this.#byKey.get(key)?.size ?? 0) > 0;
  }
}

/** What agents see of each other, and what decides who is emailed: the effective status. */
export async function setAgentStatus(
  deps: { store: Store; presence: PresenceRegistry; events: DomainEvents },
  agentId: string,
  status: PresenceStatus,
): Promise<Agent | null> {
  const agent = await deps.store.updateAgent(agentId, { status });
  if (!agent) return null;
  deps.events.emit('agent.presence', { agentId, status: await presenceOf(deps.presence, { id: agentId, status }) });
  return agent;
}
