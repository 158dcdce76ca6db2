// The one shape every step of the inbound pipeline works on (loop guard, header filters,
// thread matcher, reply stripper): mailparser's output reduced to plain data, so the steps
// stay pure functions and the parse can run in a worker thread (structured-clonable).
import { simpleParser, type AddressObject, type HeaderValue } from 'mailparser';
import { installFlowedDecoder } from './flowed';

installFlowedDecoder();

export interface MailAddress {
  /** Display name, '' when there is none. */
  name: string;
  /** Lower-case address. */
  address: string;
}

export interface HeaderLine {
  /** Lower-case header name. */
  key: string;
  /** The value, unfolded (continuation lines joined with a space), not decoded. */
  value: string;
}

export interface MailPart {
  filename: string;
  /** Lower-case MIME type. */
  contentType: string;
  size: number;
  content: Uint8Array;
  /** Shown inline in the body (an image referenced by cid:). */
  inline: boolean;
  contentId: string | null;
}

export interface ParsedEmail {
  /** Message-ID without angle brackets, null when missing. */
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  from: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  /** Return-Path address; '' for the null sender `<>`; null when the header is absent. */
  returnPath: string | null;
  subject: string;
  /** Date header as epoch ms, null when missing or invalid. */
  date: number | null;
  /** Every header in order, names lower-case. */
  headers: HeaderLine[];
  /** Top-level MIME type, lower-case (e.g. `multipart/report`), and its report-type parameter. */
  contentType: string;
  reportType: string | null;
  /** The plain-text body (mailparser derives it from the HTML when there is no text part). */
  text: string;
  /** The HTML body as sent (unsanitized), null when there is none. */
  html: string | null;
  /** Attachments, inline images and report parts (message/delivery-status, message/rfc822, ...). */
  attachments: MailPart[];
  /** Size of the raw email in bytes. */
  size: number;
}

/** All values of a header, in order (`header(mail, 'received')`). */
export function headerValues(mail: Pick<ParsedEmail, 'headers'>, name: string): string[] {
  const key = name.toLowerCase();
  return mail.headers.filter((h) => h.key === key).map((h) => h.value);
}

/** The first value of a header, trimmed, or null. */
export function header(mail: Pick<ParsedEmail, 'headers'>, name: string): string | null {
  return headerValues(mail, name)[0]?.trim() ?? null;
}

/** Message ids of a header value such as References: `<a@b> <c@d>` -> ['a@b', 'c@d']. */
export function messageIds(value: string | string[] | undefined | null): string[] {
  const values = Array.isArray(value) ? value : value ? [value] : [];
  const ids: string[] = [];
  for (const v of values) {
    const bracketed = v.match(/<[^<>\s]+>/g);
    if (bracketed) ids.push(...bracketed.map((id) => id.slice(1, -1)));
    else ids.push(...v.split(/[\s,]+/).filter(Boolean));
  }
  return ids;
}

function addresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const out: MailAddress[] = [];
  const walk = (items: AddressObject['value']): void => {
    for (const a of items) {
      if (a.group) walk(a.group);
      else if (a.address) out.push({ name: (a.name ?? '').trim(), address: a.address.trim().toLowerCase() });
    }
  };
  for (const obj of list) walk(obj.value);
  return out;
}

function mimeType(value: unknown): string {
  const type = typeof value === 'string' ? value.trim().toLowerCase().split(/[\s;]/)[0]! : '';
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type) ? type : 'application/octet-stream';
}

function unfold(line: string): string {
  const colon = line.indexOf(':');
  return (colon < 0 ? '' : line.slice(colon + 1)).replace(/\r?\n[ \t]+/g, ' ').trim();
}

function returnPathOf(lines: HeaderLine[]): string | null {
  const line = lines.find((h) => h.key === 'return-path');
  if (!line) return null;
  const m = line.value.match(/<([^>]*)>/);
  return (m ? m[1]! : line.value).trim().toLowerCase();
}

/**
 * Parses a raw email. Throws on input mailparser cannot handle at all; callers quarantine
 * it with the error as the reason. Runs on whichever thread calls it: the mailbox sources
 * call it through the parse worker (parse-pool.ts) so a pathological email cannot stall
 * the event loop.
 */
const UNFOLDED_PARAM = /;(\r?\n)(boundary|charset)=/gi;

/**
 * Some senders (Verizon's bounces among them) write a MIME parameter on a continuation
 * line without the leading whitespace folding needs (`Content-Type: multipart/alternative;`
 * then `boundary="..."` at the start of the next line). Parsers then see a multipart
 * without a boundary and lose the whole body. Indent such lines; a cheap byte search
 * first, so other mail is not copied.
 */
export function repairFolding(buf: Buffer): Buffer {
  if (buf.indexOf(';\nboundary=') < 0 && buf.indexOf(';\r\nboundary=') < 0 && buf.indexOf(';\ncharset=') < 0 && buf.indexOf(';\r\ncharset=') < 0) return buf;
  return Buffer.from(buf.toString('latin1').replace(UNFOLDED_PARAM, ';$1\t$2='), 'latin1');
}

export async function parseEmail(raw: Uint8Array): Promise<ParsedEmail> {
  const buf = repairFolding(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
  const parsed = await simpleParser(buf, {
    keepDeliveryStatus: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    keepCidLinks: true,
    // html-to-text on megabytes of markup is the slowest part; past this the text part
    // (or nothing) is used.
    maxHtmlLengthToParse: 2 * 1024 * 1024,
  });
  const headers: HeaderLine[] = parsed.headerLines.map((h) => ({ key: h.key.toLowerCase(), value: unfold(h.line) }));
  const ct = parsed.headers.get('content-type') as HeaderValue | undefined;
  const ctValue = typeof ct === 'object' && ct && 'params' in ct ? (ct as { value: string; params: Record<string, string> }) : null;
  const date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.getTime() : null;
  return {
    messageId: messageIds(parsed.messageId)[0] ?? null,
    inReplyTo: messageIds(parsed.inReplyTo),
    references: messageIds(parsed.references),
    from: addresses(parsed.from)[0] ?? null,
    replyTo: addresses(parsed.replyTo),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    returnPath: returnPathOf(headers),
    subject: (parsed.subject ?? '').trim(),
    date,
    headers,
    contentType: ctValue ? mimeType(ctValue.value) : 'text/plain',
    reportType: ctValue?.params?.['report-type']?.toLowerCase() ?? null,
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : null,
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? '',
      // mailparser passes a malformed Content-Type through as it came (not always a string).
      contentType: mimeType(a.contentType),
      size: a.size ?? a.content.byteLength,
      content: new Uint8Array(a.content.buffer, a.content.byteOffset, a.content.byteLength),
      inline: a.contentDisposition === 'inline' || (!!a.cid && a.related === true),
      contentId: a.cid ?? null,
    })),
    size: raw.byteLength,
  };
}
