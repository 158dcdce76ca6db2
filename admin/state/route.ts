// Hash routing (#/inbox/<id>, #/settings/agents, #/profile): works under any path the
// dashboard is served from, and a reload keeps the open conversation.
import { Store } from '../lib/store';

export type SettingsTab = 'departments' | 'agents' | 'sites' | 'messengers' | 'inboxes' | 'deliveries';
export type Route =
  | { view: 'inbox'; conversationId: string | null }
  | { view: 'settings'; tab: SettingsTab }
  | { view: 'profile' };

const TABS: SettingsTab[] = ['departments', 'agents', 'sites', 'messengers', 'inboxes', 'deliveries'];

export function parseRoute(hash: string): Route {
  const [view, arg] = hash.replace(/^#\/?/, '').split('/').map((p) => decodeURIComponent(p));
  if (view === 'settings') return { view: 'settings', tab: TABS.find((t) => t === arg) ?? 'departments' };
  if (view === 'profile') return { view: 'profile' };
  return { view: 'inbox', conversationId: arg || null };
}

export function hrefOf(route: Route): string {
  switch (route.view) {
    case 'inbox':
      return route.conversationId ? `#/inbox/${encodeURIComponent(route.conversationId)}` : '#/inbox';
    case 'settings':
      return `#/settings/${route.tab}`;
    case 'profile':
      return '#/profile';
  }
}

export const route = new Store<Route>(parseRoute(location.hash));

window.addEventListener('hashchange', () => route.set(parseRoute(location.hash)));

export function navigate(next: Route): void {
  const href = hrefOf(next);
  if (location.hash !== href) location.hash = href;
  else route.set(next);
}
