import { useEffect, useState } from 'preact/hooks';
import { createDepartment, deleteDepartment, renameDepartment } from '../api';
import { ErrorBox, Field, inputValue, useAction } from '../components/ui';
import { useStore } from '../lib/store';
import { departments, loadAgents, loadDepartments, removeDepartment, upsertDepartment } from '../state/directory';
import type { DepartmentView } from '../types';

export function Departments() {
  const list = useStore(departments);
  const [name, setName] = useState('');
  const create = useAction();
  const load = useAction();

  useEffect(() => void load.run(loadDepartments), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const dep = await create.run(() => createDepartment(name.trim()));
    if (dep) {
      upsertDepartment(dep);
      setName('');
    }
  };

  return (
    <section class="card" aria-labelledby="deps-h">
      <h2 id="deps-h">Departments</h2>
      <p class="muted">Agents of a department see its conversations; agents without departments see all.</p>
      <ErrorBox error={load.error} />
      <ul class="rows" data-testid="department-list">
        {list.map((d) => <DepartmentRow key={d.id} dep={d} />)}
        {list.length === 0 && !load.busy ? <li class="muted">No departments yet.</li> : null}
      </ul>
      <form class="inline-form" data-testid="department-form" onSubmit={submit}>
        <Field label="New department">
          <input name="name" required maxLength={100} value={name} onInput={(e) => setName(inputValue(e))} />
        </Field>
        <button type="submit" class="btn primary" disabled={create.busy || !name.trim()}>Add department</button>
      </form>
      <ErrorBox error={create.error} />
    </section>
  );
}

function DepartmentRow({ dep }: { dep: DepartmentView }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(dep.name);
  const { busy, error, run } = useAction();

  const save = async (e: Event) => {
    e.preventDefault();
    const updated = await run(() => renameDepartment(dep.id, name.trim()));
    if (updated) {
      upsertDepartment(updated);
      setEditing(false);
    }
  };

  const remove = async () => {
    if (!confirm(`Delete the department "${dep.name}"? Its conversations keep going without a department.`)) return;
    const ok = await run(async () => {
      await deleteDepartment(dep.id);
      return true;
    });
    if (ok) {
      removeDepartment(dep.id);
      void loadAgents().catch(() => undefined); // agents lose the department too
    }
  };

  return (
    <li class="row" data-testid="department-row" data-id={dep.id}>
      {editing ? (
        <form class="inline-form" onSubmit={save}>
          <label class="sr-only" for={`dep-${dep.id}`}>Department name</label>
          <input id={`dep-${dep.id}`} name="name" required maxLength={100} value={name} onInput={(e) => setName(inputValue(e))} />
          <button type="submit" class="btn primary" disabled={busy || !name.trim()}>Save</button>
          <button type="button" class="btn subtle" onClick={() => { setEditing(false); setName(dep.name); }}>Cancel</button>
        </form>
      ) : (
        <>
          <span class="row-main">{dep.name}</span>
          <button type="button" class="btn subtle" onClick={() => setEditing(true)}>Rename</button>
          <button type="button" class="btn danger" disabled={busy} onClick={() => void remove()}>Delete</button>
        </>
      )}
      <ErrorBox error={error} />
    </li>
  );
}
