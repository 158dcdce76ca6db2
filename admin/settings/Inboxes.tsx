// Inboxes per website: support mailboxes (IMAP or POP3) piped into the live chat. A list
// with a truthful status (polled while the screen is open: readers reconnect on their
// own), the last successful sync and counts, Reconnect after an Error, edit / delete, the
// set-aside and quarantined emails, and a form to add one.
import { useEffect, useState } from 'preact/hooks';
import { createInbox, deleteInbox, listInboxPresets, listInboxes, reconnectInbox, updateInbox, type InboxInput } from '../api';
import { ErrorBox, Notice, useAction } from '../components/ui';
import { agoLabel, fullTime } from '../lib/format';
import { useStore } from '../lib/store';
import { departments } from '../state/directory';
import type { InboxView, Preset } from '../types';
import { InboxForm } from './InboxForm';
import { INBOX_FIELD_LABELS } from './inboxFormState';
import { statusLabel } from './inboxStatus';
import { MailItems } from './MailItems';
import { DeleteConfirmation, useRowModes } from './rowModes';
import { SitePicker, useSiteList, useSites } from './siteScoped';

/** How often the list is reloaded while open, so the status stays truthful. */
export const INBOX_POLL_MS = 5_000;

export function Inboxes() {
  const { sites, site, siteId, setSiteId, error: sitesError } = useSites();
  const { items, error: listError, upsert, remove: removeItem, refresh } = useSiteList(siteId, { load: listInboxes, pollMs: INBOX_POLL_MS });
  const [presets, setPresets] = useState<Preset[] | null>(null);
  const [formKey, setFormKey] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const loadPresets = useAction();
  const create = useAction();

  useEffect(() => {
    // Without the presets (the error shows) the form still works in Advanced mode.
    void loadPresets.run(listInboxPresets).then((list) => setPresets(list ?? []));
  }, []);

  const remove = (id: string) => {
    removeItem(id);
    document.getElementById('inboxes-h')?.focus(); // the focused row is gone
  };

  const add = async (input: InboxInput) => {
    if (!site) return;
    setNotice(null);
    const created = await create.run(() => createInbox(site.id, input));
    if (created) {
      upsert(created);
      setFormKey((k) => k + 1);
      setNotice(`“${created.name}” was added. ${created.enabled ? 'Parley is connecting to the mailbox: the status above follows it.' : 'Enable it to start reading the mailbox.'}`);
    }
  };

  return (
    <div class="inboxes">
      <section class="card" aria-labelledby="inboxes-h">
        <h2 id="inboxes-h" tabIndex={-1}>Inboxes</h2>
        <p class="muted">
          Pipe a support mailbox into a live chat: customers’ emails become conversations, agents answer here, and the answers go
          out by email. Parley reads the mailbox over IMAP or POP3.
        </p>
        <ErrorBox error={sitesError} />
        <SitePicker sites={sites} siteId={siteId} prefix="inbox" onSelect={(id) => { setNotice(null); setSiteId(id); }} />
        <ErrorBox error={listError} />
        {site ? (
          <ul class="rows" data-testid="inbox-list" aria-label={`Inboxes of ${site.name}`} aria-busy={items ? undefined : true}>
            {(items ?? []).map((inbox) => (
              <InboxRow key={inbox.id} inbox={inbox} presets={presets ?? []} onChanged={upsert} onDeleted={remove} onRefresh={refresh} />
            ))}
            {items && items.length === 0 ? <li class="muted">No inboxes on {site.name} yet. Add one below.</li> : null}
            {!items && !listError ? <li class="muted">Loading…</li> : null}
          </ul>
        ) : null}
      </section>

      {site ? (
        <section class="card" aria-labelledby="new-inbox-h">
          <h2 id="new-inbox-h">Add an inbox to {site.name}</h2>
          <Notice text={notice} />
          <ErrorBox error={loadPresets.error} />
          {presets ? (
            <InboxForm
              key={`${site.id}-${formKey}`}
              idPrefix="new-inbox"
              testId="inbox-form"
              presets={presets}
              submitLabel={create.busy ? 'Adding…' : 'Add inbox'}
              busy={create.busy}
              error={create.error}
              onSubmit={(input) => void add(input)}
            />
          ) : <p class="muted">Loading…</p>}
        </section>
      ) : null}
    </div>
  );
}

interface RowProps {
  inbox: InboxView;
  presets: readonly Preset[];
  onChanged: (inbox: InboxView) => void;
  onDeleted: (id: string) => void;
  onRefresh: () => void;
}

