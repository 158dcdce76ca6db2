// The whole email behind a message that came by email: only the new text of a reply is
// the message, so the quote (and the original HTML, when there was some) is one click
// away, fetched when asked for. Text is rendered as text; the HTML, sanitized by the
// server, only ever inside a sandboxed frame: no scripts, no same-origin access.
import { useState } from 'preact/hooks';
import { getEmailOriginal } from '../api';
import { ErrorBox, useAction } from '../components/ui';
import type { EmailOriginalView } from '../types';

export function EmailOriginal({ conversationId, messageId, quoted }: { conversationId: string; messageId: string; quoted: boolean }) {
  const [open, setOpen] = useState(false);
  const [original, setOriginal] = useState<EmailOriginalView | null>(null);
  const [showHtml, setShowHtml] = useState(false);
  const load = useAction();

  const toggle = async () => {
    if (open) return setOpen(false);
    setOpen(true);
    if (original) return;
    const fetched = await load.run(() => getEmailOriginal(conversationId, messageId));
    if (fetched) setOriginal(fetched);
  };

  const noun = quoted ? 'quoted text' : 'original email';
  return (
    <div class="email-original">
      <button type="button" class="btn link small" aria-expanded={open} data-testid="message-quoted-toggle" onClick={() => void toggle()}>
        {open ? `Hide ${noun}` : `Show ${noun}`}
      </button>
      {open && load.busy ? <p class="muted small" role="status">Loading…</p> : null}
      {open ? <ErrorBox error={load.error} /> : null}
      {open && original ? (
        <>
          <p class="muted small email-from">From {original.from}</p>
          <pre class="email-text" data-testid="message-original">{original.text}</pre>
          {original.html ? (
            <button type="button" class="btn link small" aria-expanded={showHtml} data-testid="message-html-toggle" onClick={() => setShowHtml(!showHtml)}>
              {showHtml ? 'Hide original HTML' : 'Show original HTML'}
            </button>
          ) : null}
          {showHtml && original.html ? (
            <iframe class="email-html" sandbox="" srcdoc={original.html} referrerpolicy="no-referrer" data-testid="message-html"
              title={`Original email: ${original.subject}`} />
          ) : null}
        </>
      ) : null}
    </div>
  );
}
