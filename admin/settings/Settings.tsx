// Admin settings: departments, agents, sites, messengers, inboxes, outbox deliveries (the server enforces the admin role too).
import type { ComponentType } from 'preact';
import { hrefOf, type SettingsTab } from '../state/route';
import { Agents } from './Agents';
import { Deliveries } from './Deliveries';
import { Departments } from './Departments';
import { Inboxes } from './Inboxes';
import { Messengers } from './Messengers';
import { Sites } from './Sites';

const TABS: { tab: SettingsTab; label: string; testId?: string }[] = [
  { tab: 'departments', label: 'Departments' },
  { tab: 'agents', label: 'Agents' },
  { tab: 'sites', label: 'Sites' },
  { tab: 'messengers', label: 'Messengers', testId: 'nav-messengers' },
  { tab: 'inboxes', label: 'Inboxes', testId: 'nav-inboxes' },
  { tab: 'deliveries', label: 'Deliveries', testId: 'nav-deliveries' },
];

const SCREENS: Record<SettingsTab, ComponentType> = {
  departments: Departments,
  agents: Agents,
  sites: Sites,
  messengers: Messengers,
  inboxes: Inboxes,
  deliveries: Deliveries,
};

export function Settings({ tab }: { tab: SettingsTab }) {
  const Screen = SCREENS[tab];
  return (
    <div class="page">
      <h1 class="page-title">Settings</h1>
      <nav class="subnav" aria-label="Settings">
        {TABS.map((t) => (
          <a key={t.tab} href={hrefOf({ view: 'settings', tab: t.tab })} data-testid={t.testId ?? `settings-${t.tab}`}
            class={t.tab === tab ? 'tab active' : 'tab'} aria-current={t.tab === tab ? 'page' : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      <Screen />
    </div>
  );
}
