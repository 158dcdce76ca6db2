// The reply box: Enter sends, Shift+Enter adds a line. Files are uploaded first and
// sent by id with the next message. Tells the visitor when the agent types.
import { useEffect, useRef } from 'preact/hooks';
import { ErrorBox } from '../components/ui';
import { bytesLabel } from '../lib/format';
import { useStore } from '../lib/store';
import { useSocket } from '../socket';
import { draftOf, drafts, sendDraft, updateDraft } from '../state/outbox';
import { useUploads } from './useUploads';

const TYPING_EVERY_MS = 3000;
const TYPING_IDLE_MS = 4000;

export function ReplyBox({ conversationId, closed }: { conversationId: string; closed: boolean }) {
  const socket = useSocket();
  useStore(drafts);
  const draft = draftOf(conversationId);
  const { uploading, uploadError, setUploadError, onFiles } = useUploads((att) =>
    updateDraft(conversationId, { attachments: [...draftOf(conversationId).attachments, att] }));
  const input = useRef<HTMLTextAreaElement>(null);
  const typingSentAt = useRef(0);
  const idleTimer = useRef<ReturnType<typeof setTimeout>>();

  const stopTyping = () => {
    clearTimeout(idleTimer.current);
    if (!typingSentAt.current) return;
    typingSentAt.current = 0;
    if (socket.connected) socket.emit('typing', { conversationId, typing: false });
  };

  const typed = (text: string) => {
    if (!text.trim()) return stopTyping();
    const now = Date.now();
    if (now - typingSentAt.current > TYPING_EVERY_MS && socket.connected) {
      typingSentAt.current = now;
      socket.emit('typing', { conversationId, typing: true });
    }
    clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  useEffect(() => stopTyping, [conversationId]);

  const send = () => {
    if (uploading) return;
    stopTyping();
    if (sendDraft(conversationId)) {
      setUploadError(null);
      input.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const removeAttachment = (id: string) =>
    updateDraft(conversationId, { attachments: draftOf(conversationId).attachments.filter((a) => a.id !== id) });

  const empty = !draft.text.trim() && draft.attachments.length === 0;
  return (
    <form class="reply" onSubmit={(e) => { e.preventDefault(); send(); }}>
      {closed ? <p class="muted small">This conversation is closed. Reopen it to reply.</p> : null}
      <ErrorBox error={draft.error} testId="reply-error" />
      <ErrorBox error={uploadError} />
      {draft.attachments.length || uploading ? (
        <ul class="draft-files" aria-label="Files to send">
          {draft.attachments.map((a) => (
            <li key={a.id}>
              <span>{a.name} ({bytesLabel(a.size)})</span>
              <button type="button" class="btn icon" aria-label={`Remove ${a.name}`} onClick={() => removeAttachment(a.id)}>×</button>
            </li>
          ))}
          {uploading ? <li role="status">Uploading…</li> : null}
        </ul>
      ) : null}
      <label class="sr-only" for="reply-input">Reply</label>
      <textarea
        id="reply-input"
        ref={input}
        data-testid="reply-input"
        rows={3}
        placeholder="Write a reply… (Enter sends, Shift+Enter adds a line)"
        value={draft.text}
        onInput={(e) => {
          const text = (e.currentTarget as HTMLTextAreaElement).value;
          updateDraft(conversationId, { text });
          typed(text);
        }}
        onKeyDown={onKeyDown}
        onBlur={stopTyping}
      />
      <div class="reply-actions">
        <label class="btn subtle attach">
          Attach file
          <input type="file" class="sr-only" data-testid="reply-attach" multiple onChange={(e) => void onFiles(e)} />
        </label>
        <button type="submit" class="btn primary" data-testid="reply-send" disabled={empty || uploading > 0}>Send</button>
      </div>
    </form>
  );
}
