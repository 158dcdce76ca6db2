// An IMAP folder: a select of the mailbox's folders once "Test connection" listed them,
// free text before (the admin may know the name; the test says when it does not exist).
import { Field, inputValue } from '../components/ui';

interface Props {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  /** The folders the last connection test listed; empty: type the name. */
  folders: string[];
  error?: string;
  hint?: string;
  placeholder?: string;
}

export function FolderField({ label, name, value, onChange, folders, error, hint, placeholder }: Props) {
  const invalid = error ? true : undefined;
  if (!folders.length) {
    return (
      <Field label={label} hint={hint} error={error}>
        <input name={name} maxLength={200} spellcheck={false} value={value} placeholder={placeholder}
          onInput={(e) => onChange(inputValue(e))} aria-invalid={invalid} />
      </Field>
    );
  }
  // A stored folder the server no longer lists stays choosable, marked, rather than silently replaced.
  const options = value && !folders.includes(value) ? [value, ...folders] : folders;
  return (
    <Field label={label} hint={hint} error={error}>
      <select name={name} value={value} onChange={(e) => onChange(inputValue(e))} aria-invalid={invalid}>
        {!value ? <option value="">Choose a folder</option> : null}
        {options.map((f) => <option key={f} value={f}>{folders.includes(f) ? f : `${f} (not found on the server)`}</option>)}
      </select>
    </Field>
  );
}
