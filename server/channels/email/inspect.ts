// `parley mail inspect`: what the inbound pipeline makes of an email, without a mailbox,
// a store or a worker thread, so an admin can see why an email was ignored, set aside or
// cut short. One JSON report per file.
//
// The CLI has no installation key, so threading clues are reported by their shape only:
// an id that looks like ours (`parley.<34 base32>.…@`) may still carry a forged signature.
// The server verifies them (threading.ts); inspect does not.
import { readFile } from 'node:fs/promises';
import { analyzeEmail } from './analyze';
import type { MailAddress, ParsedEmail } from './mail';
import { stripText } from './strip';
import { DELIMITER } from './threading';

export interface InspectOptions {
  /** Cut at our delimiter line, as an inbox with the "delimiter" option does. */
  delimiter: boolean;
}

/** Where a token-shaped clue was found and what it holds. */
export interface TokenClue {
  /** The recipient address or display name, or the subject, as found. */
  where: string;
  token: string;
  /** Shaped like our conversation token (34 base32 characters, optional `-<8>` agent tag); the signature is not checked. */
  tokenShaped: boolean;
}

export interface InspectClues {
  inReplyTo: string[];
  references: string[];
  /** Ids of In-Reply-To/References shaped like our Message-IDs. */
  ours: string[];
  /** Recipients (To, Cc, Delivered-To, X-Original-To, Envelope-To) with a `+detail`. */
  plusAddresses: TokenClue[];
  /** Recipients whose display name carries `| <token>`. */
  displayNames: TokenClue[];
  /** A `[#…]` token in the subject. */
  subject: TokenClue | null;
}

export interface EmailReport {
  file: string;
  kind: string;
  reason: string;
  from: string | null;
  replyTo: string[];
  subject: string;
  text: string;
  attachments: Array<{ name: string | null; type: string; size: number }>;
  clues: InspectClues;
  bounced: string[];
  list: boolean;
}

export interface BodyReport {
  file: string;
  text: string;
}

export interface ErrorReport {
  file: string;
  error: string;
}

const TOKEN_SHAPE = /^[a-z2-7]{34}(?:-[a-z2-7]{8})?$/;
const OUR_MESSAGE_ID = /^parley\.[a-z2-7]{34}\.[a-z2-7]+@/;

/** The threading clues an email carries, by shape (see the header: no signature check). */
export function findClues(mail: Pick<ParsedEmail, 'inReplyTo' | 'references' | 'to' | 'cc' | 'subject' | 'headers'>): InspectClues {
  const recipients = [...mail.to, ...mail.cc, ...envelopeRecipients(mail)];
  const clue = (where: string, token: string): TokenClue => ({ where, token, tokenShaped: TOKEN_SHAPE.test(token.toLowerCase()) });
  const plusAddresses: TokenClue[] = [];
  const displayNames: TokenClue[] = [];
  const seen = new Set<string>();
  for (const r of recipients) {
    const m = r.address.match(/^[^+@]*\+([^@]*)@/);
    if (m && !seen.has(r.address)) {
      seen.add(r.address);
      plusAddresses.push(clue(r.address, m[1]!));
    }
    if (r.name.includes('|')) displayNames.push(clue(r.name, r.name.slice(r.name.lastIndexOf('|') + 1).trim()));
  }
  const s = mail.subject.match(/\[#([^\]\s]*)\]/);
  const ids = [...mail.inReplyTo, ...mail.references];
  return {
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    ours: [...new Set(ids.filter((id) => OUR_MESSAGE_ID.test(id.toLowerCase())))],
    plusAddresses,
    displayNames,
    subject: s ? clue(mail.subject, s[1]!) : null,
  };
}

/** Delivered-To / X-Original-To / Envelope-To: the envelope recipient, plus-address included. */
function envelopeRecipients(mail: Pick<ParsedEmail, 'headers'>): MailAddress[] {
  return mail.headers
    .filter((h) => h.key === 'delivered-to' || h.key === 'x-original-to' || h.key === 'envelope-to')
    .map((h) => ({ name: '', address: h.value.replace(/[<>]/g, '').trim().toLowerCase() }))
    .filter((a) => a.address.includes('@'));
}

function formatAddress(a: MailAddress): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

/** The report of one raw email. Throws when it cannot be parsed at all. */
export async function inspectEmail(file: string, raw: Uint8Array, opts: InspectOptions): Promise<EmailReport> {
  const { mail, verdict, text } = await analyzeEmail(raw, { delimiter: opts.delimiter });
  return {
    file,
    kind: verdict.kind,
    reason: verdict.reason,
    from: mail.from ? formatAddress(mail.from) : null,
    replyTo: mail.replyTo.map(formatAddress),
    subject: mail.subject,
    text,
    attachments: mail.attachments.map((a) => ({ name: a.filename || null, type: a.contentType, size: a.size })),
    clues: findClues(mail),
    bounced: verdict.bouncedRecipients,
    list: verdict.list,
  };
}

/** The report of one already-decoded plain-text body: the new text only. */
export function inspectBody(file: string, body: string, opts: InspectOptions): BodyReport {
  return { file, text: stripText(body, { delimiter: opts.delimiter ? DELIMITER : null }).text };
}

/**
 * Reports on every file in order, one at a time, handing each report to `emit` as soon as
 * it is ready. A file that cannot be read or parsed gets an error report; the others go on.
 * Returns how many failed.
 */
export async function inspectFiles(
  files: string[], opts: InspectOptions & { body: boolean }, emit: (report: EmailReport | BodyReport | ErrorReport) => void | Promise<void>,
): Promise<number> {
  let failed = 0;
  for (const file of files) {
    const report = await reportOf(file, opts);
    if ('error' in report) failed++;
    await emit(report);
  }
  return failed;
}

async function reportOf(file: string, opts: InspectOptions & { body: boolean }): Promise<EmailReport | BodyReport | ErrorReport> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { file, error: `cannot be read: ${READ_ERRORS[e.code ?? ''] ?? e.message}` };
  }
  try {
    return opts.body ? inspectBody(file, bytes.toString('utf8'), opts) : await inspectEmail(file, bytes, opts);
  } catch (err) {
    return { file, error: `cannot be parsed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};
