// Admin settings: departments, agents, sites, messengers, outbox deliveries (the server enforces the admin role too).
import { hrefOf, type SettingsTab } from '../state/route';
import { Agents } from './Agents';
import { Deliveries } from './Deliveries';
import { Departments } from './Departments';
import { Messengers } from './Messengers';
import { Sites } from './Sites';

const TABS: { tab: SettingsTab; label: string; testId?: string }[] = [
  { tab: 'departments', label: 'Departments' },
  { tab: 'agents', label: 'Agents' },
  { tab: 'sites', label: 'Sites' },
  { tab: 'messengers', label: 'Messengers', testId: 'nav-messengers' },
  { tab: 'deliveries', label: 'Deliveries', testId: 'nav-deliveries' },
];

export function Settings({ tab }: { tab: SettingsTab }) {
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
      {tab === 'departments' ? <Departments /> : tab === 'agents' ? <Agents /> : tab === 'messengers' ? <Messengers /> : tab === 'deliveries' ? <Deliveries /> : <Sites />}
    </div>
  );
}
