import { inputValue } from '../components/ui';
import { useStore } from '../lib/store';
import { departments } from '../state/directory';
import type { ConversationStatus } from '../types';
import { type Filters, filters } from './filters';

const STATUSES: { value: ConversationStatus; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'pending', label: 'Pending' },
  { value: 'closed', label: 'Closed' },
];

export function InboxFilters() {
  const f = useStore(filters);
  const deps = useStore(departments);
  const set = (patch: Partial<Filters>) => filters.set({ ...filters.get(), ...patch });

  return (
    <div class="filters">
      <div class="tabs" role="group" aria-label="Status">
        {STATUSES.map((s) => (
          <button key={s.value} type="button" class={f.status === s.value ? 'tab active' : 'tab'} aria-pressed={f.status === s.value}
            data-testid={`tab-${s.value}`} onClick={() => set({ status: s.value })}>
            {s.label}
          </button>
        ))}
      </div>
      <div class="filter-row">
        <select aria-label="Department" data-testid="filter-department" value={f.department} onChange={(e) => set({ department: inputValue(e) })}>
          <option value="all">All departments</option>
          <option value="none">No department</option>
          {deps.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
        <select aria-label="Channel" data-testid="filter-channel" value={f.channel} onChange={(e) => set({ channel: inputValue(e) as Filters['channel'] })}>
          <option value="all">All channels</option>
          <option value="widget">Chat widget</option>
          <option value="email">Email</option>
          <option value="messenger">Messenger</option>
        </select>
      </div>
      <label class="check">
        <input type="checkbox" data-testid="filter-mine" checked={f.mine} onChange={(e) => set({ mine: (e.currentTarget as HTMLInputElement).checked })} />
        Assigned to me
      </label>
    </div>
  );
}
