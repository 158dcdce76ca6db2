// "New email": an agent starts a conversation by email with any address, from one of the
// inboxes they may write from. The button shows only when there is such an inbox; the
// form opens in a modal dialog and, once the server accepted it, the new conversation.
import { useEffect, useRef, useState } from 'preact/hooks';
import { listSendingInboxes, startEmailConversation, type SendingInbox } from '../api';
import { useUploads } from '../conversation/useUploads';
import { ErrorBox, Field, inputValue, splitFieldErrors, useAction } from '../components/ui';
import { bytesLabel, newClientId } from '../lib/format';
import { localChanges } from '../state/bus';
import { navigate } from '../state/route';
import type { AttachmentView } from '../types';

const FIELDS = ['inboxId', 'to', 'name', 'subject', 'text', 'attachmentIds'] as const;

export function NewEmailButton() {
  const [inboxes, setInboxes] = useState<SendingInbox[]>([]);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    let live = true;
    // No inbox to send from (or no answer): no button, nothing to explain.
    listSendingInboxes().then((list) => live && setInboxes(list), () => undefined);
    return () => {
      live = false;
    };
  }, []);

  if (inboxes.length === 0) return null;
  return (
    <>
      <button type="button" class="btn new-email-btn" data-testid="new-email" onClick={() => setOpen(true)}>
        <span aria-hidden="true">✉</span> New email
      </button>
      {open ? <NewEmailDialog inboxes={inboxes} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function NewEmailDialog({ inboxes, onClose }: { inboxes: SendingInbox[]; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  // Escape and the Cancel button both end in the dialog's close event.
  return (
    <dialog ref={dialog} class="new-email-dialog" aria-labelledby="new-email-h" onClose={onClose}>
      <NewEmailForm inboxes={inboxes} onCancel={() => dialog.current?.close()} />
    </dialog>
  );
}

interface Draft {
  inboxId: string;
  to: string;
  name: string;
  subject: string;
  text: string;
}

/**
 * The conversation a submission opens is named by its clientId. A retry of the same
 * submission (after a network error, or with the message fixed) keeps it, so the server
 * answers with what it already made; a different inbox, recipient or subject is another
 * conversation, so it gets a new one.
 */
function clientIdFor(held: { key: string; id: string } | null, d: Draft): { key: string; id: string } {
  const key = JSON.stringify([d.inboxId, d.to.trim().toLowerCase(), d.name.trim(), d.subject.trim()]);
  return held?.key === key ? held : { key, id: newClientId() };
}

function NewEmailForm({ inboxes, onCancel }: { inboxes: SendingInbox[]; onCancel: () => void }) {
  const [draft, setDraft] = useState<Draft>({ inboxId: inboxes[0]!.id, to: '', name: '', subject: '', text: '' });
  const [files, setFiles] = useState<AttachmentView[]>([]);
  const { uploading, uploadError, onFiles } = useUploads((att) => setFiles((list) => [...list, att]));
  const submission = useRef<{ key: string; id: string } | null>(null);
  const send = useAction();
  const { byField, rest } = splitFieldErrors(send.error, FIELDS);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (uploading) return;
    submission.current = clientIdFor(submission.current, draft);
    const clientId = submission.current.id;
    const result = await send.run(() => startEmailConversation({
      inboxId: draft.inboxId,
      to: draft.to.trim(),
      name: draft.name.trim() || null,
      subject: draft.subject,
      text: draft.text,
      ...(files.length ? { attachmentIds: files.map((f) => f.id) } : {}),
      clientId,
    }));
    if (!result) return;
    localChanges.emit({ kind: 'conversation', conversation: result.conversation });
    onCancel();
    navigate({ view: 'inbox', conversationId: result.conversation.id });
  };

  const invalid = (f: (typeof FIELDS)[number]) => (byField[f] ? true : undefined);
  return (
    <form class="new-email-form" data-testid="new-email-form" onSubmit={(e) => void submit(e)}>
      <h2 id="new-email-h">New email</h2>
      <p class="muted small">Write to anyone by email: their answers come back into this conversation.</p>
      <Field label="From" error={byField.inboxId}>
        <select name="inboxId" data-testid="new-email-inbox" value={draft.inboxId} onChange={(e) => set({ inboxId: inputValue(e) })} aria-invalid={invalid('inboxId')}>
          {inboxes.map((i) => <option key={i.id} value={i.id}>{i.name} &lt;{i.address}&gt;</option>)}
        </select>
      </Field>
      <div class="new-email-pair">
        <Field label="To" error={byField.to}>
          <input name="to" type="email" required maxLength={320} autocomplete="off" spellcheck={false} value={draft.to}
            onInput={(e) => set({ to: inputValue(e) })} aria-invalid={invalid('to')} />
        </Field>
        <Field label="Name (optional)" error={byField.name}>
          <input name="name" maxLength={200} autocomplete="off" value={draft.name} onInput={(e) => set({ name: inputValue(e) })} aria-invalid={invalid('name')} />
        </Field>
      </div>
      <Field label="Subject" error={byField.subject}>
        <input name="subject" required maxLength={200} value={draft.subject} onInput={(e) => set({ subject: inputValue(e) })} aria-invalid={invalid('subject')} />
      </Field>
      <Field label="Message" error={byField.text}>
        <textarea name="text" rows={8} required={files.length === 0} value={draft.text} onInput={(e) => set({ text: inputValue(e) })} aria-invalid={invalid('text')} />
      </Field>
      {files.length || uploading ? (
        <ul class="draft-files" aria-label="Files to send" data-testid="new-email-files">
          {files.map((a) => (
            <li key={a.id}>
              <span>{a.name} ({bytesLabel(a.size)})</span>
              <button type="button" class="btn icon" aria-label={`Remove ${a.name}`} onClick={() => setFiles((l) => l.filter((x) => x.id !== a.id))}>×</button>
            </li>
          ))}
          {uploading ? <li role="status">Uploading…</li> : null}
        </ul>
      ) : null}
      {byField.attachmentIds ? <p class="field-error">{byField.attachmentIds}</p> : null}
      <ErrorBox error={uploadError} testId="new-email-upload-error" />
      <ErrorBox error={rest} testId="new-email-error" />
      <div class="new-email-actions">
        <label class="btn subtle attach">
          Attach file
          <input type="file" class="sr-only" data-testid="new-email-attach" multiple onChange={(e) => void onFiles(e)} />
        </label>
        <span class="new-email-buttons">
          <button type="button" class="btn" data-testid="new-email-cancel" onClick={onCancel}>Cancel</button>
          <button type="submit" class="btn primary" data-testid="new-email-send" disabled={send.busy || uploading > 0}>
            {send.busy ? 'Sending…' : 'Send'}
          </button>
        </span>
      </div>
    </form>
  );
}
