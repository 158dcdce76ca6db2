import { useEffect, useState } from 'preact/hooks';
import { createAgent, deleteAgent, updateAgent } from '../api';
import { ErrorBox, Field, Notice, PresenceDot, inputValue, useAction } from '../components/ui';
import { useStore } from '../lib/store';
import { agents, departmentName, departments, loadAgents, removeAgent, upsertAgent } from '../state/directory';
import { me } from '../state/session';
import type { AgentView } from '../types';
import { AgentForm } from './AgentForm';

export function Agents() {
  const list = useStore(agents);
  useStore(departments);
  const create = useAction();
  const load = useAction();
  const [formKey, setFormKey] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => void load.run(loadAgents), []);

  return (
    <>
      <section class="card" aria-labelledby="agents-h">
        <h2 id="agents-h">Agents</h2>
        <ErrorBox error={load.error} />
        <ul class="rows" data-testid="agent-list">
          {list.map((a) => <AgentRow key={a.id} agent={a} />)}
        </ul>
      </section>
      <section class="card" aria-labelledby="new-agent-h">
        <h2 id="new-agent-h">Add an agent</h2>
        <Notice text={notice} />
        <AgentForm
          key={formKey}
          testId="agent-create-form"
          withPassword
          submitLabel="Create agent"
          busy={create.busy}
          error={create.error}
          onSubmit={async (input) => {
            setNotice(null);
            const agent = await create.run(() => createAgent(input));
            if (agent) {
              upsertAgent(agent);
              setFormKey((k) => k + 1);
              setNotice(`${agent.name} can now sign in with ${agent.email}.`);
            }
          }}
        />
      </section>
    </>
  );
}

function AgentRow({ agent }: { agent: AgentView }) {
  const self = useStore(me);
  const [mode, setMode] = useState<'view' | 'edit' | 'password'>('view');
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  const isMe = agent.id === self?.id;

  const save = async (input: { name: string; email: string; role: AgentView['role']; departments: string[] }) => {
    const updated = await run(() => updateAgent(agent.id, { name: input.name, email: input.email, role: input.role, departments: input.departments }));
    if (updated) {
      upsertAgent(updated);
      if (isMe) me.set(updated);
      setMode('view');
    }
  };

  const resetPassword = async (e: Event) => {
    e.preventDefault();
    if (password.length < 10) {
      setError({ code: 'VALIDATION_FAILED', message: 'The password needs at least 10 characters.' });
      return;
    }
    const updated = await run(() => updateAgent(agent.id, { password }));
    if (updated) {
      setPassword('');
      setMode('view');
      setNotice(`The password of ${agent.name} was changed.`);
    }
  };

  const remove = async () => {
    if (!confirm(`Delete ${agent.name}? They will no longer be able to sign in.`)) return;
    const ok = await run(async () => {
      await deleteAgent(agent.id);
      return true;
    });
    if (ok) removeAgent(agent.id);
  };

  const depNames = agent.departments.map((d) => departmentName(d) ?? 'unknown').join(', ');
  return (
    <li class="row agent-row" data-testid="agent-row" data-id={agent.id}>
      <div class="row-head">
        <PresenceDot status={agent.status} />
        <span class="row-main">
          <strong>{agent.name}</strong>{isMe ? ' (you)' : ''}
          <span class="muted"> · {agent.email} · {agent.role === 'admin' ? 'Administrator' : 'Agent'} · {depNames || 'All departments'}</span>
        </span>
        {mode === 'view' ? (
          <span class="row-actions">
            <button type="button" class="btn subtle" onClick={() => { setNotice(null); setMode('edit'); }}>Edit</button>
            <button type="button" class="btn subtle" onClick={() => { setNotice(null); setMode('password'); }}>Reset password</button>
            <button type="button" class="btn danger" disabled={busy} onClick={() => void remove()}>Delete</button>
          </span>
        ) : null}
      </div>
      <Notice text={notice} />
      {mode === 'edit' ? (
        <AgentForm initial={agent} withPassword={false} submitLabel="Save" busy={busy} error={error} onSubmit={(i) => void save(i)} onCancel={() => setMode('view')} />
      ) : null}
      {mode === 'password' ? (
        <form class="inline-form" onSubmit={resetPassword}>
          <Field label={`New password for ${agent.name}`}>
            <input type="password" name="password" autocomplete="new-password" minLength={10} required value={password} onInput={(e) => setPassword(inputValue(e))} />
          </Field>
          <button type="submit" class="btn primary" disabled={busy}>Set password</button>
          <button type="button" class="btn subtle" onClick={() => setMode('view')}>Cancel</button>
        </form>
      ) : null}
      {mode !== 'edit' ? <ErrorBox error={error} /> : null}
    </li>
  );
}
