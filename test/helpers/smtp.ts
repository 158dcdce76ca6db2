// An SMTP server for outbound-email tests: the `smtp-server` package on a free loopback
// port, relaying every accepted message into a Dovecot from ./dovecot over LMTP with
// its envelope, so a test reads what Parley sent back over IMAP. It records what it
// accepted, can refuse the next messages with a chosen reply (451 transient, 550
// permanent) and can go down and come back up on the same port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { selfSignedCert, type Dovecot } from './dovecot';
import { freePort } from './process';

export interface SmtpOptions {
  /** Where accepted mail goes; without it, mail is only recorded. */
  dovecot?: Dovecot;
  /** AUTH PLAIN/LOGIN users; without it, no AUTH is offered or needed. */
  users?: Record<string, string>;
  /** 'starttls' (default): plain port offering STARTTLS; 'tls': implicit TLS; 'plain': no TLS. */
  secure?: 'plain' | 'starttls' | 'tls';
  /** Certificate to serve; default: the Dovecot's when given, else a fresh self-signed one. */
  tls?: { certPem: string; keyPem: string };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface SmtpServer {
  host: string;
  port: number;
  /** The certificate it serves (self-signed; pass as `ca`), or null when 'plain'. */
  certPem: string | null;
  received: ReceivedMail[];
  /** The next `count` messages (default 1) get `code message` after DATA. */
  failNext(code: number, message: string, count?: number): void;
  /** Stops listening and drops open connections; up() listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startSmtp(opts: SmtpOptions = {}): Promise<SmtpServer> {
  const mode = opts.secure ?? 'starttls';
  let certDir: string | null = null;
  let tls = opts.tls ?? (opts.dovecot ? { certPem: opts.dovecot.certPem, keyPem: opts.dovecot.keyPem } : null);
  if (!tls && mode !== 'plain') {
    certDir = mkdtempSync(join(tmpdir(), 'parley-smtp-'));
    tls = await selfSignedCert(certDir);
  }
  const state: State = { received: [], failures: [] };
  const options = serverOptions(opts, mode, mode === 'plain' ? null : tls, state);
  const port = await freePort();
  let server: SMTPServer | null = await listen(options, port);
  return {
    host: HOST,
    port,
    certPem: mode === 'plain' ? null : tls!.certPem,
    received: state.received,
    failNext(code, message, count = 1) {
      for (let i = 0; i < count; i++) state.failures.push({ code, message });
    },
    down: async () => {
      if (server) await close(server);
      server = null;
    },
    up: async () => {
      if (!server) server = await listen(options, port);
    },
    stop: async () => {
      if (server) await close(server);
      server = null;
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    },
  };
}

interface State {
  received: ReceivedMail[];
  failures: Array<{ code: number; message: string }>;
}

function serverOptions(opts: SmtpOptions, mode: string, tls: { certPem: string; keyPem: string } | null, state: State): SMTPServerOptions {
  return {
    secure: mode === 'tls',
    ...(tls ? { key: tls.keyPem, cert: tls.certPem } : {}),
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !opts.users,
    // hideSTARTTLS alone would still answer STARTTLS, with smtp-server's built-in (expired) certificate.
    disabledCommands: [...(mode === 'plain' ? ['STARTTLS'] : []), ...(opts.users ? [] : ['AUTH'])],
    allowInsecureAuth: true,
    closeTimeout: 100,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = !!opts.users && auth.username !== undefined && opts.users[auth.username] === auth.password;
      if (ok) callback(null, { user: auth.username });
      else callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.once('end', () => {
        const mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        const failure = state.failures.shift();
        if (failure) return callback(smtpError(failure.code, failure.message));
        relay(opts.dovecot, mail).then(
          () => {
            state.received.push(mail);
            callback(null, 'Queued');
          },
          // The LMTP reply (e.g. 550 5.1.1 unknown user) goes back to the sender as is.
          (err: { responseCode?: number; response?: string; message: string }) =>
            callback(smtpError(err.responseCode ?? 451, (err.response ?? err.message).replace(/^\d{3}[ -]/, ''))),
        );
      });
    },
  };
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

async function relay(dovecot: Dovecot | undefined, mail: ReceivedMail): Promise<void> {
  if (dovecot) await dovecot.deliver(mail.to, mail.raw, { from: mail.from });
}

function listen(options: SMTPServerOptions, port: number): Promise<SMTPServer> {
  const server = new SMTPServer(options);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.removeListener('error', reject);
      // A client dropping mid-session is routine in these tests, not a failure.
      server.on('error', () => {});
      resolve(server);
    });
  });
}

/** Stops listening; open connections get 421 and are closed after closeTimeout. */
function close(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
