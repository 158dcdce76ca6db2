// One registry of every error a user can see: a stable code, the HTTP status it maps
// to, and a sentence that says what to do. test/unit/errors.test.ts checks it.

export const ERRORS = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed. Check the fields and try again.' },
  VALIDATION_FAILED: { status: 400, message: 'Some fields are missing or invalid. Correct them and try again.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request is too large. Send less data at once.' },
  FILE_TOO_LARGE: { status: 413, message: 'The file is larger than the upload limit. Compress it or send a smaller file.' },
  FILE_TYPE_NOT_ALLOWED: { status: 415, message: 'This type of file cannot be uploaded. Send an image, PDF, text or office document instead.' },
  UNAUTHENTICATED: { status: 401, message: 'You are not signed in. Sign in and try again.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The email or password is wrong. Check both and try again.' },
  INVALID_VISITOR_TOKEN: { status: 401, message: 'The chat session is not valid any more. Reload the page to start a new one.' },
  CSRF_FAILED: { status: 403, message: 'The request was not sent by the dashboard. Reload the dashboard and try again.' },
  FORBIDDEN: { status: 403, message: 'Your role does not allow this. Ask an administrator.' },
  ORIGIN_NOT_ALLOWED: { status: 403, message: 'This website is not allowed to use the chat. Add its address to the site\'s allowed origins in the dashboard.' },
  NOT_FOUND: { status: 404, message: 'It does not exist or you cannot see it. Check the address.' },
  SITE_NOT_FOUND: { status: 404, message: 'No site has this widget key. Copy the snippet again from the dashboard.' },
  SETUP_DONE: { status: 409, message: 'Parley is already set up. Sign in with an administrator account.' },
  SETUP_REQUIRED: { status: 409, message: 'Parley is not set up yet. Open the dashboard to create the first administrator.' },
  EMAIL_TAKEN: { status: 409, message: 'An agent with this email already exists. Use another address.' },
  LAST_ADMIN: { status: 409, message: 'This is the last administrator. Make another agent an administrator first.' },
  CONVERSATION_CLOSED: { status: 409, message: 'The conversation is closed. Reopen it to reply.' },
  ALREADY_OPEN: { status: 409, message: 'The visitor already has an open conversation. Continue that one.' },
  ATTACHMENT_UNAVAILABLE: { status: 409, message: 'The attachment was already sent or is not yours. Upload it again.' },
  LINK_EXPIRED: { status: 403, message: 'The download link has expired. Reopen the conversation to get a fresh link.' },
  SIGNATURE_INVALID: { status: 401, message: 'The request signature is missing, stale or wrong. Sign "<timestamp>.<body>" with the confirmation code and send it within 5 minutes.' },
  REPLAYED: { status: 401, message: 'This exact request was already received. Send a new request with a fresh timestamp and signature.' },
  MESSENGER_DISCONNECTED: { status: 403, message: 'This messenger channel is disconnected. An administrator must connect it again in the dashboard.' },
  MESSENGER_HANDSHAKE_FAILED: { status: 502, message: 'The messenger did not confirm the connection. Check the webhook URL and that it answers the confirmation request with the confirmation code.' },
  MESSENGER_TAKEN: { status: 409, message: 'This messenger webhook is already connected to a live chat. One messenger account can serve one live chat only.' },
  INBOX_TAKEN: { status: 409, message: 'Another inbox already reads this email address. One address can serve one inbox only.' },
  INBOX_DISABLED: { status: 409, message: 'The inbox is disabled. Enable it first.' },
  MAIL_NOT_IMPORTABLE: { status: 409, message: 'This email cannot be imported into a conversation. Discard it, or download it and forward it from a mail client.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests. Wait a moment and try again.' },
  INTERNAL: { status: 500, message: 'Something went wrong on the server. Try again; if it persists, check the server log.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The shape every REST error body and every failed socket ack carries. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Field-level problems, for VALIDATION_FAILED. */
  details?: { path: string; message: string }[];
}

export class ParleyError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, readonly details?: ErrorBody['details'], message?: string) {
    super(message ?? ERRORS[code].message);
    this.name = 'ParleyError';
    this.status = ERRORS[code].status;
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isParleyError(err: unknown): err is ParleyError {
  return err instanceof ParleyError;
}
