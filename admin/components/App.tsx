// Boot: first-run setup, sign-in, or the dashboard, depending on what the server says.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorOf, getMe, getSetup, logout, setUnauthenticatedHandler } from '../api';
import { useStore } from '../lib/store';
import { me, signedIn, signedOut } from '../state/session';
import type { AuthView, ErrorBody } from '../types';
import { Dashboard } from './Dashboard';
import { LoginScreen } from './LoginScreen';
import { SetupScreen } from './SetupScreen';
import { ErrorBox } from './ui';

type Phase = { kind: 'loading' } | { kind: 'setup' } | { kind: 'login'; notice: string | null } | { kind: 'ready' } | { kind: 'failed'; error: ErrorBody };

export function App() {
  const agent = useStore(me);
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  async function boot(): Promise<void> {
    setPhase({ kind: 'loading' });
    try {
      const { needsSetup } = await getSetup();
      if (needsSetup) return setPhase({ kind: 'setup' });
      signedIn(await getMe());
      setPhase({ kind: 'ready' });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setPhase({ kind: 'login', notice: null });
      else setPhase({ kind: 'failed', error: errorOf(err) });
    }
  }

  function sessionEnded(): void {
    signedOut();
    setPhase({ kind: 'login', notice: 'Your session has ended. Sign in again.' });
  }

  useEffect(() => {
    setUnauthenticatedHandler(sessionEnded);
    void boot();
    return () => setUnauthenticatedHandler(null);
  }, []);

  const enter = (auth: AuthView) => {
    signedIn(auth);
    setPhase({ kind: 'ready' });
  };

  const signOut = async () => {
    try {
      await logout();
    } catch {
      // Signed out locally either way; the cookie expires on its own.
    }
    signedOut();
    setPhase({ kind: 'login', notice: 'You are signed out.' });
  };

  switch (phase.kind) {
    case 'loading':
      return <div class="boot" role="status">Loading…</div>;
    case 'failed':
      return (
        <div class="auth-screen">
          <div class="auth-card">
            <h1>Parley</h1>
            <ErrorBox error={phase.error} />
            <button type="button" class="btn primary" onClick={() => void boot()}>Try again</button>
          </div>
        </div>
      );
    case 'setup':
      return <SetupScreen onDone={enter} onSignIn={() => setPhase({ kind: 'login', notice: null })} />;
    case 'login':
      return <LoginScreen notice={phase.notice} onDone={enter} />;
    case 'ready':
      return agent ? <Dashboard onLogout={signOut} onSessionEnded={sessionEnded} /> : null;
  }
}
