// The own status toggle: set over the socket (REST when the socket is down).
import { useState } from 'preact/hooks';
import { errorOf, putMyStatus } from '../api';
import { useStore } from '../lib/store';
import { useOnConnect, useSocket } from '../socket';
import { applyPresence } from '../state/directory';
import { me, myStatus } from '../state/session';
import type { ErrorBody, PresenceStatus } from '../types';
import { ErrorBox } from './ui';

const LABELS: Record<PresenceStatus, string> = { online: 'Online', away: 'Away', offline: 'Offline' };

export function StatusSelect() {
  const socket = useSocket();
  const status = useStore(myStatus);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [busy, setBusy] = useState(false);
  useOnConnect(() => setError(null)); // the server re-announces the status on connect

  /** Over the socket; over REST when the socket is down or drops before its ack. */
  const setStatus = async (next: PresenceStatus): Promise<void> => {
    if (socket.connected) {
      let res;
      try {
        res = await socket.timeout(10_000).emitWithAck('status:set', { status: next });
      } catch {
        res = null; // disconnected or no answer
      }
      if (res?.ok) return;
      if (res) throw res.error;
    }
    await putMyStatus(next);
  };

  const change = async (next: PresenceStatus) => {
    const previous = myStatus.get();
    myStatus.set(next);
    setBusy(true);
    setError(null);
    try {
      await setStatus(next);
      const id = me.get()?.id;
      if (id) applyPresence(id, socket.connected ? next : 'offline');
    } catch (err) {
      myStatus.set(previous);
      setError(errorOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="status">
      <label class="field-inline">
        <span class="field-label">My status</span>
        <select data-testid="status-select" value={status} disabled={busy} class={`status-${status}`}
          onChange={(e) => void change((e.currentTarget as HTMLSelectElement).value as PresenceStatus)}>
          {(Object.keys(LABELS) as PresenceStatus[]).map((s) => <option key={s} value={s}>{LABELS[s]}</option>)}
        </select>
      </label>
      <ErrorBox error={error} />
    </div>
  );
}
