// A read-only value to paste somewhere else, with a Copy button. Without the clipboard
// API (plain http on another host) the text is selected so Ctrl+C copies it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Notice } from './ui';

interface Props {
  label: string;
  value: string;
  hint?: string;
  testId?: string;
}

let nextId = 0;

export function CopyField({ label, value, hint, testId }: Props) {
  const [id] = useState(() => `copy-field-${++nextId}`);
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(null), 5000);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(`${label} copied to the clipboard.`);
    } catch {
      input.current?.focus();
      input.current?.select();
      setCopied(document.execCommand('copy') ? `${label} copied to the clipboard.` : 'Press Ctrl+C (⌘C) to copy the selected text.');
    }
  };

  return (
    <div class="field copy-field">
      <label class="field-label" for={id}>{label}</label>
      <div class="copy-row">
        <input ref={input} id={id} type="text" readOnly spellcheck={false} value={value} data-testid={testId}
          aria-describedby={hint ? `${id}-hint` : undefined} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
        <button type="button" class="btn" aria-label={`Copy ${label}`} onClick={() => void copy()}>Copy</button>
      </div>
      {hint ? <span class="field-hint" id={`${id}-hint`}>{hint}</span> : null}
      <Notice text={copied} />
    </div>
  );
}