function InboxRow({ inbox, presets, onChanged, onDeleted, onRefresh }: RowProps) {
  const { mode, go, editBtn, deleteBtn, cancelDelete } = useRowModes();
  const [notice, setNotice] = useState<string | null>(null);
  const [showMail, setShowMail] = useState(false);
  const action = useAction(); // reconnect, delete: one at a time
  const save = useAction();
  const deps = useStore(departments);

  const reconnect = async () => {
    setNotice(null);
    const updated = await action.run(() => reconnectInbox(inbox.id));
    if (updated) onChanged(updated);
  };

  const destroy = async () => {
    const ok = await action.run(async () => {
      await deleteInbox(inbox.id);
      return true;
    });
    if (ok) onDeleted(inbox.id);
    else go('view', 'delete');
  };

  const saveEdit = async (input: InboxInput) => {
    setNotice(null);
    const updated = await save.run(() => updateInbox(inbox.id, input));
    if (updated) {
      onChanged(updated);
      action.setError(null);
      go('view', 'edit');
      setNotice(updated.enabled ? 'Saved. Parley reconnects with the new settings.' : 'Saved. The inbox is disabled: Parley does not read the mailbox.');
    }
  };

  const status = statusLabel(inbox.status);
  const { settings: s, counts } = inbox;
  const department = inbox.departmentId ? (deps.find((d) => d.id === inbox.departmentId)?.name ?? 'Unknown department') : 'None';
  const preset = presets.find((p) => p.id === s.preset && p.id !== 'other');
  const sync = inbox.status.lastSyncAt;
  const waiting = counts.setAside + counts.quarantined;
  return (
    <li class="row inbox-row" data-testid="inbox-row" data-id={inbox.id} data-state={inbox.status.state}>
      <div class="row-head">
        <span class="row-main">
          <strong data-testid="inbox-name">{inbox.name}</strong> <span class="muted" data-testid="inbox-address">{inbox.address}</span>
        </span>
        <span class={`status-badge tone-${status.tone}`} data-testid="inbox-status">{status.label}</span>
        {mode === 'view' ? (
          <span class="row-actions">
            {inbox.status.state === 'error' && inbox.enabled ? (
              <button type="button" class="btn primary" data-testid="inbox-reconnect" disabled={action.busy} onClick={() => void reconnect()}>
                {action.busy ? 'Working…' : 'Reconnect'}
              </button>
            ) : null}
            <button ref={editBtn} type="button" class="btn subtle" data-testid="inbox-edit" onClick={() => { setNotice(null); go('edit'); }}>Edit</button>
            <button ref={deleteBtn} type="button" class="btn danger" data-testid="inbox-delete" disabled={action.busy}
              onClick={() => { setNotice(null); go('delete', 'cancel-delete'); }}>Delete</button>
          </span>
        ) : null}
      </div>
      {status.detail ? (
        <p class={status.tone === 'bad' ? 'status-detail last-error' : 'status-detail warn'} data-testid="inbox-status-detail">{status.detail}</p>
      ) : null}

      <dl class="facts inbox-facts">
        <dt>Mailbox</dt>
        <dd>
          {s.protocol.toUpperCase()} · {preset ? preset.label : `${s.incoming.host}:${s.incoming.port}`}
          {s.protocol === 'imap' ? ` · ${s.incoming.folder}` : ''}
        </dd>
        <dt>Last sync</dt>
        <dd data-testid="inbox-last-sync" title={sync ? fullTime(sync) : undefined}>{sync ? agoLabel(sync) : 'Never'}</dd>
        <dt>Department</dt>
        <dd>{department}</dd>
        <dt>Emails</dt>
        <dd data-testid="inbox-counts">
          <span data-testid="inbox-count-imported">{counts.imported}</span> imported ·{' '}
          <span data-testid="inbox-count-set-aside">{counts.setAside}</span> set aside ·{' '}
          <span data-testid="inbox-count-quarantined">{counts.quarantined}</span> quarantined
        </dd>
      </dl>

      <Notice text={notice} />
      <ErrorBox error={action.error} testId="inbox-error" labels={INBOX_FIELD_LABELS} />

      {mode === 'view' ? (
        <div>
          <button type="button" class="btn" data-testid="inbox-mail-toggle" aria-expanded={showMail} onClick={() => setShowMail(!showMail)}>
            {showMail ? 'Hide set-aside and quarantined mail' : `Set-aside and quarantined mail (${waiting})`}
          </button>
        </div>
      ) : null}
      {mode === 'view' && showMail ? <MailItems inbox={inbox} onChanged={onRefresh} /> : null}

      {mode === 'edit' ? (
        <InboxForm
          idPrefix={`inbox-${inbox.id}`}
          testId="inbox-edit-form"
          initial={inbox}
          presets={presets}
          autoFocus
          submitLabel={save.busy ? 'Saving…' : 'Save'}
          busy={save.busy}
          error={save.error}
          onSubmit={(input) => void saveEdit(input)}
          onCancel={() => { save.setError(null); go('view', 'edit'); }}
        />
      ) : null}

      {mode === 'delete' ? (
        <DeleteConfirmation id={`delete-${inbox.id}`} prefix="inbox" confirmLabel="Delete inbox" busy={action.busy}
          onConfirm={() => void destroy()} onCancel={() => go('view', 'delete')} cancelRef={cancelDelete}>
          Delete the inbox “{inbox.name}”? Parley stops reading {inbox.address}, and its set-aside and quarantined emails are deleted.
          Its conversations stay in the inbox; the mailbox itself is not touched.
        </DeleteConfirmation>
      ) : null}
    </li>
  );
}
