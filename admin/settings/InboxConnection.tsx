// The connection part of the inbox form. Standard: a service preset, the protocol, login
// and password (hosts, ports and security come from the preset). Advanced: every server
// setting, with a visible warning for what weakens security. Both: Test connection with
// the form's current values, its answer shown as the server words it.
import type { ConnectionTestResult } from '../api';
import { SecretField } from '../components/SecretField';
import { Field, checked, inputValue } from '../components/ui';
import type { MailSecurity, Preset } from '../types';
import { FolderField } from './FolderField';
import {
  serverOf, standardPresets, toAdvanced, withPreset, withProtocol, withSecurity, type InboxField, type InboxFormState, type SetForm,
} from './inboxFormState';

interface Props {
  idPrefix: string;
  editing: boolean;
  form: InboxFormState;
  setForm: SetForm;
  presets: readonly Preset[];
  byField: Partial<Record<InboxField, string>>;
  /** The folders the last test listed, for the folder picker. */
  folders: string[];
  testing: boolean;
  result: ConnectionTestResult | null;
  onTest: () => void;
}

export function InboxConnection({ idPrefix, editing, form, setForm, presets, byField, folders, testing, result, onTest }: Props) {
  const hasStandard = standardPresets(presets).length > 0;
  return (
    <fieldset class="inbox-connection">
      <legend>Connection</legend>
      <div class="tabs mode-switch" role="group" aria-label="Connection settings">
        <button type="button" class={form.mode === 'standard' ? 'tab active' : 'tab'} aria-pressed={form.mode === 'standard'}
          data-testid="inbox-mode-standard" disabled={!hasStandard}
          onClick={() => setForm({ ...form, mode: 'standard' }, { connection: true })}>Standard</button>
        <button type="button" class={form.mode === 'advanced' ? 'tab active' : 'tab'} aria-pressed={form.mode === 'advanced'}
          data-testid="inbox-mode-advanced"
          onClick={() => setForm(toAdvanced(form, presets.find((p) => p.id === form.preset)), { connection: true })}>Advanced</button>
      </div>
      {form.mode === 'standard'
        ? <StandardConnection form={form} setForm={setForm} presets={presets} byField={byField} />
        : <AdvancedConnection form={form} setForm={setForm} byField={byField} />}
      <Field label={form.mode === 'standard' ? 'Login' : 'Username'} hint="Leave empty to log in with the email address." error={byField.username}>
        <input name="username" maxLength={320} spellcheck={false} autocomplete="off" value={form.username}
          placeholder={form.address.trim() || 'the email address'}
          onInput={(e) => setForm({ ...form, username: inputValue(e) }, { connection: true })} aria-invalid={byField.username ? true : undefined} />
      </Field>
      <SecretField id={`${idPrefix}-password`} name="password" noun="password" label="Password" required={!editing} maxLength={1000}
        placeholder={editing ? 'unchanged' : undefined} value={form.password} error={byField.password}
        onInput={(password) => setForm({ ...form, password }, { connection: true })}
        hint={[
          editing ? 'Leave empty to keep the stored password.' : 'Stored encrypted; never shown again.',
          form.mode === 'standard' ? presets.find((p) => p.id === form.preset)?.passwordHint : null,
        ].filter(Boolean).join(' ')} />
      {form.mode === 'advanced' ? <AdvancedTail form={form} setForm={setForm} folders={folders} byField={byField} /> : null}
      <div class="test-connection">
        <button type="button" class="btn" data-testid="inbox-test" disabled={testing} onClick={onTest}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        {result ? (
          <p class={result.ok ? 'notice' : 'error'} role="status" data-testid="inbox-test-result" data-ok={String(result.ok)}>{result.message}</p>
        ) : null}
      </div>
      {result?.folders.length ? (
        <p class="muted small" data-testid="inbox-test-folders">Folders: {result.folders.join(', ')}</p>
      ) : null}
    </fieldset>
  );
}

interface PartProps {
  form: InboxFormState;
  setForm: SetForm;
  byField: Partial<Record<InboxField, string>>;
}

function ProtocolChoice({ form, setForm, pop3Disabled, imapDisabled }: Omit<PartProps, 'byField'> & { pop3Disabled?: boolean; imapDisabled?: boolean }) {
  return (
    <div class="field" role="radiogroup" aria-label="Protocol">
      <span class="field-label">Protocol</span>
      <div class="choice-row">
        <label class="check">
          <input type="radio" name="protocol" value="imap" checked={form.protocol === 'imap'} disabled={imapDisabled}
            onChange={() => setForm(withProtocol(form, 'imap'), { connection: true })} />
          IMAP
        </label>
        <label class="check">
          <input type="radio" name="protocol" value="pop3" checked={form.protocol === 'pop3'} disabled={pop3Disabled}
            onChange={() => setForm(withProtocol(form, 'pop3'), { connection: true })} />
          POP3
        </label>
      </div>
    </div>
  );
}

