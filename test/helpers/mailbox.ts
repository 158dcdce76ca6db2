// Reading what Parley sent back out of real mailboxes (IMAP into the test Dovecot), and
// answering it as a mail client would: through the test SMTP server, quoting the original.
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import type { Dovecot } from './dovecot';
import { waitFor } from './receiver';
import type { SmtpServer } from './smtp';

export interface Received {
  uid: number;
  raw: Buffer;
  mail: ParsedMail;
  /** A header's value as text (first occurrence), lower-case name. */
  header(name: string): string;
}

/** Every message in the user's INBOX, oldest first. */
export async function readMailbox(d: Dovecot, user: string, password: string): Promise<Received[]> {
  const client = new ImapFlow({ host: d.host, port: d.ports.imap, secure: false, tls: { ca: [d.certPem] }, auth: { user, pass: password }, logger: false });
  await client.connect();
  const out: Received[] = [];
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      for await (const msg of client.fetch('1:*', { uid: true, source: true })) {
        const raw = msg.source!;
        const mail = await simpleParser(raw);
        out.push({ uid: msg.uid, raw, mail, header: (name) => headerText(mail, name) });
      }
    } catch (err) {
      // An empty mailbox answers "1:*" with nothing or with an error, depending on the server.
      if (!/Invalid messageset|No matching messages/i.test(String((err as Error).message))) throw err;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return out;
}

/** Waits until the mailbox holds at least `n` messages and returns them. */
export async function waitForMail(d: Dovecot, user: string, password: string, n: number, ms = 20_000): Promise<Received[]> {
  await waitFor(async () => (await d.count(user)) >= n, ms, `${n} emails in ${user}'s mailbox`);
  return readMailbox(d, user, password);
}

function headerText(mail: ParsedMail, name: string): string {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase());
  if (!line) return '';
  return line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/**
 * Answers a received email like a mail client: to its Reply-To (else From), "Re:" subject,
 * In-Reply-To and References, the new text on top and the original quoted below.
 */
export async function replyTo(smtp: SmtpServer, original: Received, from: string, text: string, opts: { user?: string; pass?: string } = {}): Promise<void> {
  const to = original.mail.replyTo?.value ?? original.mail.from!.value;
  const subject = /^re:/i.test(original.mail.subject ?? '') ? original.mail.subject! : `Re: ${original.mail.subject ?? ''}`;
  const quoted = (original.mail.text ?? '').split('\n').map((l) => `> ${l}`).join('\n');
  const when = (original.mail.date ?? new Date()).toUTCString();
  const transport = nodemailer.createTransport({
    host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true,
    ...(opts.user ? { auth: { user: opts.user, pass: opts.pass ?? '' } } : {}),
  });
  try {
    await transport.sendMail({
      from,
      to: to.map((a) => ({ name: a.name, address: a.address! })),
      subject,
      inReplyTo: original.mail.messageId,
      references: [...toArray(original.mail.references), ...(original.mail.messageId ? [original.mail.messageId] : [])],
      text: `${text}\n\nOn ${when}, ${original.mail.from?.text ?? 'someone'} wrote:\n${quoted}\n`,
    });
  } finally {
    transport.close();
  }
}

function toArray(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
