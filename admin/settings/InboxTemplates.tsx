// Branding and templates of an inbox's emails, with a preview of the form's unsaved values
// rendered by the server (the same code that sends them): the HTML in a sandboxed frame
// (no scripts, no same-origin access), the text part beside it. A new form starts from the
// server's default templates, loaded once.
import { useEffect, useState } from 'preact/hooks';
import { getMailDefaults, previewInboxEmail, type EmailPreview, type EmailTemplateKind, type MailDefaults } from '../api';
import { ErrorBox, Field, inputValue, useAction } from '../components/ui';
import type { InboxView } from '../types';
import type { InboxField, InboxFormState } from './inboxFormState';
import { brandingOf, templatesOf, type MailFormState } from './inboxMailState';
import type { PatchMail } from './InboxEmails';

interface Props {
  idPrefix: string;
  initial?: InboxView;
  form: InboxFormState;
  patchMail: PatchMail;
  byField: Partial<Record<InboxField, string>>;
}

const KINDS: { kind: EmailTemplateKind; field: 'agentTemplate' | 'visitorTemplate'; label: string; hint: string }[] = [
  { kind: 'agentNotification', field: 'agentTemplate', label: 'Agent notification', hint: 'To an offline agent: the visitor’s new messages.' },
  { kind: 'visitorReply', field: 'visitorTemplate', label: 'Reply to visitor', hint: 'To a visitor: an agent’s reply.' },
];

/** Paths of the preview's errors, for people. */
const PREVIEW_LABELS: Record<string, string> = {
  'templates.agentNotification.html': 'Agent notification template', 'templates.visitorReply.html': 'Reply to visitor template',
  'branding.logoUrl': 'Logo URL', 'branding.color': 'Colour', 'branding.signature': 'Signature',
};

let defaults: Promise<MailDefaults> | null = null;
const loadDefaults = (): Promise<MailDefaults> => {
  defaults ??= getMailDefaults().catch((err: unknown) => {
    defaults = null;
    throw err;
  });
  return defaults;
};

