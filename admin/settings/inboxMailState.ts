// The "Emails" part of the inbox form, pure: outgoing SMTP, who is notified, branding and
// the two templates, from an inbox and back to the API. The SMTP server follows the
// connection's mode: Standard uses the preset's (the server fills it in), Advanced sends
// every field.
import type { InboxSettingsInput } from '../api';
import type { InboxView, MailSecurity, Preset } from '../types';

export interface MailFormState {
  /** Off: no SMTP, no email goes out from this inbox. */
  smtpEnabled: boolean;
  smtpHost: string;
  smtpPort: string;
  smtpSecurity: MailSecurity;
  smtpAllowInvalidCert: boolean;
  /** '' means "the mailbox login". */
  smtpUsername: string;
  /** '' means "unchanged" (or the mailbox password when none is stored). */
  smtpPassword: string;
  /** Forget the stored SMTP password: log in to SMTP with the mailbox password. */
  smtpPasswordClear: boolean;
  notifyAgents: boolean;
  notifyVisitors: boolean;
  debounceSeconds: string;
  logoUrl: string;
  color: string;
  signature: string;
  agentTemplate: string;
  visitorTemplate: string;
}

export const SMTP_PORTS: Record<MailSecurity, number> = { tls: 465, starttls: 587, none: 25 };

/**
 * A new inbox's: notification defaults as the server's; the templates stay empty until the
 * form has loaded the defaults (GET /api/inbox-mail-defaults), the server's in any case.
 */
export function newMailForm(preset?: Preset): MailFormState {
  const smtp = preset?.smtp;
  return {
    smtpEnabled: true,
    smtpHost: smtp?.host ?? '', smtpPort: String(smtp?.port ?? 587), smtpSecurity: smtp?.security ?? 'starttls',
    smtpAllowInvalidCert: false, smtpUsername: '', smtpPassword: '', smtpPasswordClear: false,
    notifyAgents: true, notifyVisitors: true, debounceSeconds: '60',
    logoUrl: '', color: '#2563eb', signature: '',
    agentTemplate: '', visitorTemplate: '',
  };
}

export function mailFormOf(inbox: InboxView, presets: readonly Preset[]): MailFormState {
  const s = inbox.settings;
  const out = s.outgoing;
  const login = s.incoming.username;
  const preset = presets.find((p) => p.id === s.preset);
  return {
    ...newMailForm(preset),
    smtpEnabled: out !== null,
    ...(out && {
      smtpHost: out.host, smtpPort: String(out.port), smtpSecurity: out.security, smtpAllowInvalidCert: out.allowInvalidCert,
      smtpUsername: out.username === login ? '' : out.username,
    }),
    ...(s.outbound && { notifyAgents: s.outbound.notifyAgents, notifyVisitors: s.outbound.notifyVisitors, debounceSeconds: String(s.outbound.debounceSeconds) }),
    ...(s.branding && { logoUrl: s.branding.logoUrl ?? '', color: s.branding.color, signature: s.branding.signature }),
    ...(s.templates && { agentTemplate: s.templates.agentNotification.html, visitorTemplate: s.templates.visitorReply.html }),
  };
}

/** Into Advanced: the SMTP fields show the preset's server when none was entered. */
export function mailToAdvanced(mail: MailFormState, preset: Preset | undefined): MailFormState {
  if (mail.smtpHost.trim() || !preset?.smtp) return mail;
  return { ...mail, smtpHost: preset.smtp.host, smtpPort: String(preset.smtp.port), smtpSecurity: preset.smtp.security };
}

/** The port follows the security choice when it was that choice's default. */
export function withSmtpSecurity(mail: MailFormState, security: MailSecurity): MailFormState {
  const wasDefault = mail.smtpPort === '' || Number(mail.smtpPort) === SMTP_PORTS[mail.smtpSecurity];
  return { ...mail, smtpSecurity: security, smtpPort: wasDefault ? String(SMTP_PORTS[security]) : mail.smtpPort };
}

const whole = (value: string): number | undefined => (value.trim() === '' ? undefined : Number(value));

/** The templates, unless still unknown (a new form before the defaults came): the server then keeps its defaults. */
export function templatesOf(mail: MailFormState): InboxSettingsInput['templates'] | undefined {
  if (!mail.agentTemplate && !mail.visitorTemplate) return undefined;
  return { agentNotification: { html: mail.agentTemplate }, visitorReply: { html: mail.visitorTemplate } };
}

/** The SMTP password to send: a new one, null to forget the stored one, or nothing to keep it. */
export function smtpPasswordOf(mail: MailFormState): { smtpPassword?: string | null } {
  if (mail.smtpPasswordClear) return { smtpPassword: null };
  return mail.smtpPassword ? { smtpPassword: mail.smtpPassword } : {};
}

export function brandingOf(mail: MailFormState): NonNullable<InboxSettingsInput['branding']> {
  return { logoUrl: mail.logoUrl.trim() || null, color: mail.color.trim(), signature: mail.signature };
}

/** The outgoing, outbound, templates and branding settings to send. `login`: the mailbox login, the SMTP login by default. */
export function mailSettingsOf(mail: MailFormState, mode: 'standard' | 'advanced', login: string): InboxSettingsInput {
  const outbound = { notifyAgents: mail.notifyAgents, notifyVisitors: mail.notifyVisitors, debounceSeconds: whole(mail.debounceSeconds) };
  const templates = templatesOf(mail);
  const common: InboxSettingsInput = { outbound: outbound as NonNullable<InboxSettingsInput['outbound']>, branding: brandingOf(mail), ...(templates && { templates }) };
  // Standard: the server keeps the stored SMTP server, else takes the preset's.
  if (mail.smtpEnabled && mode === 'standard') return common;
  // Advanced without a server: an inbox that only reads mail.
  if (!mail.smtpEnabled || !mail.smtpHost.trim()) return { ...common, outgoing: null };
  return {
    ...common,
    outgoing: {
      host: mail.smtpHost.trim(),
      port: whole(mail.smtpPort),
      security: mail.smtpSecurity,
      allowInvalidCert: mail.smtpAllowInvalidCert,
      username: mail.smtpUsername.trim() || login,
    },
  };
}
