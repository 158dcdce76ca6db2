// The inbox's import options: which emails become conversations, what happens to an email
// once imported, how new mail is noticed, header filters, and whose Authentication-Results
// vouch for agents' replies.
import { Field, checked, inputValue } from '../components/ui';
import type { HeaderFilter } from '../types';
import { FolderField } from './FolderField';
import { AFTER_IMPORT, type InboxField, type InboxFormState, type SetForm } from './inboxFormState';

interface Props {
  form: InboxFormState;
  setForm: SetForm;
  folders: string[];
  byField: Partial<Record<InboxField, string>>;
}

export function InboxOptions({ form, setForm, folders, byField }: Props) {
  const flag = (key: 'convertAll' | 'reopen' | 'delimiter' | 'plusAddressing' | 'idle') => (e: Event) => setForm({ ...form, [key]: checked(e) });
  const imap = form.protocol === 'imap';
  return (
    <>
      <fieldset class="checks">
        <legend>Conversations</legend>
        <Check name="convertAll" checked={form.convertAll} onChange={flag('convertAll')} label="Convert all emails"
          hint="An email that answers no conversation starts a new one. Off: it is set aside here for an admin to import or discard." />
        <Check name="reopen" checked={form.reopen} onChange={flag('reopen')} label="Reopen the sender’s previous conversation"
          hint="A known sender’s email continues their latest conversation from this inbox (a closed one reopens)." />
        <Check name="delimiter" checked={form.delimiter} onChange={flag('delimiter')} label="Delimiter line"
          hint="Emails to customers start with “### Please type your reply above this line ###”; replies are cut there." />
        <Check name="plusAddressing" checked={form.plusAddressing} onChange={flag('plusAddressing')} label="Plus-addressing (subaddressing) supported"
          hint="The mailbox delivers mail to support+tag@…, so replies carry the conversation in the address. Mail to such addresses bounces where it is not supported." />
      </fieldset>

      <fieldset>
        <legend>After import</legend>
        {AFTER_IMPORT[form.protocol].map((o) => (
          <label key={o.value} class="check">
            <input type="radio" name="afterImport" value={o.value} checked={form.afterImport === o.value}
              onChange={() => setForm({ ...form, afterImport: o.value })} />
            {o.label}
          </label>
        ))}
        {byField.afterImport ? <p class="field-error">{byField.afterImport}</p> : null}
        {imap && form.afterImport === 'move' ? (
          <FolderField label="Move to folder" name="moveTo" value={form.moveTo} folders={folders} error={byField.moveTo}
            placeholder="Archive" onChange={(moveTo) => setForm({ ...form, moveTo })} />
        ) : null}
      </fieldset>

      <fieldset>
        <legend>Checking for mail</legend>
        {imap ? (
          <Check name="idle" checked={form.idle} onChange={flag('idle')} label="Use IDLE"
            hint="New mail arrives at once when the server offers IDLE; otherwise Parley checks at the interval below." />
        ) : null}
        <div class="form-cols">
          <Field label="Polling interval (s)" hint={imap ? 'When IDLE is off or missing.' : 'How often Parley checks the mailbox.'} error={byField.pollSeconds}>
            <input name="pollSeconds" type="number" min={5} max={3600} value={form.pollSeconds}
              onInput={(e) => setForm({ ...form, pollSeconds: inputValue(e) })} aria-invalid={byField.pollSeconds ? true : undefined} />
          </Field>
          <Field label="Max reconnection attempts" hint="Failures in a row before the inbox stops in Error." error={byField.maxAttempts}>
            <input name="maxAttempts" type="number" min={1} max={1000} value={form.maxAttempts}
              onInput={(e) => setForm({ ...form, maxAttempts: inputValue(e) })} aria-invalid={byField.maxAttempts ? true : undefined} />
          </Field>
        </div>
      </fieldset>

      <HeaderFilters filters={form.headerFilters} onChange={(headerFilters) => setForm({ ...form, headerFilters })} byField={byField} />

      <Field label="Trusted Authentication-Results id" error={byField.trustedAuthServId}
        hint="The id the mail provider writes into Authentication-Results (like mx.google.com). Only that header vouches for agents answering by email; empty: agents need the signed tag or a DKIM signature.">
        <input name="trustedAuthServId" maxLength={255} spellcheck={false} value={form.trustedAuthServId}
          onInput={(e) => setForm({ ...form, trustedAuthServId: inputValue(e) })} aria-invalid={byField.trustedAuthServId ? true : undefined} />
      </Field>
    </>
  );
}

export function Check({ name, checked: on, onChange, label, hint }: { name: string; checked: boolean; onChange: (e: Event) => void; label: string; hint: string }) {
  return (
    <div class="check-field">
      <label class="check">
        <input type="checkbox" name={name} checked={on} onChange={onChange} />
        {label}
      </label>
      <span class="field-hint">{hint}</span>
    </div>
  );
}

const MAX_FILTERS = 50;

function HeaderFilters({ filters, onChange, byField }: { filters: HeaderFilter[]; onChange: (f: HeaderFilter[]) => void; byField: Props['byField'] }) {
  const set = (i: number, patch: Partial<HeaderFilter>) => onChange(filters.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <fieldset data-testid="inbox-header-filters">
      <legend>Header filters</legend>
      <p class="muted small">
        Mail with a matching header is not imported. The pattern is a case-insensitive substring, or a regular expression written
        as /…/; an empty pattern matches any value.
      </p>
      {filters.length ? (
        <ul class="filter-rows">
          {filters.map((f, i) => {
            const error = byField[`headerFilter${i}`];
            return (
              <li key={i} data-testid="inbox-header-filter">
                <div class="filter-row-fields">
                  <input name={`headerFilters.${i}.header`} aria-label={`Header ${i + 1}`} placeholder="Header, like X-Spam-Flag" maxLength={100}
                    spellcheck={false} value={f.header} onInput={(e) => set(i, { header: inputValue(e) })} aria-invalid={error ? true : undefined} />
                  <input name={`headerFilters.${i}.pattern`} aria-label={`Pattern ${i + 1}`} placeholder="Pattern, like YES" maxLength={500}
                    spellcheck={false} value={f.pattern} onInput={(e) => set(i, { pattern: inputValue(e) })} aria-invalid={error ? true : undefined} />
                  <button type="button" class="btn subtle" aria-label={`Remove filter ${i + 1}`} onClick={() => onChange(filters.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                </div>
                {error ? <span class="field-error">{error}</span> : null}
              </li>
            );
          })}
        </ul>
      ) : <p class="muted small">No filters: every email is imported.</p>}
      <button type="button" class="btn" data-testid="inbox-add-filter" disabled={filters.length >= MAX_FILTERS}
        onClick={() => onChange([...filters, { header: '', pattern: '' }])}>Add filter</button>
    </fieldset>
  );
}
