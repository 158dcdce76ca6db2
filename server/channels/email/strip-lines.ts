// The text rules of the reply stripper: classify each line once (quote, header, separator,
// header-field block, signature), then keep what comes before the first cut. Every step is a
// single pass or a bounded look around one line, so the whole is linear in the text length.
import {
  MAX_HEADER_LINES, MAX_LINE, fieldKind, headerCandidate, introducesQuote, isGenericHeader, isLanguageHeader, isMobileSignature, isRule,
  isSeparatorPhrase, mayEndHeader, type FieldKind,
} from './strip-patterns';

export interface LineRules {
  /** Keep "-- " signatures and "Sent from my iPhone" lines (they are cut by default). */
  keepSignature: boolean;
}

type Cut = 'header' | 'separator' | 'fields' | 'signature' | 'trailing-quote';

const isBlank = (line: string): boolean => line.trim() === '';
const isQuote = (line: string): boolean => /^[ \t]*>/.test(line);

/** CRLF to LF, no-break spaces to spaces, no trailing whitespace: what every rule expects. */
export function toLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').replace(/[\u00a0\u202f]/g, ' ').split('\n').map((l) => l.trimEnd());
  for (let i = 1; i < lines.length; i++) {
    // Gmail wraps a long header before the closing bracket ("... <test@example.com\n>:"), which
    // would read as a quoted line: put the bracket back where it belongs.
    if (/^>\s*[:：]$/.test(lines[i]!) && /<[^<>\s]+@[^<>\s]+$/.test(lines[i - 1]!.slice(-MAX_LINE))) {
      lines[i - 1] += lines[i]!.replace(/\s+/g, '');
      lines[i] = '';
    }
  }
  return lines;
}

const KIND_BIT: Record<FieldKind, number> = { from: 1, sent: 2, date: 4, to: 8, cc: 16, subject: 32 };

/** The start of an Outlook-style header block ("From: / Sent: / To: / Subject:") at line i, or -1. */
function fieldBlockAt(lines: string[], kindOf: (j: number) => FieldKind | null, i: number): number {
  let kinds = 0;
  let loose = 0;
  for (let j = i; j < lines.length && j < i + 14; j++) {
    const line = lines[j]!;
    if (line.length > MAX_LINE * 2 || isQuote(line)) break;
    const kind = kindOf(j);
    if (kind) {
      kinds |= KIND_BIT[kind];
      loose = 0;
    } else if (++loose > 2) {
      break; // a blank line between fields (one <p> per field) or a wrapped address is fine; more is body text
    }
  }
  // From and Subject and one more (Sent, Date or To): what every client writes, and what an
  // itinerary in a reply ("Data: 12 marzo / Da: Roma / A: Milano") does not.
  if (!(kinds & KIND_BIT.from) || !(kinds & KIND_BIT.subject) || !(kinds & (KIND_BIT.sent | KIND_BIT.date | KIND_BIT.to))) return -1;
  // Start at the rule or "Original Message" line drawn above the block, if any.
  let start = i;
  for (let j = i - 1, blanks = 0; j >= 0 && blanks <= 2; j--) {
    const line = lines[j]!;
    if (isBlank(line)) blanks++;
    else if (isRule(line) || isSeparatorPhrase(line)) start = j;
    else break;
  }
  return start;
}

