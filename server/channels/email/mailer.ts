// SMTP through nodemailer, one pooled transport per inbox (its own server, from its own
// address). A transport is rebuilt when the inbox's settings change. Failures come back as
// DeliveryErrors the outbox understands: 5xx replies are permanent (dead-letter with the
// server's reason), 4xx replies and network failures are retried.
import { isIP } from 'node:net';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { DeliveryError } from '../../core/delivery';
import type { Inbox, InboxSettings } from '../../core/types';
import type { Sealer } from '../../security/sealed';
import { describeSmtpError } from './errors';

export interface MailerOptions {
  /** Connections per inbox's pool. */
  maxConnections?: number;
  /** How long one SMTP command may wait for the server. */
  socketTimeoutMs?: number;
}

interface Cached {
  stamp: number;
  transport: Transporter;
}

export class Mailer {
  private readonly transports = new Map<string, Cached>();

  constructor(private readonly deps: { sealer: Sealer; logger: Logger }, private readonly opts: MailerOptions = {}) {}

  /** Sends one email through the inbox's SMTP server; throws a DeliveryError on failure. */
  async send(inbox: Inbox, mail: SendMailOptions): Promise<{ response: string }> {
    if (!inbox.settings.outgoing) throw new DeliveryError(`the inbox ${inbox.address} has no SMTP server: add one in its settings`, true);
    try {
      const info = await this.transportOf(inbox).sendMail(mail);
      return { response: String(info.response ?? '') };
    } catch (err) {
      const problem = describeSmtpError(err, inbox.settings);
      throw new DeliveryError(problem.message, problem.permanent);
    }
  }

  /**
   * "Send test email": a one-off connection (not the pool) with the form's settings, so a
   * failure is reported as it happens, in a sentence an admin can act on.
   */
  async test(settings: InboxSettings, address: string, password: string | null, to: string, opts: { messageId?: string } = {}): Promise<{ ok: boolean; message: string }> {
    if (!settings.outgoing) return { ok: false, message: 'Enter the SMTP server first.' };
    const transport = nodemailer.createTransport(transportOptions(settings, password, { ...this.opts, pool: false }));
    try {
      const info = await transport.sendMail({
        from: { name: 'Parley', address },
        to,
        subject: 'Parley test email',
        text: `This is a test email from Parley, sent through ${settings.outgoing.host}:${settings.outgoing.port} as ${address}. Replies and notifications of this inbox will go out the same way.`,
        headers: { 'Auto-Submitted': 'auto-generated' },
        ...(opts.messageId ? { messageId: `<${opts.messageId}>` } : {}),
      });
      return { ok: true, message: `Sent to ${to}: the server answered "${String(info.response ?? 'OK').trim()}".` };
    } catch (err) {
      return { ok: false, message: describeSmtpError(err, settings).message };
    } finally {
      transport.close();
    }
  }

  /** Closes every pooled connection (shutdown). */
  close(): void {
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
  }

  private transportOf(inbox: Inbox): Transporter {
    const cached = this.transports.get(inbox.id);
    if (cached && cached.stamp === inbox.updatedAt) return cached.transport;
    cached?.transport.close();
    const password = this.deps.sealer.open(inbox.smtpPasswordSealed ?? inbox.passwordSealed);
    const transport = nodemailer.createTransport(transportOptions(inbox.settings, password, { ...this.opts, pool: true }));
    this.transports.set(inbox.id, { stamp: inbox.updatedAt, transport });
    return transport;
  }
}

function transportOptions(settings: InboxSettings, password: string | null, opts: MailerOptions & { pool: boolean }) {
  const out = settings.outgoing!;
  return {
    pool: opts.pool,
    maxConnections: opts.maxConnections ?? 3,
    host: out.host,
    port: out.port,
    secure: out.security === 'tls',
    requireTLS: out.security === 'starttls',
    ignoreTLS: out.security === 'none',
    // SNI takes host names only (RFC 6066), not IP addresses.
    tls: { rejectUnauthorized: !out.allowInvalidCert, ...(isIP(out.host) ? {} : { servername: out.host }) },
    // An SMTP server without AUTH (a local relay) needs no login: no username, no AUTH.
    ...(out.username ? { auth: { user: out.username, pass: password ?? '' } } : {}),
    connectionTimeout: settings.incoming.connectionTimeoutMs,
    greetingTimeout: settings.incoming.connectionTimeoutMs,
    socketTimeout: opts.socketTimeoutMs ?? 60_000,
    // Never let a message's content make nodemailer read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
