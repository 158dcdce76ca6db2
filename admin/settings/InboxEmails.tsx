// The "Emails" part of the inbox form: the SMTP server email goes out through (the preset's
// in Standard, every field in Advanced), "Send test email" with the form's current values,
// who is notified by email, then branding and templates (InboxTemplates).
import { useState } from 'preact/hooks';
import { testSmtp } from '../api';
import { SecretField } from '../components/SecretField';
import { ErrorBox, Field, checked, inputValue, useAction } from '../components/ui';
import { useStore } from '../lib/store';
import { me } from '../state/session';
import type { InboxView, MailSecurity, Preset } from '../types';
import { INBOX_FIELD_LABELS, settingsOf, type InboxField, type InboxFormState } from './inboxFormState';
import { withSmtpSecurity, type MailFormState } from './inboxMailState';
import { PlaintextWarning, SecurityField } from './InboxConnection';
import { Check } from './InboxOptions';
import { InboxTemplates } from './InboxTemplates';

export type PatchMail = (fn: (mail: MailFormState) => MailFormState) => void;

interface Props {
  idPrefix: string;
  initial?: InboxView;
  form: InboxFormState;
  patchMail: PatchMail;
  presets: readonly Preset[];
  byField: Partial<Record<InboxField, string>>;
}

const SECURITY_LABEL: Record<MailSecurity, string> = { tls: 'TLS', starttls: 'STARTTLS', none: 'none (unencrypted)' };

/** The SMTP server a Standard form sends through: the stored one while the preset is unchanged, else the preset's. */
function standardServer(form: InboxFormState, initial: InboxView | undefined, presets: readonly Preset[]) {
  const stored = initial && initial.settings.preset === form.preset ? initial.settings.outgoing : null;
  return stored ?? presets.find((p) => p.id === form.preset)?.smtp ?? null;
}

export function InboxEmails({ idPrefix, initial, form, patchMail, presets, byField }: Props) {
  const mail = form.mail;
  const set = (patch: Partial<MailFormState>) => patchMail((m) => ({ ...m, ...patch }));
  const flag = (key: 'smtpEnabled' | 'notifyAgents' | 'notifyVisitors') => (e: Event) => set({ [key]: checked(e) });
  return (
    <section class="inbox-emails" data-testid="inbox-emails" aria-labelledby={`${idPrefix}-emails`}>
      <h3 id={`${idPrefix}-emails`}>Emails</h3>
      <fieldset data-testid="inbox-smtp">
        <legend>Outgoing mail (SMTP)</legend>
        <div class="check-field">
          <label class="check">
            <input type="checkbox" name="smtpEnabled" checked={mail.smtpEnabled} onChange={flag('smtpEnabled')} />
            Send email from this inbox
          </label>
          <span class="field-hint">Replies to visitors and notifications to agents go out from {form.address.trim() || 'the inbox address'}.</span>
        </div>
        {mail.smtpEnabled ? (
          <>
            {form.mode === 'standard' ? <StandardSmtp chosen={form.preset !== 'other'} server={standardServer(form, initial, presets)} /> : <AdvancedSmtp mail={mail} set={set} byField={byField} login={form.username.trim() || form.address.trim()} />}
            <SecretField id={`${idPrefix}-smtp-password`} name="smtpPassword" noun="SMTP password" label="SMTP password" maxLength={1000}
              value={mail.smtpPassword} error={byField.smtpPassword} onInput={(smtpPassword) => set({ smtpPassword, smtpPasswordClear: false })}
              placeholder={initial?.hasSmtpPassword && !mail.smtpPasswordClear ? 'unchanged' : undefined}
              hint={initial?.hasSmtpPassword && !mail.smtpPasswordClear
                ? 'Leave empty to keep the stored SMTP password.'
                : 'Leave empty to use the mailbox password.'} />
            {initial?.hasSmtpPassword ? (
              <label class="check">
                <input type="checkbox" name="smtpPasswordClear" checked={mail.smtpPasswordClear}
                  onChange={(e) => set({ smtpPasswordClear: checked(e), ...(checked(e) && { smtpPassword: '' }) })} />
                Use the mailbox password for SMTP (forget the stored SMTP password)
              </label>
            ) : null}
            <SendTestEmail initial={initial} form={form} />
          </>
        ) : null}
      </fieldset>

      <fieldset class="checks" data-testid="inbox-notifications">
        <legend>Email notifications</legend>
        <Check name="notifyAgents" checked={mail.notifyAgents} onChange={flag('notifyAgents')} label="Email offline agents"
          hint="An agent who is not online gets the visitor’s new messages by email (the department’s agents, or the assignee) and can answer by replying." />
        <Check name="notifyVisitors" checked={mail.notifyVisitors} onChange={flag('notifyVisitors')} label="Email visitors the replies they missed"
          hint="A visitor who left an email address and is no longer on the site gets the agents’ replies by email." />
        <Field label="Wait before notifying (s)" hint="Messages within this window become one email; 0 sends each at once." error={byField.debounceSeconds}>
          <input name="debounceSeconds" type="number" min={0} max={3600} value={mail.debounceSeconds}
            onInput={(e) => set({ debounceSeconds: inputValue(e) })} aria-invalid={byField.debounceSeconds ? true : undefined} />
        </Field>
      </fieldset>

      <InboxTemplates idPrefix={idPrefix} initial={initial} form={form} patchMail={patchMail} byField={byField} />
    </section>
  );
}

