// The signed-in agent. The CSRF token goes to the API module, the agent to the UI.
import { setCsrfToken } from '../api';
import { Store } from '../lib/store';
import { agents, departments } from './directory';
import { resetOutbox } from './outbox';
import type { AgentView, AuthView, PresenceStatus } from '../types';

export const me = new Store<AgentView | null>(null);
/** The own status shown in the toggle: the manual choice, updated by presence events. */
export const myStatus = new Store<PresenceStatus>('online');

export function signedIn(auth: AuthView): void {
  setCsrfToken(auth.csrfToken);
  me.set(auth.agent);
  myStatus.set(auth.agent.manualStatus);
}

export function signedOut(): void {
  setCsrfToken('');
  me.set(null);
  agents.set([]);
  departments.set([]);
  resetOutbox();
}

export const isAdmin = (agent: AgentView | null): boolean => agent?.role === 'admin';
