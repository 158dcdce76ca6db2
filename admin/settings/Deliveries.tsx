// The outbox as admins see it: deliveries (webhook calls, messenger replies, emails) by
// status, with the receiver's reason for the dead ones and a Retry once the cause is fixed.
// An email says what it is (a notification to an agent, a reply to the visitor), from
// which inbox, and links to its conversation.
import { useEffect, useState } from 'preact/hooks';
import { errorOf, listOutbox, retryOutbox, type OutboxStatus } from '../api';
import { ErrorBox, Notice, inputValue, useAction } from '../components/ui';
import { fullTime } from '../lib/format';
import { hrefOf } from '../state/route';
import type { ErrorBody, OutboxEmailAbout, OutboxJobView } from '../types';

const STATUSES: { status: OutboxStatus; label: string; empty: string }[] = [
  { status: 'dead', label: 'Failed (dead)', empty: 'No failed deliveries.' },
  { status: 'pending', label: 'Pending', empty: 'Nothing is waiting to be delivered.' },
  { status: 'sent', label: 'Sent', empty: 'Nothing has been delivered yet.' },
];

const STATUS_LABEL: Record<OutboxStatus, string> = { dead: 'Dead', pending: 'Pending', sent: 'Sent' };

export function Deliveries() {
  const [status, setStatus] = useState<OutboxStatus>('dead');
  const [list, setList] = useState<{ status: OutboxStatus; items: OutboxJobView[] } | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    listOutbox(status).then(
      (items) => {
        if (!live) return;
        setList({ status, items });
        setError(null);
      },
      (err) => live && setError(errorOf(err)),
    );
    return () => {
      live = false;
    };
  }, [status, version]);

  const items = list && list.status === status ? list.items : null;
  const current = STATUSES.find((s) => s.status === status)!;
  const replace = (job: OutboxJobView) => setList((l) => (l ? { ...l, items: l.items.map((x) => (x.id === job.id ? job : x)) } : l));

  return (
    <section class="card" aria-labelledby="deliveries-h">
      <h2 id="deliveries-h">Deliveries</h2>
      <p class="muted">
        What Parley sends out (webhook calls, replies to messengers, emails). A delivery the receiver refused for good, or that kept
        failing, is dead: fix the cause, then retry it.
      </p>
      <div class="delivery-filter">
        <label for="delivery-status" class="field-label">Show</label>
        <select id="delivery-status" name="status" data-testid="delivery-status" value={status}
          onChange={(e) => setStatus(inputValue(e) as OutboxStatus)}>
          {STATUSES.map((s) => <option key={s.status} value={s.status}>{s.label}</option>)}
        </select>
        <button type="button" class="btn subtle" data-testid="delivery-refresh" onClick={() => setVersion((v) => v + 1)}>Refresh</button>
      </div>
      <ErrorBox error={error} />
      <ul class="rows" data-testid="delivery-list" aria-label={`${current.label} deliveries`} aria-busy={items ? undefined : true}>
        {(items ?? []).map((job) => <DeliveryRow key={job.id} job={job} onChanged={replace} />)}
        {items && items.length === 0 ? <li class="muted" data-testid="delivery-empty">{current.empty}</li> : null}
        {!items && !error ? <li class="muted">Loading…</li> : null}
      </ul>
    </section>
  );
}

/** The list answers with what an email job is about; the shared view type does not carry it yet. */
const emailOf = (job: OutboxJobView): OutboxEmailAbout | undefined => job.email;

function emailTitle(e: OutboxEmailAbout): string {
  if (e.type === 'visitor-reply') return 'Email: reply to visitor';
  return `Email: notification to agent ${e.agent?.name ?? '(deleted)'}`;
}

function DeliveryTitle({ job }: { job: OutboxJobView }) {
  const email = emailOf(job);
  if (!email) return <><strong data-testid="delivery-kind">{job.kind}</strong> <span class="muted small">to {job.queue}</span></>;
  return (
    <>
      <strong data-testid="delivery-kind" data-kind={job.kind}>{emailTitle(email)}</strong>{' '}
      <span class="muted small">{email.inbox ? `from ${email.inbox.name} <${email.inbox.address}>` : 'from a deleted inbox'}</span>
    </>
  );
}

function DeliveryRow({ job, onChanged }: { job: OutboxJobView; onChanged: (job: OutboxJobView) => void }) {
  const retry = useAction();
  const email = emailOf(job);
  const [notice, setNotice] = useState<string | null>(null);

  const send = async () => {
    setNotice(null);
    const updated = await retry.run(() => retryOutbox(job.id));
    if (updated) {
      onChanged(updated);
      setNotice('Queued again: it goes out shortly.');
    }
  };

  return (
    <li class="row delivery-row" data-testid="delivery-row" data-id={job.id} data-status={job.status}>
      <div class="row-head">
        <span class="row-main"><DeliveryTitle job={job} /></span>
        <span class={`status-badge ob-${job.status}`} data-testid="delivery-state">{STATUS_LABEL[job.status]}</span>
        {job.status === 'dead' ? (
          <span class="row-actions">
            <button type="button" class="btn primary" data-testid="delivery-retry" disabled={retry.busy} onClick={() => void send()}>
              {retry.busy ? 'Retrying…' : 'Retry'}
            </button>
          </span>
        ) : null}
      </div>
      <dl class="facts messenger-facts">
        {email ? (
          <>
            <dt>Conversation</dt>
            <dd class="delivery-about">
              <a href={hrefOf({ view: 'inbox', conversationId: email.conversationId })} data-testid="delivery-conversation">Open the conversation</a>
            </dd>
          </>
        ) : null}
        <dt>Key</dt>
        <dd class="url">{job.key}</dd>
        <dt>Attempts</dt>
        <dd data-testid="delivery-attempts">{job.attempts}</dd>
        {job.lastError ? (
          <>
            <dt>Last error</dt>
            <dd class="last-error" data-testid="delivery-error">{job.lastError}</dd>
          </>
        ) : null}
        {job.status === 'pending' ? (
          <>
            <dt>Next attempt</dt>
            <dd>{fullTime(job.nextAttemptAt)}</dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>{fullTime(job.createdAt)}</dd>
        <dt>Updated</dt>
        <dd>{fullTime(job.updatedAt)}</dd>
      </dl>
      <Notice text={notice} />
      <ErrorBox error={retry.error} testId="delivery-retry-error" />
    </li>
  );
}