function StandardSmtp({ chosen, server }: { chosen: boolean; server: { host: string; port: number; security: MailSecurity } | null }) {
  if (!chosen) return <p class="muted small">The chosen service’s SMTP server is used.</p>;
  if (!server) return <p class="warning" data-testid="inbox-smtp-missing">This service has no known SMTP server: choose Advanced to enter it.</p>;
  return <p class="muted small" data-testid="inbox-smtp-server">SMTP server: {server.host}:{server.port} ({SECURITY_LABEL[server.security]})</p>;
}

function AdvancedSmtp({ mail, set, byField, login }: { mail: MailFormState; set: (p: Partial<MailFormState>) => void; byField: Props['byField']; login: string }) {
  return (
    <>
      <div class="form-cols">
        <Field label="SMTP server" hint="Host name only, like smtp.example.com. Empty: no email goes out." error={byField.smtpHost}>
          <input name="smtpHost" maxLength={255} spellcheck={false} autocomplete="off" value={mail.smtpHost}
            onInput={(e) => set({ smtpHost: inputValue(e) })} aria-invalid={byField.smtpHost ? true : undefined} />
        </Field>
        <Field label="SMTP port" error={byField.smtpPort}>
          <input name="smtpPort" type="number" min={1} max={65535} value={mail.smtpPort}
            onInput={(e) => set({ smtpPort: inputValue(e) })} aria-invalid={byField.smtpPort ? true : undefined} />
        </Field>
        <SecurityField label="SMTP security" name="smtpSecurity" value={mail.smtpSecurity} error={byField.smtpSecurity}
          onChange={(security) => set(withSmtpSecurity(mail, security))} />
      </div>
      {mail.smtpSecurity === 'none' ? <PlaintextWarning testId="inbox-smtp-plaintext-warning" /> : null}
      <Field label="SMTP username" hint="Leave empty to log in as the mailbox does." error={byField.smtpUsername}>
        <input name="smtpUsername" maxLength={320} spellcheck={false} autocomplete="off" value={mail.smtpUsername} placeholder={login || 'the mailbox login'}
          onInput={(e) => set({ smtpUsername: inputValue(e) })} aria-invalid={byField.smtpUsername ? true : undefined} />
      </Field>
      <label class="check">
        <input type="checkbox" name="smtpAllowInvalidCert" checked={mail.smtpAllowInvalidCert} disabled={mail.smtpSecurity === 'none'}
          onChange={(e) => set({ smtpAllowInvalidCert: checked(e) })} />
        Accept invalid certificates
      </label>
      {mail.smtpAllowInvalidCert && mail.smtpSecurity !== 'none' ? (
        <p class="warning" data-testid="inbox-smtp-cert-warning">
          Any certificate is accepted, so someone between Parley and the SMTP server could read the password and the emails. Use it only
          for a server with a self-signed certificate on a network you trust.
        </p>
      ) : null}
    </>
  );
}

/** Sends one email with the form's current (unsaved) values; the answer in the server's words, green or red. */
function SendTestEmail({ initial, form }: { initial?: InboxView; form: InboxFormState }) {
  const agent = useStore(me);
  const [to, setTo] = useState<string | null>(null);
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  const send = useAction();
  const recipient = to ?? agent?.email ?? '';
  const run = async (plus: boolean) => {
    setResult(null);
    const answer = await send.run(() => testSmtp({
      ...(plus ? { verifyPlusAddressing: true } : { to: recipient.trim() }),
      ...(initial && { inboxId: initial.id }),
      ...(form.address.trim() && { address: form.address.trim() }),
      settings: settingsOf(form, initial),
      ...(form.password && { password: form.password }),
      ...(form.mail.smtpPassword && { smtpPassword: form.mail.smtpPassword }),
    }));
    if (answer) setResult(answer);
  };
  return (
    <div class="send-test-email">
      <Field label="Send a test email to">
        <input name="testTo" type="email" maxLength={320} spellcheck={false} value={recipient} data-testid="inbox-smtp-test-to"
          onInput={(e) => { setTo(inputValue(e)); setResult(null); }} />
      </Field>
      <div class="test-connection">
        <button type="button" class="btn" data-testid="inbox-smtp-test" disabled={send.busy || !recipient.trim()} onClick={() => void run(false)}>
          {send.busy ? 'Sending…' : 'Send test email'}
        </button>
        {form.protocol === 'imap' ? (
          <button type="button" class="btn" data-testid="inbox-plus-test" disabled={send.busy} onClick={() => void run(true)}
            title="Sends an email to the inbox's own plus-address (support+test@…) and checks that it arrives">
            Check plus-addressing
          </button>
        ) : null}
        {result ? (
          <p class={result.ok ? 'notice' : 'error'} role="status" data-testid="inbox-smtp-test-result" data-ok={String(result.ok)}>{result.message}</p>
        ) : null}
      </div>
      <ErrorBox error={send.error} labels={{ ...INBOX_FIELD_LABELS, to: 'Recipient' }} testId="inbox-smtp-test-error" />
    </div>
  );
}
