// The inbox form's state and its translation to the API, pure (no components): what Standard and
// Advanced send, seconds in the form and milliseconds on the wire, options that only
// make sense for one protocol, and which field an error of the server belongs to.
import type { InboxInput, InboxSettingsInput } from '../api';
import { splitFieldErrors } from '../components/ui';
import type { ErrorBody, HeaderFilter, InboxView, MailPreset, MailProtocol, MailSecurity, Preset } from '../types';
import { mailFormOf, mailSettingsOf, mailToAdvanced, newMailForm, smtpPasswordOf, type MailFormState } from './inboxMailState';

export type ConnectionMode = 'standard' | 'advanced';
export type AfterImport = InboxView['settings']['afterImport'];

export interface InboxFormState {
  name: string;
  address: string;
  /** '' for none. */
  departmentId: string;
  enabled: boolean;
  mode: ConnectionMode;
  preset: MailPreset;
  protocol: MailProtocol;
  host: string;
  port: string;
  security: MailSecurity;
  allowInvalidCert: boolean;
  /** '' means "the email address". */
  username: string;
  password: string;
  folder: string;
  connectionTimeoutS: string;
  authTimeoutS: string;
  convertAll: boolean;
  reopen: boolean;
  delimiter: boolean;
  plusAddressing: boolean;
  afterImport: AfterImport;
  moveTo: string;
  idle: boolean;
  pollSeconds: string;
  maxAttempts: string;
  headerFilters: HeaderFilter[];
  trustedAuthServId: string;
  /** The "Emails" part: SMTP, notifications, branding, templates (inboxMailState.ts). */
  mail: MailFormState;
}

/** `connection`: the change touches the connection, so an earlier test result no longer applies. */
export type SetForm = (next: InboxFormState, opts?: { connection?: boolean }) => void;

export const DEFAULT_PORTS: Record<MailProtocol, Record<MailSecurity, number>> = {
  imap: { tls: 993, starttls: 143, none: 143 },
  pop3: { tls: 995, starttls: 110, none: 110 },
};

/** The presets the Standard form offers ("Other" is the Advanced form). */
export const standardPresets = (presets: readonly Preset[]): Preset[] => presets.filter((p) => p.id !== 'other');

export const serverOf = (preset: Preset | undefined, protocol: MailProtocol) => (preset ? (protocol === 'pop3' ? preset.pop3 : preset.imap) : null);

/** A new inbox: Standard when there are presets, the service still to be chosen (no guess at the provider). */
export function newInboxForm(presets: readonly Preset[]): InboxFormState {
  return {
    name: '', address: '', departmentId: '', enabled: true,
    mode: standardPresets(presets).length ? 'standard' : 'advanced',
    preset: 'other',
    protocol: 'imap', host: '', port: '993', security: 'tls', allowInvalidCert: false, username: '', password: '',
    folder: 'INBOX', connectionTimeoutS: '10', authTimeoutS: '5',
    convertAll: false, reopen: true, delimiter: true, plusAddressing: false,
    afterImport: 'leave', moveTo: '', idle: true, pollSeconds: '60', maxAttempts: '10',
    headerFilters: [{ header: 'X-Spam-Flag', pattern: 'YES' }],
    trustedAuthServId: '',
    mail: newMailForm(),
  };
}

export function formOfInbox(inbox: InboxView, presets: readonly Preset[] = []): InboxFormState {
  const s = inbox.settings;
  return {
    name: inbox.name, address: inbox.address, departmentId: inbox.departmentId ?? '', enabled: inbox.enabled,
    mode: s.preset === 'other' ? 'advanced' : 'standard',
    preset: s.preset, protocol: s.protocol,
    host: s.incoming.host, port: String(s.incoming.port), security: s.incoming.security, allowInvalidCert: s.incoming.allowInvalidCert,
    username: s.incoming.username === inbox.address ? '' : s.incoming.username,
    password: '',
    folder: s.incoming.folder,
    connectionTimeoutS: String(Math.round(s.incoming.connectionTimeoutMs / 1000)),
    authTimeoutS: String(Math.round(s.incoming.authTimeoutMs / 1000)),
    convertAll: s.convertAll, reopen: s.reopen, delimiter: s.delimiter, plusAddressing: s.plusAddressing,
    afterImport: s.afterImport, moveTo: s.moveTo ?? '', idle: s.idle,
    pollSeconds: String(s.pollSeconds), maxAttempts: String(s.maxAttempts),
    headerFilters: s.headerFilters.map((f) => ({ ...f })),
    trustedAuthServId: s.trustedAuthServId ?? '',
    mail: mailFormOf(inbox, presets),
  };
}

