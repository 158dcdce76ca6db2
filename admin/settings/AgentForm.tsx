// Create or edit an agent: name, email, role, departments (and a password when creating).
import { useState } from 'preact/hooks';
import type { AgentInput } from '../api';
import { ErrorBox, Field, inputValue } from '../components/ui';
import { useStore } from '../lib/store';
import { departments } from '../state/directory';
import type { ErrorBody, Role } from '../types';

interface Props {
  initial?: Partial<AgentInput>;
  withPassword: boolean;
  submitLabel: string;
  busy: boolean;
  error: ErrorBody | null;
  onSubmit: (input: AgentInput) => void;
  onCancel?: () => void;
  testId?: string;
}

export function AgentForm({ initial, withPassword, submitLabel, busy, error, onSubmit, onCancel, testId }: Props) {
  const deps = useStore(departments);
  const [form, setForm] = useState<AgentInput>({
    name: initial?.name ?? '',
    email: initial?.email ?? '',
    password: '',
    role: initial?.role ?? 'agent',
    departments: initial?.departments ?? [],
  });
  const set = (key: 'name' | 'email' | 'password') => (e: Event) => setForm({ ...form, [key]: inputValue(e) });
  const toggleDep = (id: string, on: boolean) =>
    setForm({ ...form, departments: on ? [...form.departments, id] : form.departments.filter((d) => d !== id) });

  return (
    <form class="grid-form" data-testid={testId} onSubmit={(e) => { e.preventDefault(); onSubmit({ ...form, name: form.name.trim(), email: form.email.trim() }); }}>
      <Field label="Name">
        <input name="name" required maxLength={100} value={form.name} onInput={set('name')} />
      </Field>
      <Field label="Email">
        <input name="email" type="email" required value={form.email} onInput={set('email')} />
      </Field>
      {withPassword ? (
        <Field label="Password" hint="At least 10 characters.">
          <input name="password" type="password" required minLength={10} autocomplete="new-password" value={form.password} onInput={set('password')} />
        </Field>
      ) : null}
      <Field label="Role">
        <select name="role" value={form.role} onChange={(e) => setForm({ ...form, role: inputValue(e) as Role })}>
          <option value="agent">Agent</option>
          <option value="admin">Administrator</option>
        </select>
      </Field>
      <fieldset class="checks">
        <legend>Departments</legend>
        {deps.length === 0 ? <p class="muted small">No departments yet: the agent sees every conversation.</p> : null}
        {deps.map((d) => (
          <label key={d.id} class="check">
            <input type="checkbox" name="departments" value={d.id} checked={form.departments.includes(d.id)}
              onChange={(e) => toggleDep(d.id, (e.currentTarget as HTMLInputElement).checked)} />
            {d.name}
          </label>
        ))}
      </fieldset>
      <ErrorBox error={error} />
      <div class="form-actions">
        <button type="submit" class="btn primary" disabled={busy}>{submitLabel}</button>
        {onCancel ? <button type="button" class="btn subtle" onClick={onCancel}>Cancel</button> : null}
      </div>
    </form>
  );
}
