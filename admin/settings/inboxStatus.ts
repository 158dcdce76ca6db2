// What an inbox's status says to an admin, pure: a short badge and, when something is
// wrong or pending, the sentence behind it (the server's last error, verbatim).
import type { InboxStatus } from '../types';

export interface StatusLabel {
  /** Badge text. */
  label: string;
  /** Badge colour: ok green, warn amber, bad red, off grey. */
  tone: 'ok' | 'warn' | 'bad' | 'off';
  /** A line below the badge, or null. */
  detail: string | null;
}

export function statusLabel(status: InboxStatus): StatusLabel {
  switch (status.state) {
    case 'active':
      return { label: 'Active', tone: 'ok', detail: null };
    case 'interrupted':
      return status.lastError === null
        ? { label: 'Connecting…', tone: 'warn', detail: null }
        : { label: 'Interrupted', tone: 'warn', detail: `Reconnecting (attempt ${status.attempts}): ${status.lastError}` };
    case 'error':
      return { label: 'Error', tone: 'bad', detail: status.lastError ?? 'Parley stopped trying to connect.' };
    case 'disabled':
      return { label: 'Disabled', tone: 'off', detail: null };
  }
}
