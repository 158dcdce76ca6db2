// Messenger channels per website: the company's own messengers, connected by webhook. A
// list with status, the addresses to paste into the messenger, connect / disconnect /
// edit / delete, a form to add one, and (where operators may) a form to write first to a
// known user of an active channel.
import { useState } from 'preact/hooks';
import {
  connectMessenger, createMessenger, deleteMessenger, disconnectMessenger, listMessengers, startMessengerConversation, updateMessenger,
  type MessengerInput,
} from '../api';
import { CopyField } from '../components/CopyField';
import { ErrorBox, Field, Notice, inputValue, splitFieldErrors, useAction } from '../components/ui';
import { newClientId } from '../lib/format';
import { navigate } from '../state/route';
import type { MessengerView } from '../types';
import { MESSENGER_FIELD_LABELS, MessengerForm } from './MessengerForm';
import { DeleteConfirmation, useRowModes } from './rowModes';
import { SitePicker, useSiteList, useSites } from './siteScoped';

const STATUS: Record<MessengerView['status'], { label: string; hint: string }> = {
  pending: { label: 'Pending', hint: 'Not confirmed yet: paste the inbound URL into the messenger, then connect.' },
  active: { label: 'Active', hint: 'Connected: the messenger’s users write to this live chat and get the agents’ replies.' },
  disconnected: { label: 'Disconnected', hint: 'Messages from the messenger are refused; agent replies wait until you connect again.' },
};

export function Messengers() {
  const { sites, site, siteId, setSiteId, error: sitesError } = useSites();
  const { items, error: listError, upsert, remove: removeItem, refresh } = useSiteList(siteId, { load: listMessengers });
  const [formKey, setFormKey] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const create = useAction();

  const remove = (id: string) => {
    removeItem(id);
    document.getElementById('messengers-h')?.focus(); // the focused row is gone
  };

  const add = async (input: MessengerInput) => {
    if (!site) return;
    setNotice(null);
    const created = await create.run(() => createMessenger(site.id, input));
    if (created) {
      upsert(created);
      setFormKey((k) => k + 1);
      setNotice(`“${created.name}” was added. Paste its inbound URL into the messenger, then connect it.`);
    }
  };

  return (
    <div class="messengers">
      <section class="card" aria-labelledby="messengers-h">
        <h2 id="messengers-h" tabIndex={-1}>Messengers</h2>
        <p class="muted">
          Connect your company’s own messenger to a live chat: its users write from the messenger, agents answer here,
          and the answers go back to the messenger. One messenger webhook serves one live chat only.
        </p>
        <ErrorBox error={sitesError} />
        <SitePicker sites={sites} siteId={siteId} prefix="messenger" onSelect={(id) => { setNotice(null); setSiteId(id); }} />
        <ErrorBox error={listError} />
        {site ? (
          <ul class="rows" data-testid="messenger-list" aria-label={`Messengers of ${site.name}`} aria-busy={items ? undefined : true}>
            {(items ?? []).map((m) => (
              <MessengerRow key={m.id} messenger={m} onChanged={upsert} onDeleted={remove} onRefresh={refresh} />
            ))}
            {items && items.length === 0 ? <li class="muted">No messengers on {site.name} yet. Add one below.</li> : null}
            {!items && !listError ? <li class="muted">Loading…</li> : null}
          </ul>
        ) : null}
      </section>

      {site ? (
        <section class="card" aria-labelledby="new-messenger-h">
          <h2 id="new-messenger-h">Add a messenger to {site.name}</h2>
          <Notice text={notice} />
          <MessengerForm
            key={`${site.id}-${formKey}`}
            idPrefix="new-messenger"
            testId="messenger-form"
            submitLabel={create.busy ? 'Adding…' : 'Add messenger'}
            busy={create.busy}
            error={create.error}
            onSubmit={(input) => void add(input)}
          />
        </section>
      ) : null}
    </div>
  );
}

interface RowProps {
  messenger: MessengerView;
  onChanged: (m: MessengerView) => void;
  onDeleted: (id: string) => void;
  onRefresh: () => void;
}

