// Turns what imapflow, the POP3 client and Node's sockets throw into sentences an admin
// can act on, and says whether trying again could help: a wrong password or a bad
// certificate does not fix itself, so the inbox goes to Error at once instead of
// hammering the server (and getting the account locked).
import type { InboxSettings, MailSecurity } from '../../core/types';

export interface MailProblem {
  message: string;
  /** Retrying without a settings change cannot succeed. */
  permanent: boolean;
}

const CERT_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'is signed by an untrusted (self-signed) authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'cannot be verified (incomplete certificate chain)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'is signed by an unknown authority',
  CERT_HAS_EXPIRED: 'has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'is for another host name',
  CERT_NOT_YET_VALID: 'is not valid yet',
};

function passwordHint(host: string): string {
  const h = host.toLowerCase();
  if (/gmail|googlemail|google/.test(h)) return ' Gmail needs an app password (with 2-Step Verification on) and IMAP enabled in Gmail settings → Forwarding and POP/IMAP.';
  if (/office365|outlook|hotmail|live\.com/.test(h)) return ' Microsoft accounts need IMAP/POP enabled, and an app password when two-step verification is on (basic authentication may be turned off by your administrator).';
  if (/yahoo/.test(h)) return ' Yahoo needs an app password.';
  if (/\.me\.com|icloud/.test(h)) return ' iCloud needs an app-specific password.';
  return '';
}

/** What the sentences need to know of the server that failed. */
interface ServerFacts {
  protocol: 'imap' | 'pop3' | 'smtp';
  host: string;
  port: number;
  security: MailSecurity;
  folder: string | null;
  connectionTimeoutMs: number;
  authTimeoutMs: number;
}

const PORT_HINTS = {
  imap: 'IMAP: 993 with TLS, 143 with STARTTLS',
  pop3: 'POP3: 995 with TLS, 110 with STARTTLS',
  smtp: 'SMTP: 465 with TLS, 587 with STARTTLS',
} as const;

/** A failure of the inbox's mailbox (IMAP or POP3). */
export function describeMailError(err: unknown, settings: InboxSettings): MailProblem {
  return describe(err, { ...settings.incoming, protocol: settings.protocol });
}

/**
 * A failure of the inbox's SMTP server (nodemailer's errors). A reply code decides: 5xx
 * will fail again, 4xx and network failures may pass later.
 */
export function describeSmtpError(err: unknown, settings: InboxSettings): MailProblem {
  const e = (err ?? {}) as { code?: string; originalCode?: string; responseCode?: number; response?: string; message?: string };
  const out = settings.outgoing;
  const facts: ServerFacts = {
    protocol: 'smtp', host: out?.host ?? '', port: out?.port ?? 0, security: out?.security ?? 'tls', folder: null,
    connectionTimeoutMs: settings.incoming.connectionTimeoutMs, authTimeoutMs: settings.incoming.authTimeoutMs,
  };
  const reply = (e.response ?? '').trim();
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    return { message: `The SMTP server refused the login: wrong username or password (${reply || e.message || 'authentication failed'}).${passwordHint(facts.host)}`, permanent: true };
  }
  if (typeof e.responseCode === 'number' && e.responseCode >= 400) {
    const permanent = e.responseCode >= 500;
    const what = e.code === 'EENVELOPE' ? 'refused the sender or a recipient' : 'refused the email';
    return { message: `The SMTP server ${what}: ${reply || e.message} (${permanent ? 'permanent' : 'temporary'} failure).`, permanent };
  }
  // Nodemailer keeps the system error's code (ECONNREFUSED, a certificate code) as originalCode.
  return describe({ ...e, code: e.originalCode ?? e.code, message: e.message }, facts);
}

function describe(err: unknown, server: ServerFacts): MailProblem {
  const e = (err ?? {}) as { code?: string; message?: string; authenticationFailed?: boolean; serverResponseCode?: string; responseText?: string; response?: string; reason?: string };
  const { host, port } = server;
  const where = `${host}:${port}`;
  const code = e.code ?? '';
  const text = String(e.responseText ?? e.message ?? err ?? '');
  if (e.authenticationFailed || e.serverResponseCode === 'AUTHENTICATIONFAILED' || code === 'AUTH_FAILED' || /authenticat|invalid credentials|login failed|\[AUTH\]/i.test(`${e.response ?? ''} ${e.serverResponseCode ?? ''}`)) {
    return { message: `The server refused the login: wrong username or password (${text.trim() || 'authentication failed'}).${passwordHint(host)}`, permanent: true };
  }
  if (CERT_CODES[code]) {
    return { message: `The certificate of ${host} ${CERT_CODES[code]}. Fix the server's certificate, or turn on "Accept invalid certificates" only if you trust the network between Parley and the server.`, permanent: true };
  }
  if (code === 'ECONNREFUSED') return { message: `Nothing answers at ${where}: check the host and the port (${PORT_HINTS[server.protocol]}).`, permanent: false };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { message: `The host name ${host} cannot be found: check its spelling.`, permanent: false };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { message: `${host} cannot be reached from this server (no route to the host).`, permanent: false };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { message: `The connection to ${where} was reset.`, permanent: false };
  if (code === 'CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'GreetingTimeout' || /timeout/i.test(code)) {
    return { message: `${where} did not answer within ${Math.round(server.connectionTimeoutMs / 1000)} s: check the host, the port and any firewall.`, permanent: false };
  }
  if (code === 'AUTH_TIMEOUT') return { message: `${where} did not finish the login within ${Math.round(server.authTimeoutMs / 1000)} s.`, permanent: false };
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO' || /wrong version number|ssl routines/i.test(text)) {
    return { message: `The TLS handshake with ${where} failed: this port may expect ${server.security === 'tls' ? 'STARTTLS or a plain connection' : 'TLS'}. Check the security setting.`, permanent: true };
  }
  if (server.folder !== null && (e.serverResponseCode === 'NONEXISTENT' || /mailbox doesn't exist|no such mailbox|unknown mailbox/i.test(text))) {
    return { message: `The folder "${server.folder}" does not exist on the server: choose one from the list.`, permanent: true };
  }
  if (/STARTTLS/i.test(text)) return { message: `${where} does not offer STARTTLS: choose TLS or another port.`, permanent: true };
  return { message: text.trim() || 'The mail server failed without saying why.', permanent: false };
}
