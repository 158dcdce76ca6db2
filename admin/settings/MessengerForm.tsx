// Add or edit a messenger channel: name, webhook URL, confirmation code (hidden unless
// shown), what happens when a user of a closed conversation writes again, and whether
// operators may start conversations. Field problems from the server show next to the field.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MessengerInput } from '../api';
import { SecretField } from '../components/SecretField';
import { ErrorBox, Field, checked, inputValue, splitFieldErrors } from '../components/ui';
import type { ErrorBody, MessengerView } from '../types';

const FIELDS = ['name', 'webhookUrl', 'confirmationCode', 'returning', 'allowOperatorStart'] as const;

/** People's names for the fields of the API, for error details. */
export const MESSENGER_FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  webhookUrl: 'Webhook URL',
  confirmationCode: 'Confirmation code',
  returning: 'Returning users',
  allowOperatorStart: 'Operators may start conversations',
};

interface Props {
  /** Makes element ids unique on the page (several forms may be open). */
  idPrefix: string;
  /** The channel being edited; absent when adding one. */
  initial?: MessengerView;
  submitLabel: string;
  busy: boolean;
  error: ErrorBody | null;
  onSubmit: (input: MessengerInput) => void;
  onCancel?: () => void;
  testId?: string;
  /** Focus the first field when the form appears (editing opened from a button). */
  autoFocus?: boolean;
}

export function MessengerForm({ idPrefix, initial, submitLabel, busy, error, onSubmit, onCancel, testId, autoFocus }: Props) {
  const editing = !!initial;
  const [form, setForm] = useState<MessengerInput>({
    name: initial?.name ?? '',
    webhookUrl: initial?.webhookUrl ?? '',
    confirmationCode: '',
    returning: initial?.returning ?? 'reopen',
    allowOperatorStart: initial?.allowOperatorStart ?? true,
  });
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (autoFocus) first.current?.focus();
  }, []);

  const set = (key: 'name' | 'webhookUrl') => (e: Event) => setForm({ ...form, [key]: inputValue(e) });
  const { byField, rest } = splitFieldErrors(error, FIELDS);
  const reconfirm = editing && (form.webhookUrl.trim() !== initial.webhookUrl || form.confirmationCode !== '');

  const submit = (e: Event) => {
    e.preventDefault();
    onSubmit({ ...form, name: form.name.trim(), webhookUrl: form.webhookUrl.trim() });
  };

  return (
    <form class="grid-form messenger-form" data-testid={testId} onSubmit={submit}>
      <Field label="Name" hint="Shown to agents, like “Staff messenger”." error={byField.name}>
        <input ref={first} name="name" required maxLength={100} value={form.name} onInput={set('name')} aria-invalid={byField.name ? true : undefined} />
      </Field>
      <Field label="Webhook URL" hint="Where Parley sends agent replies and the confirmation request, like https://messenger.example.com/parley." error={byField.webhookUrl}>
        <input name="webhookUrl" type="url" required maxLength={2000} spellcheck={false} value={form.webhookUrl} onInput={set('webhookUrl')}
          aria-invalid={byField.webhookUrl ? true : undefined} />
      </Field>

      <SecretField id={`${idPrefix}-code`} name="confirmationCode" noun="code" toggleTestId="messenger-code-toggle"
        label={editing ? 'New confirmation code (optional)' : 'Confirmation code'} required={!editing} minLength={8} maxLength={200}
        value={form.confirmationCode} onInput={(confirmationCode) => setForm({ ...form, confirmationCode })} error={byField.confirmationCode}
        hint={editing
          ? 'Leave empty to keep the current code. At least 8 characters.'
          : 'A shared secret of at least 8 characters, stored encrypted: the messenger answers the confirmation request with it, and both sides sign their requests with it.'} />

      <fieldset>
        <legend>Returning users</legend>
        <p class="muted small">When a user whose last conversation was closed writes again:</p>
        <label class="check">
          <input type="radio" name="returning" value="reopen" checked={form.returning === 'reopen'} onChange={() => setForm({ ...form, returning: 'reopen' })} />
          Reopen their last conversation
        </label>
        <label class="check">
          <input type="radio" name="returning" value="new" checked={form.returning === 'new'} onChange={() => setForm({ ...form, returning: 'new' })} />
          Start a new conversation
        </label>
        {byField.returning ? <p class="field-error">{byField.returning}</p> : null}
      </fieldset>

      <label class="check">
        <input type="checkbox" name="allowOperatorStart" checked={form.allowOperatorStart} onChange={(e) => setForm({ ...form, allowOperatorStart: checked(e) })} />
        Operators may start conversations with users who wrote before
      </label>
      {byField.allowOperatorStart ? <p class="field-error">{byField.allowOperatorStart}</p> : null}

      {editing ? (
        <p class={reconfirm ? 'warning' : 'muted small'} data-testid="messenger-reconnect-note">
          Changing the webhook URL or the confirmation code puts the channel back to pending: connect it again after saving.
        </p>
      ) : null}
      <ErrorBox error={rest} labels={MESSENGER_FIELD_LABELS} />
      <div class="form-actions">
        <button type="submit" class="btn primary" disabled={busy}>{submitLabel}</button>
        {onCancel ? <button type="button" class="btn subtle" onClick={onCancel}>Cancel</button> : null}
      </div>
    </form>
  );
}