function MessengerRow({ messenger: m, onChanged, onDeleted, onRefresh }: RowProps) {
  const { mode, go, editBtn, deleteBtn, cancelDelete } = useRowModes();
  const [notice, setNotice] = useState<string | null>(null);
  const action = useAction(); // connect, disconnect, delete: one at a time
  const save = useAction();

  const connect = async () => {
    setNotice(null);
    const updated = await action.run(() => connectMessenger(m.id));
    if (updated) {
      onChanged(updated);
      setNotice('Connected: the messenger confirmed the code.');
    } else {
      onRefresh(); // the server kept the reason as the last error
    }
  };

  const disconnect = async () => {
    setNotice(null);
    const updated = await action.run(() => disconnectMessenger(m.id));
    if (updated) {
      onChanged(updated);
      setNotice('Disconnected. Connect again to let the messenger’s users write.');
    }
  };

  const destroy = async () => {
    const ok = await action.run(async () => {
      await deleteMessenger(m.id);
      return true;
    });
    if (ok) onDeleted(m.id);
    else go('view', 'delete');
  };

  const saveEdit = async (input: MessengerInput) => {
    setNotice(null);
    const urlChanged = input.webhookUrl !== m.webhookUrl;
    const patch: Partial<MessengerInput> = {
      name: input.name,
      returning: input.returning,
      allowOperatorStart: input.allowOperatorStart,
      ...(urlChanged ? { webhookUrl: input.webhookUrl } : {}),
      ...(input.confirmationCode ? { confirmationCode: input.confirmationCode } : {}),
    };
    const updated = await save.run(() => updateMessenger(m.id, patch));
    if (updated) {
      onChanged(updated);
      action.setError(null); // an old connect failure is about the old settings
      go('view', 'edit');
      setNotice(urlChanged || input.confirmationCode
        ? 'Saved. The new webhook URL or confirmation code is not confirmed yet: connect again.'
        : 'Saved.');
    }
  };

  const status = STATUS[m.status];
  const returning = m.returning === 'reopen' ? 'Reopen their last conversation' : 'Start a new conversation';
  const handshakeFailed = action.error?.code === 'MESSENGER_HANDSHAKE_FAILED';
  return (
    <li class="row messenger-row" data-testid="messenger-row" data-id={m.id} data-status={m.status}>
      <div class="row-head">
        <span class="row-main"><strong data-testid="messenger-name">{m.name}</strong></span>
        <span class={`status-badge ms-${m.status}`} data-testid="messenger-status">{status.label}</span>
        {mode === 'view' ? (
          <span class="row-actions">
            {m.status !== 'active' ? (
              <button type="button" class="btn primary" data-testid="messenger-connect" disabled={action.busy} onClick={() => void connect()}>
                {action.busy ? 'Working…' : m.status === 'disconnected' ? 'Connect again' : 'Connect'}
              </button>
            ) : (
              <button type="button" class="btn" data-testid="messenger-disconnect" disabled={action.busy} onClick={() => void disconnect()}>
                {action.busy ? 'Working…' : 'Disconnect'}
              </button>
            )}
            <button ref={editBtn} type="button" class="btn subtle" data-testid="messenger-edit" onClick={() => { setNotice(null); go('edit'); }}>Edit</button>
            <button ref={deleteBtn} type="button" class="btn danger" data-testid="messenger-delete" disabled={action.busy}
              onClick={() => { setNotice(null); go('delete', 'cancel-delete'); }}>Delete</button>
          </span>
        ) : null}
      </div>
      <p class="muted small">{status.hint}</p>

      <dl class="facts messenger-facts">
        <dt>Webhook URL</dt>
        <dd class="url" data-testid="messenger-webhook-url">{m.webhookUrl}</dd>
        <dt>Returning users</dt>
        <dd>{returning}</dd>
        <dt>Operators</dt>
        <dd>{m.allowOperatorStart ? 'May start conversations' : 'Answer only'}</dd>
        {m.lastError && !handshakeFailed ? (
          <>
            <dt>Last error</dt>
            <dd class="last-error" data-testid="messenger-last-error">{m.lastError}</dd>
          </>
        ) : null}
      </dl>

      <CopyField label="Inbound URL" value={m.inboundUrl} testId="messenger-inbound-url"
        hint="Paste into the messenger: it posts its users’ messages here, signed with the confirmation code." />
      <CopyField label="Public URL" value={m.publicUrl} testId="messenger-public-url" hint="This Parley’s public address." />

      <Notice text={notice} />
      <ErrorBox error={action.error} testId="messenger-error" labels={MESSENGER_FIELD_LABELS} />

      {mode === 'view' && m.status === 'active' && m.allowOperatorStart ? <StartConversation messenger={m} /> : null}

      {mode === 'edit' ? (
        <MessengerForm
          idPrefix={`messenger-${m.id}`}
          testId="messenger-edit-form"
          initial={m}
          autoFocus
          submitLabel={save.busy ? 'Saving…' : 'Save'}
          busy={save.busy}
          error={save.error}
          onSubmit={(input) => void saveEdit(input)}
          onCancel={() => { save.setError(null); go('view', 'edit'); }}
        />
      ) : null}

      {mode === 'delete' ? (
        <DeleteConfirmation id={`delete-${m.id}`} prefix="messenger" confirmLabel="Delete channel" busy={action.busy}
          onConfirm={() => void destroy()} onCancel={() => go('view', 'delete')} cancelRef={cancelDelete}>
          Delete the messenger channel “{m.name}”? Its users can no longer write through it; their conversations stay in the inbox.
          If you add the messenger again, its users start as new visitors.
        </DeleteConfirmation>
      ) : null}
    </li>
  );
}

const START_FIELDS = ['userId', 'text'] as const;

/** An operator writes first to a user who has written through this messenger before. */
function StartConversation({ messenger: m }: { messenger: MessengerView }) {
  const [userId, setUserId] = useState('');
  const [text, setText] = useState('');
  const start = useAction();
  const { byField, rest } = splitFieldErrors(start.error, START_FIELDS);
  const idPrefix = `messenger-start-${m.id}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    const result = await start.run(() => startMessengerConversation(m.id, { userId: userId.trim(), text, clientId: newClientId() }));
    if (result) navigate({ view: 'inbox', conversationId: result.conversationId });
  };

  return (
    <form class="messenger-start" data-testid="messenger-start" aria-labelledby={`${idPrefix}-h`} onSubmit={(e) => void submit(e)}>
      <h3 id={`${idPrefix}-h`}>Start a conversation</h3>
      <p class="muted small">Write first to someone who has written through this messenger before, by their messenger user id.</p>
      <div class="inline-form">
        <Field label="User id" error={byField.userId}>
          <input name="userId" required maxLength={200} spellcheck={false} value={userId} onInput={(e) => setUserId(inputValue(e))}
            aria-invalid={byField.userId ? true : undefined} />
        </Field>
        <Field label="Message" error={byField.text}>
          <input name="text" required maxLength={10_000} value={text} onInput={(e) => setText(inputValue(e))}
            aria-invalid={byField.text ? true : undefined} />
        </Field>
        <button type="submit" class="btn primary" data-testid="messenger-start-submit" disabled={start.busy}>
          {start.busy ? 'Sending…' : 'Start conversation'}
        </button>
      </div>
      <ErrorBox error={rest} testId="messenger-start-error" />
    </form>
  );
}
