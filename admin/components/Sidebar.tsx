// Navigation, own status, connection state, the team's presence, sign-out.
import { useStore } from '../lib/store';
import { agents } from '../state/directory';
import { route } from '../state/route';
import { isAdmin, me } from '../state/session';
import { connection } from '../socket';
import { StatusSelect } from './StatusSelect';
import { PresenceDot } from './ui';

export function Sidebar({ onLogout }: { onLogout: () => void }) {
  const agent = useStore(me);
  const current = useStore(route);
  const team = useStore(agents);
  const conn = useStore(connection);
  if (!agent) return null;

  const link = (href: string, label: string, testId: string, active: boolean) => (
    <a href={href} data-testid={testId} class={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );

  return (
    <nav class="sidebar" aria-label="Main">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <div class="brand">Parley</div>
      <div class="nav">
        {link('#/inbox', 'Inbox', 'nav-inbox', current.view === 'inbox')}
        {isAdmin(agent) ? link('#/settings/departments', 'Settings', 'nav-settings', current.view === 'settings') : null}
        {link('#/profile', 'My profile', 'nav-profile', current.view === 'profile')}
      </div>

      <div class="me">
        <div class="me-name" title={agent.email}>{agent.name}</div>
        <StatusSelect />
        <div class="conn" data-testid="conn-state" data-state={conn} role="status">
          <span class={`conn-dot ${conn}`} aria-hidden="true" />
          {conn === 'connected' ? 'Live' : 'Reconnecting…'}
        </div>
      </div>

      <section class="team" aria-labelledby="team-h">
        <h2 id="team-h">Team</h2>
        <ul>
          {team.map((a) => (
            <li key={a.id} data-testid="team-member" data-status={a.status}>
              <PresenceDot status={a.status} />
              <span class="team-name">{a.name}{a.id === agent.id ? ' (you)' : ''}</span>
            </li>
          ))}
        </ul>
      </section>

      <button type="button" class="btn subtle logout" onClick={onLogout}>Sign out</button>
    </nav>
  );
}