function StandardConnection({ form, setForm, presets, byField }: PartProps & { presets: readonly Preset[] }) {
  const preset = presets.find((p) => p.id === form.preset && p.id !== 'other');
  const server = serverOf(preset, form.protocol);
  return (
    <>
      {/* No service chosen yet, the server asks for a host: that is this field's problem here. */}
      <Field label="Service" hint="Not listed? Choose Advanced and enter the server yourself." error={byField.preset ?? byField.host}>
        <select name="preset" value={form.preset} aria-invalid={byField.preset ?? byField.host ? true : undefined} onChange={(e) => {
          const next = presets.find((p) => p.id === inputValue(e));
          if (next) setForm(withPreset(form, next), { connection: true });
        }}>
          {form.preset === 'other' ? <option value="other">Choose a service</option> : null}
          {standardPresets(presets).map((p) => <option key={p.id} value={p.id}>{p.label}</option>)}
        </select>
      </Field>
      <ProtocolChoice form={form} setForm={setForm} pop3Disabled={preset ? !preset.pop3 : false} imapDisabled={preset ? !preset.imap : false} />
      {preset && !preset.pop3 ? <p class="muted small">{preset.label} has no POP3.</p> : null}
      {server ? <p class="muted small" data-testid="inbox-preset-server">Server: {server.host}:{server.port} ({SECURITY_LABEL[server.security]})</p> : null}
    </>
  );
}

const SECURITY_LABEL: Record<MailSecurity, string> = { tls: 'TLS', starttls: 'STARTTLS', none: 'none (unencrypted)' };

function AdvancedConnection({ form, setForm, byField }: PartProps) {
  return (
    <>
      <ProtocolChoice form={form} setForm={setForm} />
      <div class="form-cols">
        <Field label="Server" hint="Host name only, like imap.example.com." error={byField.host}>
          <input name="host" maxLength={255} spellcheck={false} autocomplete="off" value={form.host}
            onInput={(e) => setForm({ ...form, host: inputValue(e) }, { connection: true })} aria-invalid={byField.host ? true : undefined} />
        </Field>
        <Field label="Port" error={byField.port}>
          <input name="port" type="number" min={1} max={65535} value={form.port}
            onInput={(e) => setForm({ ...form, port: inputValue(e) }, { connection: true })} aria-invalid={byField.port ? true : undefined} />
        </Field>
        <SecurityField label="Security" name="security" value={form.security} error={byField.security}
          onChange={(security) => setForm(withSecurity(form, security), { connection: true })} />
      </div>
      {form.security === 'none' ? <PlaintextWarning testId="inbox-plaintext-warning" /> : null}
      <label class="check">
        <input type="checkbox" name="allowInvalidCert" checked={form.allowInvalidCert} disabled={form.security === 'none'}
          onChange={(e) => setForm({ ...form, allowInvalidCert: checked(e) }, { connection: true })} />
        Accept invalid certificates
      </label>
      {form.allowInvalidCert && form.security !== 'none' ? (
        <p class="warning" data-testid="inbox-cert-warning">
          Any certificate is accepted, so someone between Parley and the server could read the password and the mail. Use it only for a
          server with a self-signed certificate on a network you trust.
        </p>
      ) : null}
    </>
  );
}

function AdvancedTail({ form, setForm, folders, byField }: PartProps & { folders: string[] }) {
  return (
    <>
      {form.protocol === 'imap' ? (
        <FolderField label="Folder" name="folder" value={form.folder} folders={folders} error={byField.folder}
          hint={folders.length ? 'The folder Parley reads.' : 'The folder Parley reads. Test the connection to choose from the list.'}
          onChange={(folder) => setForm({ ...form, folder }, { connection: true })} />
      ) : null}
      <div class="form-cols">
        <Field label="Connection timeout (s)" error={byField.connectionTimeoutS}>
          <input name="connectionTimeout" type="number" min={1} max={120} value={form.connectionTimeoutS}
            onInput={(e) => setForm({ ...form, connectionTimeoutS: inputValue(e) }, { connection: true })}
            aria-invalid={byField.connectionTimeoutS ? true : undefined} />
        </Field>
        <Field label="Authentication timeout (s)" error={byField.authTimeoutS}>
          <input name="authTimeout" type="number" min={1} max={120} value={form.authTimeoutS}
            onInput={(e) => setForm({ ...form, authTimeoutS: inputValue(e) }, { connection: true })}
            aria-invalid={byField.authTimeoutS ? true : undefined} />
        </Field>
      </div>
    </>
  );
}

/** TLS, STARTTLS or none, for the mailbox and the SMTP server alike. */
export function SecurityField({ label, name, value, error, onChange }: { label: string; name: string; value: MailSecurity; error?: string; onChange: (v: MailSecurity) => void }) {
  return (
    <Field label={label} error={error}>
      <select name={name} value={value} onChange={(e) => onChange(inputValue(e) as MailSecurity)}>
        <option value="tls">TLS</option>
        <option value="starttls">STARTTLS</option>
        <option value="none">None (unencrypted)</option>
      </select>
    </Field>
  );
}

export function PlaintextWarning({ testId }: { testId: string }) {
  return <p class="warning" data-testid={testId}>Without encryption the password and the mail cross the network readable by anyone on the way. Use it only on a trusted network.</p>;
}
