// Who the visitor is and where they are, plus the conversation's actions:
// close / reopen, assign to an agent, transfer to a department.
import { assignConversation, closeConversation, reopenConversation, transferConversation } from '../api';
import { ErrorBox, useAction } from '../components/ui';
import { CHANNEL_LABEL, httpUrl, visitorLabel } from '../lib/format';
import { useStore } from '../lib/store';
import { agents, departments } from '../state/directory';
import type { ConversationView, VisitorView } from '../types';

interface Props {
  conversation: ConversationView;
  visitor: VisitorView | null;
  onChange: (conv: ConversationView) => void;
}

function Page({ url, testId }: { url: string | null; testId?: string }) {
  if (!url) return <span data-testid={testId}>—</span>;
  const href = httpUrl(url);
  return href ? (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow" data-testid={testId} class="url">{url}</a>
  ) : (
    <span data-testid={testId} class="url">{url}</span>
  );
}

export function VisitorPanel({ conversation: conv, visitor, onChange }: Props) {
  const team = useStore(agents);
  const deps = useStore(departments);
  const { busy, error, run } = useAction();
  const v = visitor ?? { ...conv.visitor, currentPage: null, pages: [], locale: null, userAgent: null, avatarUrl: null };
  const act = (fn: () => Promise<ConversationView>) => run(async () => {
    onChange(await fn());
    return true;
  });
  /** A select changes at once; a refused change puts the select back. */
  const choose = (e: Event, previous: string | null, fn: (value: string | null) => Promise<ConversationView>) => {
    const el = e.currentTarget as HTMLSelectElement;
    void act(() => fn(el.value || null)).then((ok) => {
      if (!ok) el.value = previous ?? '';
    });
  };

  const recent = v.pages.filter((p) => p !== v.currentPage).slice(-5).reverse();
  const assigneeKnown = !conv.assigneeId || team.some((a) => a.id === conv.assigneeId);
  const departmentKnown = !conv.departmentId || deps.some((d) => d.id === conv.departmentId);

  return (
    <aside class="details" data-testid="visitor-panel" aria-labelledby="visitor-h">
      <h2 id="visitor-h">
        <span class={`online-dot${v.online ? ' on' : ''}`} role="img" aria-label={v.online ? 'Online' : 'Offline'} />
        Visitor
      </h2>
      {httpUrl(v.avatarUrl) && <img class="visitor-avatar" data-testid="visitor-avatar" src={httpUrl(v.avatarUrl)!} alt="" width={48} height={48} />}
      <dl class="facts">
        <dt>Name</dt>
        <dd data-testid="visitor-name">{v.name ?? visitorLabel(v)}</dd>
        <dt>Email</dt>
        <dd data-testid="visitor-email">{v.email ?? '—'}</dd>
        <dt>Status</dt>
        <dd>{v.online ? 'Online now' : 'Offline'}</dd>
        <dt>Channel</dt>
        <dd>{CHANNEL_LABEL[conv.channel]}</dd>
        <dt>Current page</dt>
        <dd><Page url={v.currentPage} testId="visitor-page" /></dd>
        {recent.length ? (
          <>
            <dt>Recent pages</dt>
            <dd>
              <ul class="pages">{recent.map((p, i) => <li key={`${i}-${p}`}><Page url={p} /></li>)}</ul>
            </dd>
          </>
        ) : null}
        <dt>Language</dt>
        <dd>{v.locale ?? '—'}</dd>
        <dt>Browser</dt>
        <dd class="ua">{v.userAgent ?? '—'}</dd>
      </dl>

      <h2>Conversation</h2>
      <div class="actions">
        {conv.status === 'closed' ? (
          <button type="button" class="btn" data-testid="btn-reopen" disabled={busy} onClick={() => void act(() => reopenConversation(conv.id))}>Reopen</button>
        ) : (
          <button type="button" class="btn" data-testid="btn-close" disabled={busy} onClick={() => void act(() => closeConversation(conv.id))}>Close conversation</button>
        )}
        <label class="field">
          <span class="field-label">Assigned to</span>
          <select data-testid="assign-select" value={conv.assigneeId ?? ''} disabled={busy}
            onChange={(e) => choose(e, conv.assigneeId, (id) => assignConversation(conv.id, id))}>
            <option value="">Unassigned</option>
            {!assigneeKnown ? <option value={conv.assigneeId!}>Unknown agent</option> : null}
            {team.map((a) => <option key={a.id} value={a.id}>{a.name} ({a.status})</option>)}
          </select>
        </label>
        <label class="field">
          <span class="field-label">Department</span>
          <select data-testid="transfer-select" value={conv.departmentId ?? ''} disabled={busy}
            onChange={(e) => choose(e, conv.departmentId, (id) => transferConversation(conv.id, id))}>
            <option value="">No department</option>
            {!departmentKnown ? <option value={conv.departmentId!}>Unknown department</option> : null}
            {deps.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select>
        </label>
        <ErrorBox error={error} />
      </div>
    </aside>
  );
}
