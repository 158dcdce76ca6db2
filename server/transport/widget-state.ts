import type { Deps } from '../deps';
import type { AgentPublicView } from './views';

/** Whether anyone is there to answer, and who: the widget's launcher and offline form depend on it. */
export async function agentsState(deps: Pick<Deps, 'store' | 'presenter'>): Promise<{ agentsOnline: boolean; agents: AgentPublicView[] }> {
  const all = await Promise.all((await deps.store.listAgents()).map((a) => deps.presenter.agentPublic(a)));
  const online = all.filter((a) => a.status !== 'offline');
  return { agentsOnline: online.some((a) => a.status === 'online'), agents: online };
}