export function InboxTemplates({ idPrefix, initial, form, patchMail, byField }: Props) {
  const mail = form.mail;
  const set = (patch: Partial<MailFormState>) => patchMail((m) => ({ ...m, ...patch }));
  const [known, setKnown] = useState<MailDefaults | null>(null);
  const [kind, setKind] = useState<EmailTemplateKind>('visitorReply');
  const [preview, setPreview] = useState<EmailPreview | null>(null);
  const load = useAction();
  const render = useAction();

  useEffect(() => {
    void load.run(loadDefaults).then((d) => {
      if (!d) return;
      setKnown(d);
      // A new form's templates start as the defaults (never over what was typed meanwhile).
      patchMail((m) => ({
        ...m,
        agentTemplate: m.agentTemplate || d.templates.agentNotification.html,
        visitorTemplate: m.visitorTemplate || d.templates.visitorReply.html,
      }));
    });
  }, []);

  const current = KINDS.find((k) => k.kind === kind)!;
  const runPreview = async () => {
    const answer = await render.run(() => previewInboxEmail({
      kind,
      ...(initial && { inboxId: initial.id }),
      ...(form.name.trim() && { name: form.name.trim() }),
      ...(form.address.trim() && { address: form.address.trim() }),
      delimiter: form.delimiter,
      templates: templatesOf(mail),
      branding: brandingOf(mail),
    }));
    setPreview(answer ?? null);
  };

  return (
    <>
      <fieldset data-testid="inbox-branding">
        <legend>Email branding</legend>
        <Field label="Logo URL" error={byField.logoUrl}
          hint="An https:// address of the image, shown above every email (some mail clients hide inline data:image URLs). Empty: no logo.">
          <input name="logoUrl" type="url" spellcheck={false} autocomplete="off" placeholder="https://example.com/logo.png" value={mail.logoUrl}
            onInput={(e) => set({ logoUrl: inputValue(e) })} aria-invalid={byField.logoUrl ? true : undefined} />
        </Field>
        <div class="field">
          <label class="field-label" for={`${idPrefix}-color`}>Accent colour</label>
          <div class="choice-row">
            <input type="color" aria-label="Pick the accent colour" value={/^#[0-9a-f]{6}$/i.test(mail.color) ? mail.color : '#2563eb'}
              onInput={(e) => set({ color: inputValue(e) })} data-testid="inbox-color-picker" />
            <input id={`${idPrefix}-color`} name="color" maxLength={7} spellcheck={false} value={mail.color} style={{ maxWidth: '8rem' }}
              onInput={(e) => set({ color: inputValue(e) })} aria-invalid={byField.color ? true : undefined} />
          </div>
          {byField.color ? <span class="field-error">{byField.color}</span> : null}
          <span class="field-hint">The top border and the links, as #rrggbb.</span>
        </div>
        <Field label="Signature" hint="Plain text below every email; line breaks are kept." error={byField.signature}>
          <textarea name="signature" rows={3} maxLength={2000} value={mail.signature}
            onInput={(e) => set({ signature: inputValue(e) })} aria-invalid={byField.signature ? true : undefined} />
        </Field>
      </fieldset>

      <fieldset data-testid="inbox-templates">
        <legend>Email templates</legend>
        <div class="tabs" role="group" aria-label="Template">
          {KINDS.map((k) => (
            <button key={k.kind} type="button" class={k.kind === kind ? 'tab active' : 'tab'} aria-pressed={k.kind === kind}
              data-testid={`inbox-template-tab-${k.kind}`} onClick={() => { setKind(k.kind); setPreview(null); }}>
              {k.label}{byField[k.field] ? ' ⚠' : ''}
            </button>
          ))}
        </div>
        <div class="snippet">
          <Field label={`${current.label} (HTML)`} hint={current.hint} error={byField[current.field]}>
            <textarea key={current.kind} name={current.field} rows={9} maxLength={50_000} spellcheck={false} value={mail[current.field]}
              data-testid="inbox-template" onInput={(e) => set({ [current.field]: inputValue(e) })} aria-invalid={byField[current.field] ? true : undefined} />
          </Field>
        </div>
        {KINDS.filter((k) => k.kind !== kind && byField[k.field]).map((k) => (
          <p key={k.kind} class="field-error">{k.label}: {byField[k.field]}</p>
        ))}
        <p class="muted small" data-testid="inbox-template-variables">
          Variables, written <code>{'{{ visitor.name }}'}</code> (always HTML-escaped):{' '}
          {(known?.variables ?? []).map((v, i) => <span key={v}>{i ? ', ' : ''}<code>{v}</code></span>)}.
          Lists and conditions: <code>{'{{#messages}}…{{/messages}}'}</code>. Scripts, forms and frames are removed.
        </p>
        <ErrorBox error={load.error} />
        <div class="form-actions">
          <button type="button" class="btn" data-testid="inbox-preview" disabled={render.busy} onClick={() => void runPreview()}>
            {render.busy ? 'Rendering…' : 'Preview'}
          </button>
          {known ? (
            <button type="button" class="btn subtle" data-testid="inbox-template-reset"
              onClick={() => set({ [current.field]: known.templates[current.kind].html })}>Reset to default</button>
          ) : null}
        </div>
        <ErrorBox error={render.error} labels={PREVIEW_LABELS} testId="inbox-preview-error" />
        {preview ? (
          <div class="email-preview" data-testid="inbox-preview-result">
            <p class="msg-subject" data-testid="inbox-preview-subject">{preview.subject}</p>
            <iframe class="email-html" sandbox="" srcdoc={preview.html} referrerpolicy="no-referrer" title="HTML part of the email"
              data-testid="inbox-preview-html" />
            <pre class="email-text" data-testid="inbox-preview-text">{preview.text}</pre>
          </div>
        ) : null}
      </fieldset>
    </>
  );
}
