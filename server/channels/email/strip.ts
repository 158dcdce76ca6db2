// The reply stripper: only the new text of an email reply becomes the chat message (the full
// original is stored beside it). Pure: no I/O, no clock.
//
// Why hand-written: the npm libraries were measured on an independent labelled corpus
// (discourse/email_reply_trimmer, 64 replies, whitespace-normalised match) and kept the right
// text in about half the cases: email-reply-parser 2.3.9 50%, planer 1.2.0 47% (see
// ../shared/corpora/README.md). Most of their failures leave quoted text in; non-English quote
// headers and Outlook "From:/Sent:" blocks are their weak spots, and those are exactly the
// replies a support mailbox receives. `npm run eval:mail` measures this module on the public
// corpora.
//
// Order of the rules:
//   1. our delimiter line ("### Please type your reply above this line ###"), quoted or not;
//   2. for HTML, the quote containers mail clients mark up (strip-html.ts), then HTML to text;
//   3. text rules (strip-lines.ts): quote headers in many languages, Outlook header blocks,
//      "-----Original Message-----" separators, '>' lines at the bottom, signatures.
// If that leaves nothing, the reply was all quote as far as the rules can tell: fall back to
// the text without its '>' lines, then to the whole text, so a message is never emptied.
//
// Linear time: every rule is one pass over the lines or a bounded look around one line, and the
// regexes only ever see short lines (strip-patterns.ts MAX_LINE).
import { htmlReplyText, htmlToText } from './strip-html';
import { classify, dropTrailingIntro, keepNewLines, toLines, trimBlank, withoutQuotedLines, type LineRules } from './strip-lines';

export interface StripOptions {
  /** The delimiter line our outgoing emails carry at the top; null for none. */
  delimiter?: string | null;
  /** Keep signatures ("-- " blocks, "Sent from my iPhone"); they are cut by default. */
  keepSignature?: boolean;
}

export interface StripResult {
  text: string;
  /** True when something (a quote, a signature, the delimiter and what follows) was cut. */
  quoted: boolean;
}

/** HTML bodies larger than this are not converted (html-to-text cost); the text part is used. */
const MAX_HTML = 1024 * 1024;

/** The words of the delimiter ("Please type your reply above this line"), which survive quoting and reformatting. */
function delimiterPhrase(delimiter: string | null | undefined): string | null {
  const phrase = delimiter?.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '').replace(/\s+/g, ' ').toLowerCase();
  return phrase ? phrase : null;
}

function delimiterIndex(lines: string[], phrase: string | null): number {
  if (!phrase) return -1;
  return lines.findIndex((l) => l.toLowerCase().replace(/\s+/g, ' ').includes(phrase));
}

function stripLines(all: string[], phrase: string | null, keepSignature: boolean, cutBefore: boolean): StripResult {
  const d = delimiterIndex(all, phrase);
  const classified = classify(d >= 0 ? all.map((l, i) => (i === d ? '' : l)) : all);
  // Above the delimiter first; with nothing there (a bottom-posted reply), the rest of the text.
  const ends = d >= 0 ? [d, all.length] : [all.length];
  const attempts: LineRules[] = [{ keepSignature }];
  // A reply that is only a signature still says something ("Sent from my iPhone" alone beats a fallback to the quote).
  if (!keepSignature) attempts.push({ keepSignature: true });
  for (const rules of attempts) {
    for (const end of ends) {
      const kept = keepNewLines(classified, end, rules);
      const lines = end === d ? dropTrailingIntro(kept.lines) : kept.lines;
      if (lines.length > 0) return { text: lines.join('\n'), quoted: cutBefore || d >= 0 || kept.quoted };
    }
  }
  const unquoted = withoutQuotedLines(all);
  if (unquoted.length > 0) return { text: unquoted.join('\n'), quoted: true };
  return { text: trimBlank(all).join('\n'), quoted: false };
}

/** The new text of a plain-text reply (also used by `mail inspect --body`). */
export function stripText(text: string, opts: StripOptions = {}): StripResult {
  return stripLines(toLines(text), delimiterPhrase(opts.delimiter), opts.keepSignature ?? false, false);
}

/**
 * The new text of a reply. With an HTML body, the quote markup of the sending client is cut
 * first and the rest converted to text; otherwise the text part is read.
 */
export function stripReply(input: { text: string; html: string | null }, opts: StripOptions = {}): StripResult {
  const phrase = delimiterPhrase(opts.delimiter);
  const keepSignature = opts.keepSignature ?? false;
  if (input.html && input.html.length <= MAX_HTML) {
    const cut = htmlReplyText(input.html, { delimiter: phrase, keepSignature });
    let lines = collapseBlankRuns(toLines(cut.text));
    // Cut at our delimiter, the client's attribution line above it ("Le ... a écrit :") is left over.
    if (cut.cut === 'delimiter') lines = dropTrailingIntro(lines);
    if (trimBlank(lines).length > 0) return stripLines(lines, phrase, keepSignature, cut.cut !== null);
    // The cut left nothing: everything sat inside quote markup. Read the whole HTML instead.
    const wholeLines = collapseBlankRuns(toLines(htmlToText(input.html)));
    if (trimBlank(wholeLines).length > 0) return stripLines(wholeLines, phrase, keepSignature, false);
  }
  return stripText(input.text, opts);
}

/** HTML conversion leaves a blank line per empty paragraph (Outlook's <p>&nbsp;</p>); one is enough. */
function collapseBlankRuns(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (line.trim() === '' && out.length > 0 && out[out.length - 1]!.trim() === '') continue;
    out.push(line.trim() === '' ? '' : line);
  }
  return out;
}