/** The first line of a quote header ending at line i ("On ..., X\n<x@y>\nwrote:"), or -1. */
function headerEndingAt(lines: string[], i: number, cleanOf: (j: number) => string = (j) => headerCandidate(lines[j]!)): number {
  const candidates: string[] = [];
  let joined = '';
  for (let k = 0; k < MAX_HEADER_LINES && i - k >= 0; k++) {
    const line = lines[i - k]!;
    if (isBlank(line) || isQuote(line) || line.length > MAX_LINE) break;
    // Parts are already cleaned (whitespace collapsed, dashes trimmed), so joining them is enough.
    joined = k === 0 ? cleanOf(i) : `${cleanOf(i - k)} ${joined}`;
    if (isLanguageHeader(joined)) return i - k;
    candidates.push(joined);
  }
  // Without an opening word, take the shortest header and extend it upwards only over lines
  // that look like header parts (a date, an address), not over the sentence above it.
  for (let k = 1; k <= candidates.length; k++) {
    if (!isGenericHeader(candidates[k - 1]!)) continue;
    let start = i - k + 1;
    while (start > i - candidates.length + 1 && /[\d@<"(]/.test(lines[start - 1]!)) start--;
    return start;
  }
  return -1;
}

/** Where the quoted block that ends lines[0, end) starts (wrapped fragments inside it included), or end. */
function trailingQuoteStart(lines: string[], end: number): number {
  let j = end - 1;
  while (j >= 0 && isBlank(lines[j]!)) j--;
  if (j < 0 || !isQuote(lines[j]!)) return end;
  let start = j;
  for (; j >= 0; j--) {
    const line = lines[j]!;
    if (isQuote(line)) start = j;
    else if (isBlank(line)) continue;
    else if (j > 0 && isQuote(lines[j - 1]!) && isQuote(lines[j + 1] ?? '')) continue; // a quoted line the client wrapped
    else break;
  }
  // The line introducing it ("Something wrote:", "2013.02.08. 7:31, X írta:") goes with it.
  let above = start - 1;
  while (above >= 0 && isBlank(lines[above]!)) above--;
  const intro = above >= 0 ? introStart(lines, above) : -1;
  return intro >= 0 ? intro : start;
}

/** The first line of a header or quote introduction ending at line last, or -1. */
function introStart(lines: string[], last: number): number {
  const line = lines[last]!;
  if (line.length > MAX_LINE || isBlank(line) || isQuote(line)) return -1;
  const header = headerEndingAt(lines, last);
  if (header >= 0) return header;
  if (!introducesQuote(line)) return -1;
  let top = last;
  while (top > 0 && last - top < 2 && !isBlank(lines[top - 1]!) && !isQuote(lines[top - 1]!) &&
    lines[top - 1]!.length <= MAX_LINE && /[\d@<"(]/.test(lines[top - 1]!)) top--;
  return top;
}

/** Each line's cut, computed once and read by every attempt (with or without signatures, before or after the delimiter). */
export interface Classified {
  lines: string[];
  cuts: (Cut | undefined)[];
  /** For a header cut, the index of its last line. */
  headerLast: Map<number, number>;
}

export function classify(lines: string[]): Classified {
  const cuts: (Cut | undefined)[] = new Array(lines.length);
  const headerLast = new Map<number, number>();
  // Each line's field kind, computed once: a header block is looked for from every "From:" line.
  const kinds: (FieldKind | null | undefined)[] = new Array(lines.length);
  const kindOf = (j: number): FieldKind | null => {
    const line = lines[j]!;
    return (kinds[j] ??= line.length > MAX_LINE || isBlank(line) ? null : fieldKind(line.trim()));
  };
  // Each line as a header part (whitespace collapsed), computed once: a header is looked for over up to 4 lines.
  const cleaned: (string | undefined)[] = new Array(lines.length);
  const cleanOf = (j: number): string => (cleaned[j] ??= headerCandidate(lines[j]!));
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > MAX_LINE || isBlank(line) || isQuote(line)) continue;
    const t = line.trim();
    if (isSeparatorPhrase(t)) {
      cuts[i] ??= 'separator';
      continue;
    }
    if (t === '--' || isMobileSignature(t)) {
      cuts[i] ??= 'signature';
      continue;
    }
    if (kindOf(i)) {
      const start = fieldBlockAt(lines, kindOf, i);
      if (start >= 0) cuts[start] ??= 'fields';
    }
    if (mayEndHeader(t)) {
      const start = headerEndingAt(lines, i, cleanOf);
      if (start >= 0 && !cuts[start]) {
        cuts[start] = 'header';
        headerLast.set(start, i);
      }
    }
  }
  return { lines, cuts, headerLast };
}

/** After a quote header: the end (exclusive) of the quoted block under it, or -1 when none follows. */
function quoteBlockEnd(lines: string[], from: number): number {
  let j = from;
  while (j < lines.length && isBlank(lines[j]!)) j++;
  if (j >= lines.length || !isQuote(lines[j]!)) return -1;
  while (j < lines.length) {
    const line = lines[j]!;
    if (isQuote(line)) j++;
    else if (!isBlank(line) && isQuote(lines[j - 1]!) && isQuote(lines[j + 1] ?? '')) j++;
    else break;
  }
  return j;
}

/**
 * The new text among lines[0, end), and whether anything was cut. Empty when everything
 * looked quoted; the caller decides what to fall back to.
 */
export function keepNewLines(c: Classified, end: number, rules: LineRules): { lines: string[]; quoted: boolean } {
  const { lines, headerLast } = c;
  const tq = trailingQuoteStart(lines, end);
  const cutAt = (i: number): Cut | undefined => {
    if (i === tq) return 'trailing-quote';
    const cut = c.cuts[i];
    return cut === 'signature' && rules.keepSignature ? undefined : cut;
  };
  const kept: string[] = [];
  let keptText = false;
  let quoted = false;
  let pos = 0;
  for (;;) {
    let at = pos;
    while (at < end && !cutAt(at)) at++;
    for (let j = pos; j < at; j++) {
      kept.push(lines[j]!);
      keptText ||= !isBlank(lines[j]!);
    }
    if (at >= end) break;
    quoted = true;
    if (cutAt(at) !== 'header') break;
    const blockEnd = Math.min(quoteBlockEnd(lines, (headerLast.get(at) ?? at) + 1), end);
    if (blockEnd < 0) break;
    if (!keptText) {
      // Quote at the very top (a bottom-posted reply): drop it and read on.
      kept.length = 0;
      pos = blockEnd;
      continue;
    }
    // An inline reply (answers between quoted parts) keeps the quotes it answers.
    let t = blockEnd;
    while (t < end && isBlank(lines[t]!)) t++;
    let q = t;
    while (q < end && !isQuote(lines[q]!) && !cutAt(q)) q++;
    if (t < end && !cutAt(t) && q < end && isQuote(lines[q]!) && q > t) {
      for (let j = at; j < blockEnd; j++) kept.push(lines[j]!);
      pos = blockEnd;
      continue;
    }
    break;
  }
  // Quoted lines left at the bottom of what is kept (above a signature that was cut) go too.
  const tail = trailingQuoteStart(kept, kept.length);
  if (tail < kept.length) {
    kept.length = tail;
    quoted = true;
  }
  return { lines: trimBlank(kept), quoted };
}

export function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && isBlank(lines[a]!)) a++;
  while (b > a && isBlank(lines[b - 1]!)) b--;
  return lines.slice(a, b);
}

/** Lines without the quoted ('>') ones: the fallback when everything looked quoted. */
export function withoutQuotedLines(lines: string[]): string[] {
  return trimBlank(lines.filter((l) => !isQuote(l)));
}

/** Drops a quote header left at the end ("On ... wrote:" above a delimiter that was cut). */
export function dropTrailingIntro(lines: string[]): string[] {
  const out = trimBlank(lines);
  const start = out.length > 0 ? introStart(out, out.length - 1) : -1;
  return start >= 0 ? trimBlank(out.slice(0, start)) : out;
}
