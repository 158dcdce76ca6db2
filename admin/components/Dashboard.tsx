// The signed-in shell: opens the live socket, loads the team, and lays out the sidebar
// and the current screen.
import { useEffect, useState } from 'preact/hooks';
import { errorOf } from '../api';
import { Inbox } from '../inbox/Inbox';
import { useStore } from '../lib/store';
import { Profile } from '../settings/Profile';
import { Settings } from '../settings/Settings';
import { SocketContext, openAgentSocket, useOnConnect, useSocketEvent } from '../socket';
import { agents, applyPresence, loadAgents, loadDepartments } from '../state/directory';
import { attachOutbox } from '../state/outbox';
import { route } from '../state/route';
import { isAdmin, me, myStatus } from '../state/session';
import type { ErrorBody } from '../types';
import { Sidebar } from './Sidebar';
import { ErrorBox } from './ui';

export function Dashboard({ onLogout, onSessionEnded }: { onLogout: () => void; onSessionEnded: () => void }) {
  const [live] = useState(() => openAgentSocket(onSessionEnded));
  useEffect(() => {
    const detach = attachOutbox(live.socket);
    return () => {
      detach();
      live.dispose();
    };
  }, [live]);

  return (
    <SocketContext.Provider value={live.socket}>
      <Shell onLogout={onLogout} />
    </SocketContext.Provider>
  );
}

function Shell({ onLogout }: { onLogout: () => void }) {
  const agent = useStore(me);
  const current = useStore(route);
  const [loadError, setLoadError] = useState<ErrorBody | null>(null);

  const loadTeam = () => {
    Promise.all([loadAgents(), loadDepartments()]).then(
      () => setLoadError(null),
      (err) => setLoadError(errorOf(err)),
    );
  };
  useEffect(loadTeam, []);
  useOnConnect(loadTeam); // presence may have changed while the connection was down

  useSocketEvent('presence', ({ agentId, status }) => {
    if (!agents.get().some((a) => a.id === agentId)) void loadAgents().catch(() => undefined); // a new colleague
    applyPresence(agentId, status);
    if (agentId === me.get()?.id) myStatus.set(status);
  });

  const admin = isAdmin(agent);
  let screen;
  if (current.view === 'settings' && admin) screen = <Settings tab={current.tab} />;
  else if (current.view === 'profile' || current.view === 'settings') screen = <Profile />;
  else screen = <Inbox conversationId={current.view === 'inbox' ? current.conversationId : null} />;

  return (
    <div class="app">
      <Sidebar onLogout={onLogout} />
      <main class="main" id="main" tabIndex={-1}>
        <ErrorBox error={loadError} />
        {screen}
      </main>
    </div>
  );
}
