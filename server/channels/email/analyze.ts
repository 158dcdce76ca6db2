// The CPU-bound part of reading one email, in one function: parse, classify (loop guard),
// strip the quoted reply, sanitize the HTML. The mailbox sources run it in a worker thread
// (parse-pool.ts) so a huge or pathological email never stalls the event loop; the
// `mail inspect` command runs it directly.
import sanitizeHtml from 'sanitize-html';
import { classify, type Verdict } from './guard';
import { parseEmail, type ParsedEmail } from './mail';
import { stripReply } from './strip';
import { DELIMITER, MailThreading } from './threading';

export interface AnalyzeOptions {
  /** Cut replies at our delimiter line (the inbox's "delimiter" option). */
  delimiter: boolean;
  /** The threading key, to recognise our own Message-IDs coming back. */
  threadingKey?: Uint8Array;
}

export interface Analysis {
  mail: ParsedEmail;
  verdict: Verdict;
  /** The new text of the email: quotes, signature and delimiter removed. */
  text: string;
  /** Whether anything was cut (the dashboard then offers "show quoted text"). */
  quoted: boolean;
  /** The whole text as received. */
  original: string;
  /** The HTML part, sanitized, or null. */
  html: string | null;
}

const SANITIZE: sanitizeHtml.IOptions = {
  // No <img>: remote images are tracking pixels more often than content, and inline
  // images arrive as attachments of the message.
  allowedTags: [
    'a', 'b', 'blockquote', 'br', 'code', 'div', 'em', 'font', 'h1', 'h2', 'h3', 'h4', 'hr', 'i', 'li', 'ol', 'p', 'pre',
    's', 'small', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
  ],
  allowedAttributes: { a: ['href', 'title'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }) },
};

/** Sanitized email HTML, safe to render in the dashboard (still shown in a sandboxed frame). */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE);
}

export async function analyzeEmail(raw: Uint8Array, opts: AnalyzeOptions): Promise<Analysis> {
  const mail = await parseEmail(raw);
  const threading = opts.threadingKey ? new MailThreading(Buffer.from(opts.threadingKey)) : null;
  const verdict = classify(mail, { isOurMessageId: (id) => threading?.isOurMessageId(id) ?? false });
  const stripped = stripReply({ text: mail.text, html: mail.html }, { delimiter: opts.delimiter ? DELIMITER : null });
  return {
    mail,
    verdict,
    text: stripped.text,
    quoted: stripped.quoted,
    original: mail.text,
    html: mail.html ? sanitizeEmailHtml(mail.html) : null,
  };
}
