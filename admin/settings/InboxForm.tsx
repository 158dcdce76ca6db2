// Add or edit an inbox: name, address, department, the connection (Standard: a service
// preset and a password; Advanced: every server setting), "Test connection" with the
// form's current values, the import options, the emails it sends (SMTP, notifications,
// branding, templates), and whether the inbox runs. Field problems from the server show
// next to the field.
import { useEffect, useRef, useState } from 'preact/hooks';
import { testInbox, type ConnectionTestResult, type InboxInput } from '../api';
import { ErrorBox, Field, checked, inputValue, useAction } from '../components/ui';
import { useStore } from '../lib/store';
import { departments } from '../state/directory';
import type { ErrorBody, InboxView, Preset } from '../types';
import { InboxConnection } from './InboxConnection';
import { InboxEmails, type PatchMail } from './InboxEmails';
import {
  INBOX_FIELD_LABELS, fieldErrors, formOfInbox, inputOf, newInboxForm, reconcilePreset, settingsOf, type InboxField, type InboxFormState, type SetForm,
} from './inboxFormState';
import { InboxOptions } from './InboxOptions';

interface Props {
  /** Makes element ids unique on the page (several forms may be open). */
  idPrefix: string;
  /** The inbox being edited; absent when adding one. */
  initial?: InboxView;
  presets: readonly Preset[];
  submitLabel: string;
  busy: boolean;
  error: ErrorBody | null;
  onSubmit: (input: InboxInput) => void;
  onCancel?: () => void;
  testId?: string;
  autoFocus?: boolean;
}

export function InboxForm({ idPrefix, initial, presets, submitLabel, busy, error, onSubmit, onCancel, testId, autoFocus }: Props) {
  const [form, setFormState] = useState<InboxFormState>(() => (initial ? formOfInbox(initial, presets) : newInboxForm(presets)));
  const [folders, setFolders] = useState<string[]>([]);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const test = useAction();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (autoFocus) first.current?.focus();
  }, []);

  // A test result speaks of the values it tried: it goes when the connection changes.
  const setForm: SetForm = (next, opts = {}) => {
    setFormState(opts.connection ? reconcilePreset(next, presets) : next);
    if (opts.connection) setResult(null);
  };
  // The emails part also changes after async loads (default templates): from the latest state, never a stale copy.
  const patchMail: PatchMail = (fn) => setFormState((f) => ({ ...f, mail: fn(f.mail) }));
  const text = (key: 'name' | 'address') => (e: Event) => setForm({ ...form, [key]: inputValue(e) }, { connection: key === 'address' });

  // The last answer wins: a failed save shows its fields, a failed test its own.
  const save = fieldErrors(error);
  const tested = fieldErrors(test.error);
  const byField: Partial<Record<InboxField, string>> = { ...tested.byField, ...save.byField };
  const rest = error ? save.rest : tested.rest;

  const runTest = async () => {
    setResult(null);
    const answer = await test.run(() => testInbox({
      address: form.address.trim() || undefined,
      settings: settingsOf(form, initial),
      ...(form.password && { password: form.password }),
      ...(initial && { inboxId: initial.id }),
    }));
    if (!answer) return;
    setResult(answer);
    if (answer.folders.length) setFolders(answer.folders);
  };

  const submit = (e: Event) => {
    e.preventDefault();
    onSubmit(inputOf(form, initial));
  };

  const deps = useStore(departments);
  return (
    <form class="grid-form inbox-form" data-testid={testId} onSubmit={submit}>
      <div class="form-cols">
        <Field label="Name" hint="Shown to agents, like “Support”." error={byField.name}>
          <input ref={first} name="name" required maxLength={100} value={form.name} onInput={text('name')} aria-invalid={byField.name ? true : undefined} />
        </Field>
        <Field label="Email address" hint="The mailbox customers write to." error={byField.address}>
          <input name="address" type="email" required maxLength={320} spellcheck={false} autocomplete="off" value={form.address}
            onInput={text('address')} aria-invalid={byField.address ? true : undefined} />
        </Field>
      </div>
      <Field label="Department" hint="New conversations from this inbox go to this department." error={byField.departmentId}>
        <select name="departmentId" value={form.departmentId} onChange={(e) => setForm({ ...form, departmentId: inputValue(e) })}>
          <option value="">None</option>
          {deps.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
      </Field>

      <InboxConnection idPrefix={idPrefix} editing={!!initial} form={form} setForm={setForm} presets={presets} byField={byField}
        folders={folders} testing={test.busy} result={result} onTest={() => void runTest()} />

      <InboxOptions form={form} setForm={setForm} folders={folders} byField={byField} />

      <InboxEmails idPrefix={idPrefix} initial={initial} form={form} patchMail={patchMail} presets={presets} byField={byField} />

      <label class="check">
        <input type="checkbox" name="enabled" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: checked(e) })} />
        Enabled: read this mailbox now
      </label>
      <ErrorBox error={rest} labels={INBOX_FIELD_LABELS} testId="inbox-form-error" />
      <div class="form-actions">
        <button type="submit" class="btn primary" disabled={busy}>{submitLabel}</button>
        {onCancel ? <button type="button" class="btn subtle" onClick={onCancel}>Cancel</button> : null}
      </div>
    </form>
  );
}
