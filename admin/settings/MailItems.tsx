// An inbox's emails that did not become messages: set aside (nothing to thread them to
// while "convert all" is off) and quarantined (could not be handled). Each can be
// imported (it starts or continues a conversation), discarded, or downloaded as .eml.
import { useEffect, useRef, useState } from 'preact/hooks';
import { discardMail, errorOf, importMail, listMail, rawMailUrl, type ImportResult } from '../api';
import { ErrorBox, useAction } from '../components/ui';
import { bytesLabel, fullTime, timeLabel } from '../lib/format';
import { hrefOf } from '../state/route';
import type { ErrorBody, InboxView, MailItemKind, MailItemView } from '../types';
import { DeleteConfirmation, useRowModes } from './rowModes';

const KINDS: { kind: MailItemKind; label: string; count: (c: InboxView['counts']) => number; empty: string }[] = [
  { kind: 'set-aside', label: 'Set aside', count: (c) => c.setAside, empty: 'No emails set aside.' },
  { kind: 'quarantined', label: 'Quarantined', count: (c) => c.quarantined, empty: 'No emails in quarantine.' },
];

interface Page {
  kind: MailItemKind;
  items: MailItemView[];
  nextCursor: string | null;
}

/** `onChanged`: an email was imported or discarded (the inbox's counts moved). */
export function MailItems({ inbox, onChanged }: { inbox: InboxView; onChanged: () => void }) {
  const [kind, setKind] = useState<MailItemKind>('set-aside');
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const more = useAction();
  const current = KINDS.find((k) => k.kind === kind)!;
  const count = current.count(inbox.counts);

  // The first page again when the tab changes or more mail arrived meanwhile (the count
  // grew). Not when it shrank: that was an import or discard here, whose row stays to say so.
  const [arrivals, setArrivals] = useState(0);
  const seen = useRef({ kind, count });
  useEffect(() => {
    if (seen.current.kind === kind && count > seen.current.count) setArrivals((n) => n + 1);
    seen.current = { kind, count };
  }, [kind, count]);

  useEffect(() => {
    let live = true;
    listMail(inbox.id, kind).then(
      (p) => {
        if (!live) return;
        setPage({ kind, ...p });
        setError(null);
      },
      (err) => live && setError(errorOf(err)),
    );
    return () => {
      live = false;
    };
  }, [inbox.id, kind, arrivals]);

  const loadMore = async () => {
    if (!page?.nextCursor) return;
    const next = await more.run(() => listMail(inbox.id, kind, page.nextCursor!));
    if (next) setPage((p) => (p && p.kind === kind ? { kind, items: [...p.items, ...next.items.filter((i) => !p.items.some((x) => x.id === i.id))], nextCursor: next.nextCursor } : p));
  };

  const items = page && page.kind === kind ? page.items : null;
  return (
    <section class="mail-items" aria-label={`Emails of ${inbox.name} not imported`} data-testid="inbox-mail">
      <div class="tabs" role="group" aria-label="Which emails">
        {KINDS.map((k) => (
          <button key={k.kind} type="button" class={k.kind === kind ? 'tab active' : 'tab'} aria-pressed={k.kind === kind}
            data-testid={`mail-tab-${k.kind}`} onClick={() => setKind(k.kind)}>
            {k.label} ({k.count(inbox.counts)})
          </button>
        ))}
      </div>
      <p class="muted small">
        {kind === 'set-aside'
          ? 'These emails thread into no conversation and “Convert all emails” is off. Import one to start a conversation with its sender.'
          : 'Parley could not handle these emails (the reason says why). Download one to look at it, import it anyway, or discard it.'}
      </p>
      <ErrorBox error={error} />
      <ul class="rows" data-testid="mail-list" data-kind={kind} aria-busy={items ? undefined : true}>
        {(items ?? []).map((item) => <MailRow key={item.id} item={item} onChanged={onChanged} />)}
        {items && items.length === 0 ? <li class="muted" data-testid="mail-empty">{current.empty}</li> : null}
        {!items && !error ? <li class="muted">Loading…</li> : null}
      </ul>
      {page?.kind === kind && page.nextCursor ? (
        <button type="button" class="btn subtle" data-testid="mail-more" disabled={more.busy} onClick={() => void loadMore()}>
          {more.busy ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
      <ErrorBox error={more.error} />
    </section>
  );
}

function MailRow({ item, onChanged }: { item: MailItemView; onChanged: () => void }) {
  const { mode, go, deleteBtn, cancelDelete } = useRowModes();
  const [done, setDone] = useState<{ imported: ImportResult } | { discarded: true } | null>(null);
  const action = useAction();

  const runImport = async () => {
    const result = await action.run(() => importMail(item.inboxId, item.id));
    if (result) {
      setDone({ imported: result });
      onChanged();
    }
  };
  const discard = async () => {
    const ok = await action.run(async () => {
      await discardMail(item.inboxId, item.id);
      return true;
    });
    if (ok) {
      setDone({ discarded: true });
      onChanged();
    } else go('view', 'delete');
  };

  const subject = item.subject?.trim() || '(no subject)';
  return (
    <li class="row mail-row" data-testid="mail-item" data-id={item.id}>
      <div class="row-head">
        <span class="row-main">
          <strong data-testid="mail-subject">{subject}</strong>
          <span class="muted small mail-meta">
            <span data-testid="mail-from">{item.from ?? 'no sender'}</span> · {bytesLabel(item.size)} ·{' '}
            <time dateTime={new Date(item.createdAt).toISOString()} title={fullTime(item.createdAt)}>{timeLabel(item.createdAt)}</time>
          </span>
        </span>
        {!done && mode === 'view' ? (
          <span class="row-actions">
            <button type="button" class="btn primary" data-testid="mail-import" disabled={action.busy} onClick={() => void runImport()}>
              {action.busy ? 'Working…' : 'Import'}
            </button>
            <a class="btn subtle" href={rawMailUrl(item.inboxId, item.id)} download={`${item.id}.eml`} data-testid="mail-download">Download .eml</a>
            <button ref={deleteBtn} type="button" class="btn danger" data-testid="mail-discard" disabled={action.busy}
              onClick={() => go('delete', 'cancel-delete')}>Discard</button>
          </span>
        ) : null}
      </div>
      <p class="small mail-reason" data-testid="mail-reason"><span class="muted">Reason:</span> {item.reason}</p>
      {done && 'imported' in done ? (
        <p class="notice" role="status" data-testid="mail-imported">
          Imported{done.imported.duplicate ? ' (it was already in a conversation)' : ''}.{' '}
          <a href={hrefOf({ view: 'inbox', conversationId: done.imported.conversationId })} data-testid="mail-conversation-link">Open the conversation</a>
        </p>
      ) : null}
      {done && 'discarded' in done ? <p class="notice" role="status">Discarded.</p> : null}
      <ErrorBox error={action.error} testId="mail-error" />
      {!done && mode === 'delete' ? (
        <DeleteConfirmation id={`discard-${item.id}`} prefix="mail" confirmLabel="Discard email" busy={action.busy}
          onConfirm={() => void discard()} onCancel={() => go('view', 'delete')} cancelRef={cancelDelete}>
          Discard “{subject}” for good? Parley deletes its copy; the email stays in the mailbox unless it was deleted there.
        </DeleteConfirmation>
      ) : null}
    </li>
  );
}
