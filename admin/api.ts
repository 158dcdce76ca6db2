// The dashboard's only door to the REST API: same-origin fetch with the session cookie,
// JSON bodies, the CSRF header on every state-changing request, and one typed error.
import type {
  AgentView, AttachmentView, AuthView, ConversationView, DepartmentView, EmailOriginalView, ErrorBody, InboxSettings, InboxView, MailItemKind,
  MailItemView, MessageView, MessengerView, OutboxJobView, PresenceStatus, Preset, Role, SiteView, VisitorView, Appearance, PrechatSettings,
} from './types';

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
  }
  get code(): string {
    return this.body.code;
  }
}

let csrfToken = '';
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when a signed-in request answers 401: the session ended elsewhere. */
export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const NETWORK_ERROR: ErrorBody = { code: 'INTERNAL', message: 'The server cannot be reached. Check your connection and try again.' };

async function request<T>(method: Method, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, NETWORK_ERROR);
  }
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new ApiError(res.status, errorBodyOf(data, res.status));
    if (res.status === 401 && !opts.quiet401 && err.code === 'UNAUTHENTICATED') onUnauthenticated?.();
    throw err;
  }
  return data as T;
}

function errorBodyOf(data: unknown, status: number): ErrorBody {
  const body = (data as { error?: Partial<ErrorBody> } | null)?.error;
  if (body && typeof body.message === 'string' && typeof body.code === 'string') return body as ErrorBody;
  return { code: 'INTERNAL', message: `The server answered with status ${status}. Try again; if it persists, check the server log.` };
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// ---- account ------------------------------------------------------------------------

export const getSetup = () => request<{ needsSetup: boolean }>('GET', '/api/setup');
export const postSetup = (body: { name: string; email: string; password: string; siteName?: string }) =>
  request<AuthView>('POST', '/api/setup', body);
export const login = (email: string, password: string) => request<AuthView>('POST', '/api/auth/login', { email, password }, { quiet401: true });
export const logout = () => request<void>('POST', '/api/auth/logout', undefined, { quiet401: true });
export const getMe = () => request<AuthView>('GET', '/api/auth/me', undefined, { quiet401: true });
export const patchMe = (body: { name?: string; avatarUrl?: string | null; password?: string; currentPassword?: string }) =>
  request<AgentView>('PATCH', '/api/me', body);
export const putMyStatus = (status: PresenceStatus) => request<AgentView>('PUT', '/api/me/status', { status });

// ---- agents, departments, sites --------------------------------------------------------

export interface AgentInput {
  name: string;
  email: string;
  password: string;
  role: Role;
  departments: string[];
}

export const listAgents = () => request<AgentView[]>('GET', '/api/agents');
export const createAgent = (body: AgentInput) => request<AgentView>('POST', '/api/agents', body);
export const updateAgent = (id: string, body: Partial<AgentInput>) => request<AgentView>('PATCH', `/api/agents/${enc(id)}`, body);
export const deleteAgent = (id: string) => request<void>('DELETE', `/api/agents/${enc(id)}`);

export const listDepartments = () => request<DepartmentView[]>('GET', '/api/departments');
export const createDepartment = (name: string) => request<DepartmentView>('POST', '/api/departments', { name });
export const renameDepartment = (id: string, name: string) => request<DepartmentView>('PATCH', `/api/departments/${enc(id)}`, { name });
export const deleteDepartment = (id: string) => request<void>('DELETE', `/api/departments/${enc(id)}`);

export interface SiteInput {
  name: string;
  allowedOrigins: string[];
  appearance: Partial<Appearance>;
  prechat: Partial<PrechatSettings>;
}

export const listSites = () => request<SiteView[]>('GET', '/api/sites');
export const createSite = (body: Partial<SiteInput> & { name: string }) => request<SiteView>('POST', '/api/sites', body);
export const updateSite = (id: string, body: Partial<SiteInput>) => request<SiteView>('PATCH', `/api/sites/${enc(id)}`, body);
export const deleteSite = (id: string) => request<void>('DELETE', `/api/sites/${enc(id)}`);

// ---- messenger channels ----------------------------------------------------------------

export interface MessengerInput {
  name: string;
  webhookUrl: string;
  /** The shared secret; on update, leave it out to keep the current one. */
  confirmationCode: string;
  returning: MessengerView['returning'];
  allowOperatorStart: boolean;
}

export const listMessengers = (siteId: string) => request<MessengerView[]>('GET', `/api/messengers${query({ site: siteId })}`);
export const createMessenger = (siteId: string, body: MessengerInput) =>
  request<MessengerView>('POST', `/api/sites/${enc(siteId)}/messengers`, body);
/** A new webhook URL or confirmation code puts the channel back to pending. */
export const updateMessenger = (id: string, body: Partial<MessengerInput>) => request<MessengerView>('PATCH', `/api/messengers/${enc(id)}`, body);
export const deleteMessenger = (id: string) => request<void>('DELETE', `/api/messengers/${enc(id)}`);
export const connectMessenger = (id: string) => request<MessengerView>('POST', `/api/messengers/${enc(id)}/connect`);
export const disconnectMessenger = (id: string) => request<MessengerView>('POST', `/api/messengers/${enc(id)}/disconnect`);
/** An operator writes first to a user who has written through the messenger before. */
export const startMessengerConversation = (id: string, body: { userId: string; text: string; clientId: string }) =>
  request<{ conversationId: string; message: MessageView }>('POST', `/api/messengers/${enc(id)}/conversations`, body);

// ---- inboxes: support mailboxes piped into a live chat (admins) --------------------------

/** Settings as sent: any part may be left out (the server fills it from the preset, the stored inbox, or defaults). */
export type InboxSettingsInput = Partial<Omit<InboxSettings, 'incoming' | 'outgoing'>> & {
  incoming?: Partial<InboxSettings['incoming']>;
  /** null: no SMTP (no email goes out). Left out: the stored or the preset's SMTP server. */
  outgoing?: Partial<NonNullable<InboxSettings['outgoing']>> | null;
};

export interface InboxInput {
  name: string;
  address: string;
  departmentId: string | null;
  enabled: boolean;
  settings: InboxSettingsInput;
  /** The mailbox password; on update, leave it out to keep the stored one. */
  password?: string;
  /** The SMTP password when it differs from the mailbox's; left out: unchanged. */
  smtpPassword?: string | null;
}

export interface ConnectionTestResult {
  ok: boolean;
  /** A sentence for people, shown as it is. */
  message: string;
  /** IMAP folders, for the folder pickers. */
  folders: string[];
  idle: boolean | null;
}

export interface MailPage {
  items: MailItemView[];
  nextCursor: string | null;
}

export type ImportResult = { result: 'imported'; conversationId: string; messageId: string; duplicate: boolean; how: string };

export const listInboxPresets = () => request<Preset[]>('GET', '/api/inbox-presets');
export const listInboxes = (siteId: string) => request<InboxView[]>('GET', `/api/inboxes${query({ site: siteId })}`);
export const createInbox = (siteId: string, body: InboxInput) => request<InboxView>('POST', `/api/sites/${enc(siteId)}/inboxes`, body);
export const updateInbox = (id: string, body: Partial<InboxInput>) => request<InboxView>('PATCH', `/api/inboxes/${enc(id)}`, body);
export const deleteInbox = (id: string) => request<void>('DELETE', `/api/inboxes/${enc(id)}`);
/** Logs in with the form's values without saving; with inboxId and no password, the stored password is used. Always 200. */
export const testInbox = (body: { address?: string; settings?: InboxSettingsInput; password?: string; inboxId?: string }) =>
  request<ConnectionTestResult>('POST', '/api/inboxes/test', body);
export type EmailTemplateKind = 'agentNotification' | 'visitorReply';
export interface MailDefaults {
  outbound: NonNullable<InboxSettings['outbound']>;
  templates: NonNullable<InboxSettings['templates']>;
  branding: NonNullable<InboxSettings['branding']>;
  /** The variables templates may use, for people: `visitor.name`, `messages (each with text, author, time)`. */
  variables: string[];
}
/** What an inbox nobody configured sends, and the template variables. */
export const getMailDefaults = () => request<MailDefaults>('GET', '/api/inbox-mail-defaults');
export interface EmailPreview {
  subject: string;
  html: string;
  text: string;
}
/** An email as the form's unsaved templates and branding render it, with made-up values (400 with the template's problem). */
export const previewInboxEmail = (body: {
  kind: EmailTemplateKind; inboxId?: string; name?: string; address?: string; delimiter?: boolean;
  templates?: InboxSettingsInput['templates']; branding?: InboxSettingsInput['branding'];
}) => request<EmailPreview>('POST', '/api/inboxes/preview', body);
/** Sends a test email with the form's SMTP settings; without passwords, the stored ones. Always 200 unless the input is invalid. */
export const testSmtp = (body: {
  inboxId?: string; address?: string; settings?: InboxSettingsInput; password?: string; smtpPassword?: string; to?: string;
  /** Instead of `to`: the inbox emails its own plus-address and looks for it over IMAP. */
  verifyPlusAddressing?: boolean;
}) => request<{ ok: boolean; message: string }>('POST', '/api/inboxes/test-smtp', body);
/** After Error: try again now. */
export const reconnectInbox = (id: string) => request<InboxView>('POST', `/api/inboxes/${enc(id)}/reconnect`);
export const listMail = (inboxId: string, kind: MailItemKind, cursor?: string) =>
  request<MailPage>('GET', `/api/inboxes/${enc(inboxId)}/mail${query({ kind, cursor })}`);
/** Turns a set-aside or quarantined email into a message (409 MAIL_NOT_IMPORTABLE with the reason when it cannot). */
export const importMail = (inboxId: string, itemId: string) => request<ImportResult>('POST', `/api/inboxes/${enc(inboxId)}/mail/${enc(itemId)}/import`);
export const discardMail = (inboxId: string, itemId: string) => request<void>('DELETE', `/api/inboxes/${enc(inboxId)}/mail/${enc(itemId)}`);
/** Same-origin link: the session cookie authorizes the download. */
export const rawMailUrl = (inboxId: string, itemId: string) => `/api/inboxes/${enc(inboxId)}/mail/${enc(itemId)}/raw`;

// ---- outbox (admins) -------------------------------------------------------------------

export type OutboxStatus = OutboxJobView['status'];
export const listOutbox = (status: OutboxStatus, limit = 100) => request<OutboxJobView[]>('GET', `/api/outbox${query({ status, limit })}`);
/** Sends a dead delivery again: it comes back as pending. */
export const retryOutbox = (id: string) => request<OutboxJobView>('POST', `/api/outbox/${enc(id)}/retry`);

// ---- conversations ---------------------------------------------------------------------

export interface ConversationQuery {
  status?: string;
  channel?: string;
  department?: string;
  assignee?: string;
  limit?: number;
  cursor?: string;
}

export const listConversations = (q: ConversationQuery) =>
  request<{ items: ConversationView[]; nextCursor: string | null }>('GET', `/api/conversations${query({ ...q })}`);
export const getConversation = (id: string) =>
  request<{ conversation: ConversationView; visitor: VisitorView | null }>('GET', `/api/conversations/${enc(id)}`);
export const listMessages = (id: string, q: { after?: number; before?: number; limit?: number }) =>
  request<{ messages: MessageView[] }>('GET', `/api/conversations/${enc(id)}/messages${query(q)}`);
/** The whole email behind a message: the quoted text, and the sanitized HTML when there was some. */
export const getEmailOriginal = (conversationId: string, messageId: string) =>
  request<EmailOriginalView>('GET', `/api/conversations/${enc(conversationId)}/messages/${enc(messageId)}/original`);
export const closeConversation = (id: string) => request<ConversationView>('POST', `/api/conversations/${enc(id)}/close`);
export const reopenConversation = (id: string) => request<ConversationView>('POST', `/api/conversations/${enc(id)}/reopen`);
export const assignConversation = (id: string, agentId: string | null) =>
  request<ConversationView>('POST', `/api/conversations/${enc(id)}/assign`, { agentId });
export const transferConversation = (id: string, departmentId: string | null) =>
  request<ConversationView>('POST', `/api/conversations/${enc(id)}/transfer`, { departmentId });

// ---- email conversations started by an agent --------------------------------------------

/** An inbox the signed-in agent may write from (enabled, with an SMTP server, in their departments). */
export interface SendingInbox {
  id: string;
  name: string;
  address: string;
  siteId: string;
  departmentId: string | null;
}

export interface StartEmailInput {
  inboxId: string;
  to: string;
  name?: string | null;
  subject: string;
  text: string;
  attachmentIds?: string[];
  /** One per form submission: a retried request opens nothing new (200 with duplicate: true). */
  clientId: string;
}

export const listSendingInboxes = () => request<SendingInbox[]>('GET', '/api/sending-inboxes');
/** Opens an email conversation with any address; the first message goes out as an email (400 with details per field). */
export const startEmailConversation = (body: StartEmailInput) =>
  request<{ conversation: ConversationView; message: MessageView; duplicate: boolean }>('POST', '/api/conversations/email', body);

export function uploadAttachment(file: File): Promise<AttachmentView> {
  const form = new FormData();
  form.append('file', file, file.name);
  return request<AttachmentView>('POST', '/api/attachments', form);
}

/** Turns anything thrown into an ErrorBody to show. */
export function errorOf(err: unknown): ErrorBody {
  if (err instanceof ApiError) return err.body;
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) return err as ErrorBody;
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : 'Something went wrong. Try again.' };
}