/** After-import choices per protocol: IMAP has flags and folders, POP3 only keeps or deletes. */
export const AFTER_IMPORT: Record<MailProtocol, { value: AfterImport; label: string }[]> = {
  imap: [
    { value: 'leave', label: 'Leave it untouched' },
    { value: 'read', label: 'Mark it read' },
    { value: 'move', label: 'Move it to a folder' },
  ],
  pop3: [
    { value: 'leave', label: 'Leave it on the server' },
    { value: 'delete', label: 'Delete it from the server' },
  ],
};

/** Switching protocol: a choice the other protocol lacks goes back to "leave"; the port follows when it was the default. */
export function withProtocol(form: InboxFormState, protocol: MailProtocol): InboxFormState {
  const afterImport = AFTER_IMPORT[protocol].some((o) => o.value === form.afterImport) ? form.afterImport : 'leave';
  const wasDefault = form.port === '' || Number(form.port) === DEFAULT_PORTS[form.protocol][form.security];
  return { ...form, protocol, afterImport, port: wasDefault ? String(DEFAULT_PORTS[protocol][form.security]) : form.port };
}

export function withSecurity(form: InboxFormState, security: MailSecurity): InboxFormState {
  const wasDefault = form.port === '' || Number(form.port) === DEFAULT_PORTS[form.protocol][form.security];
  return { ...form, security, port: wasDefault ? String(DEFAULT_PORTS[form.protocol][security]) : form.port };
}

/** A preset chosen: its protocol when it lacks the current one, its subaddressing and Authentication-Results id. */
export function withPreset(form: InboxFormState, preset: Preset): InboxFormState {
  const protocol = serverOf(preset, form.protocol) ? form.protocol : preset.imap ? 'imap' : 'pop3';
  return { ...withProtocol(form, protocol), preset: preset.id, plusAddressing: preset.plusAddressing, trustedAuthServId: preset.authServId ?? '' };
}

/** Into Advanced: the connection fields show the chosen preset's server, to adjust from there. */
export function toAdvanced(form: InboxFormState, preset: Preset | undefined): InboxFormState {
  const server = serverOf(preset, form.protocol);
  const mail = mailToAdvanced(form.mail, preset);
  if (!server) return { ...form, mode: 'advanced', mail };
  return { ...form, mode: 'advanced', host: server.host, port: String(server.port), security: server.security, mail };
}

const seconds = (value: string): number | undefined => (value.trim() === '' ? undefined : Math.round(Number(value) * 1000));
const whole = (value: string): number | undefined => (value.trim() === '' ? undefined : Number(value));

/**
 * An Advanced form edited away from its preset's server no longer stands for that preset:
 * it becomes "other", and what the preset filled in (its SMTP server too) goes with it unless
 * the admin changed it. Above all the preset's trusted Authentication-Results id: kept for another server, a
 * forged "mx.google.com" header would vouch for a fake agent reply.
 */
export function reconcilePreset(form: InboxFormState, presets: readonly Preset[]): InboxFormState {
  if (form.mode !== 'advanced' || form.preset === 'other') return form;
  const preset = presets.find((p) => p.id === form.preset);
  const server = serverOf(preset, form.protocol);
  const same = server && server.host === form.host.trim() && server.port === Number(form.port) && server.security === form.security;
  if (same) return form;
  const smtp = preset?.smtp;
  const presetSmtp = smtp && form.mail.smtpHost.trim() === smtp.host && Number(form.mail.smtpPort) === smtp.port && form.mail.smtpSecurity === smtp.security;
  return {
    ...form,
    preset: 'other',
    mail: presetSmtp ? { ...form.mail, smtpHost: '' } : form.mail,
    trustedAuthServId: preset && form.trustedAuthServId === (preset.authServId ?? '') ? '' : form.trustedAuthServId,
    plusAddressing: preset && form.plusAddressing === preset.plusAddressing ? false : form.plusAddressing,
  };
}

/**
 * The settings to send. Standard: the preset and protocol (the server fills hosts, ports and
 * security from the preset), plus the login when it is not the address. Advanced: every
 * connection field. Both: the options.
 */
export function settingsOf(form: InboxFormState, current?: InboxView): InboxSettingsInput {
  const address = form.address.trim().toLowerCase();
  const username = form.username.trim() || address;
  const options: InboxSettingsInput = {
    convertAll: form.convertAll,
    reopen: form.reopen,
    delimiter: form.delimiter,
    plusAddressing: form.plusAddressing,
    afterImport: form.afterImport,
    moveTo: form.afterImport === 'move' ? form.moveTo.trim() || null : null,
    idle: form.idle,
    pollSeconds: whole(form.pollSeconds),
    maxAttempts: whole(form.maxAttempts),
    headerFilters: form.headerFilters.map((f) => ({ header: f.header.trim(), pattern: f.pattern })).filter((f) => f.header || f.pattern),
    trustedAuthServId: form.trustedAuthServId.trim() || null,
    ...mailSettingsOf(form.mail, form.mode, username),
  };
  if (form.mode === 'standard') {
    // The stored login must be sent to be reset to the address.
    const sendUsername = username !== address || (current !== undefined && current.settings.incoming.username !== username);
    return { preset: form.preset, protocol: form.protocol, ...(sendUsername && { incoming: { username } }), ...options };
  }
  return {
    preset: form.preset,
    protocol: form.protocol,
    incoming: {
      host: form.host.trim(),
      port: whole(form.port),
      security: form.security,
      allowInvalidCert: form.allowInvalidCert,
      username,
      ...(form.protocol === 'imap' && form.folder.trim() && { folder: form.folder.trim() }),
      connectionTimeoutMs: seconds(form.connectionTimeoutS),
      authTimeoutMs: seconds(form.authTimeoutS),
    },
    ...options,
  };
}

