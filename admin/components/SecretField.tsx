// A labelled secret (password, shared code): hidden unless shown, never autofilled with the
// admin's own password, its error and hint tied to it for screen readers.
import { useState } from 'preact/hooks';
import { inputValue } from './ui';

interface Props {
  id: string;
  name: string;
  label: string;
  /** What the toggle calls it: "Show code", "Hide password". */
  noun: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
  hint?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  placeholder?: string;
  toggleTestId?: string;
}

export function SecretField({ id, name, label, noun, value, onInput, error, hint, required, minLength, maxLength, placeholder, toggleTestId }: Props) {
  const [shown, setShown] = useState(false);
  const describedBy = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label class="field-label" for={id}>{label}</label>
      <div class="secret-input">
        <input id={id} name={name} type={shown ? 'text' : 'password'} required={required} minLength={minLength} maxLength={maxLength}
          placeholder={placeholder} autocomplete="new-password" spellcheck={false} value={value} onInput={(e) => onInput(inputValue(e))}
          aria-invalid={error ? true : undefined} aria-describedby={describedBy} />
        <button type="button" class="btn" aria-controls={id} data-testid={toggleTestId} onClick={() => setShown(!shown)}>
          {shown ? `Hide ${noun}` : `Show ${noun}`}
        </button>
      </div>
      {error ? <span class="field-error" id={`${id}-error`}>{error}</span> : null}
      {hint ? <span class="field-hint" id={`${id}-hint`}>{hint}</span> : null}
    </div>
  );
}