export function inputOf(form: InboxFormState, current?: InboxView): InboxInput {
  return {
    name: form.name.trim(),
    address: form.address.trim(),
    departmentId: form.departmentId || null,
    enabled: form.enabled,
    settings: settingsOf(form, current),
    ...(form.password && { password: form.password }),
    ...smtpPasswordOf(form.mail),
  };
}

/** Form fields the server's error paths name (a header filter's path ends in its row number). */
export type InboxField =
  | 'name' | 'address' | 'departmentId' | 'password' | 'preset' | 'protocol' | 'host' | 'port' | 'security' | 'username'
  | 'folder' | 'connectionTimeoutS' | 'authTimeoutS' | 'afterImport' | 'moveTo' | 'pollSeconds' | 'maxAttempts'
  | 'trustedAuthServId' | `headerFilter${number}`
  | 'smtpHost' | 'smtpPort' | 'smtpSecurity' | 'smtpUsername' | 'smtpPassword' | 'debounceSeconds'
  | 'logoUrl' | 'color' | 'signature' | 'agentTemplate' | 'visitorTemplate';

const PATHS: Record<string, InboxField> = {
  name: 'name', address: 'address', departmentId: 'departmentId', password: 'password',
  'settings.preset': 'preset', 'settings.protocol': 'protocol',
  'settings.incoming.host': 'host', 'settings.incoming.port': 'port', 'settings.incoming.security': 'security',
  'settings.incoming.username': 'username', 'settings.incoming.folder': 'folder',
  'settings.incoming.connectionTimeoutMs': 'connectionTimeoutS', 'settings.incoming.authTimeoutMs': 'authTimeoutS',
  'settings.afterImport': 'afterImport', 'settings.moveTo': 'moveTo', 'settings.pollSeconds': 'pollSeconds',
  'settings.maxAttempts': 'maxAttempts', 'settings.trustedAuthServId': 'trustedAuthServId',
  'settings.outgoing.host': 'smtpHost', 'settings.outgoing.port': 'smtpPort', 'settings.outgoing.security': 'smtpSecurity',
  'settings.outgoing.username': 'smtpUsername', smtpPassword: 'smtpPassword',
  'settings.outbound.debounceSeconds': 'debounceSeconds',
  'settings.branding.logoUrl': 'logoUrl', 'settings.branding.color': 'color', 'settings.branding.signature': 'signature',
  'settings.templates.agentNotification.html': 'agentTemplate', 'settings.templates.visitorReply.html': 'visitorTemplate',
};

/** People's names for the fields, for details no field shows. */
export const INBOX_FIELD_LABELS: Record<string, string> = {
  name: 'Name', address: 'Email address', departmentId: 'Department', password: 'Password',
  'settings.incoming.host': 'Server', 'settings.incoming.port': 'Port', 'settings.outgoing.host': 'SMTP server',
  'settings.afterImport': 'After import', 'settings.moveTo': 'Folder for imported mail',
};

function fieldOfPath(path: string): InboxField | null {
  const filter = /^settings\.headerFilters\.(\d+)/.exec(path);
  if (filter) return `headerFilter${Number(filter[1])}`;
  return PATHS[path] ?? null;
}

/**
 * Splits the errors of the server into those shown beside a field and the rest. Timeouts
 * are entered in seconds, so the server's millisecond bounds are said in seconds instead.
 */
export function fieldErrors(error: ErrorBody | null): { byField: Partial<Record<InboxField, string>>; rest: ErrorBody | null } {
  if (!error?.details?.length) return splitFieldErrors(error, []);
  const fields: InboxField[] = [];
  const details = error.details.map((d) => {
    const field = fieldOfPath(d.path);
    if (!field) return d;
    fields.push(field);
    const message = field === 'connectionTimeoutS' || field === 'authTimeoutS' ? 'Enter between 1 and 120 seconds.' : d.message;
    return { path: field, message };
  });
  return splitFieldErrors({ ...error, details }, fields);
}
