// Header filters: step 2 of deciding what an inbound email is. An admin lists headers that
// mark mail to set aside (X-Spam-Flag: YES, a vendor's X-Campaign header...); the first
// filter that matches wins. Pure, and safe against hostile input:
// - the header value tested is capped at MAX_VALUE (4 KiB), so a pattern's running time is
//   bounded by the pattern, never by what a sender puts in a header;
// - validateHeaderFilter refuses the regular expressions that backtrack badly on a hostile
//   header: a repeated group that contains a quantifier or an alternation (`(a+)+`,
//   `(a|aa)*`, `(\w+\s?)*`: exponential), back-references (`(a*)\1`), and too many unbounded
//   repetitions (`*`, `+`, `{n,}`, `{n,m}` with m > 20). Each repetition multiplies the work
//   by the length of the value, and so does an unanchored search: `.*a.*c` on 4 KiB takes
//   seconds, `a*c` or `^a*a*c` milliseconds. So: one repetition, or two when the pattern is
//   anchored with a leading ^ (without the m flag). A filter only tests for a match, so
//   `score=\d+` can be `score=\d`, and `[ab]+` replaces `(a|b)+`.
import type { HeaderFilter } from '../../core/types';
import { headerValues, type ParsedEmail } from './mail';

export const MAX_VALUE = 4 * 1024;
const MAX_PATTERN = 500;
const ALLOWED_FLAGS = /^[imsu]*$/;
/** RFC 5322 field-name: printable US-ASCII except the colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]{1,100}$/;

type Matcher = (value: string) => boolean;
const compiled = new Map<string, Matcher | null>();

/** The first filter whose header is present (empty pattern) or whose pattern matches one of
 * the header's values; null when none does. Invalid filters never match. */
export function matchHeaderFilters(mail: ParsedEmail, filters: HeaderFilter[]): HeaderFilter | null {
  for (const filter of filters) {
    const matcher = matcherFor(filter);
    if (!matcher) continue;
    const values = headerValues(mail, filter.header.trim());
    // The decoded subject too, so "Subject contains Rechnung" works on an encoded-word subject.
    if (filter.header.trim().toLowerCase() === 'subject' && mail.subject) values.push(mail.subject);
    if (values.some((v) => matcher(v.slice(0, MAX_VALUE)))) return filter;
  }
  return null;
}

/** A sentence saying what is wrong with a filter, or null when it is valid. */
export function validateHeaderFilter(f: HeaderFilter): string | null {
  if (typeof f?.header !== 'string' || typeof f.pattern !== 'string') return 'A filter needs a header name and a pattern (the pattern may be empty).';
  const name = f.header.trim();
  if (!name) return 'The header name is empty.';
  if (!FIELD_NAME.test(name)) return `"${name.slice(0, 100)}" is not a header name: use letters, digits and dashes, without a colon (e.g. X-Spam-Flag).`;
  if (f.pattern.length > MAX_PATTERN) return `The pattern is longer than ${MAX_PATTERN} characters.`;
  const regex = parseRegexLiteral(f.pattern);
  if (!regex) return null;
  if (!ALLOWED_FLAGS.test(regex.flags)) return `Regular expression flags may only be i, m, s and u (got "${regex.flags}").`;
  try {
    new RegExp(regex.source, regex.flags);
  } catch (err) {
    return `Invalid regular expression ${f.pattern}: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  return backtrackingRisk(regex.source, regex.flags);
}

function matcherFor(filter: HeaderFilter): Matcher | null {
  const key = `${filter.header}\n${filter.pattern}`;
  if (compiled.has(key)) return compiled.get(key)!;
  let matcher: Matcher | null = null;
  if (validateHeaderFilter(filter) === null) {
    const regex = parseRegexLiteral(filter.pattern);
    if (filter.pattern === '') matcher = () => true;
    else if (regex) {
      const re = new RegExp(regex.source, regex.flags);
      matcher = (v) => re.test(v);
    } else {
      const needle = filter.pattern.toLowerCase();
      matcher = (v) => v.toLowerCase().includes(needle);
    }
  }
  if (compiled.size > 1000) compiled.clear();
  compiled.set(key, matcher);
  return matcher;
}

/** `/source/flags` -> its parts; anything else is a plain substring pattern. */
function parseRegexLiteral(pattern: string): { source: string; flags: string } | null {
  const m = /^\/(.+)\/([a-z]*)$/s.exec(pattern);
  return m ? { source: m[1]!, flags: m[2]! } : null;
}

interface Group {
  /** The group's body contains a quantifier or an alternation. */
  risky: boolean;
}

/** Scans a pattern for the constructs named in the header comment; null when none. */
function backtrackingRisk(source: string, flags: string): string | null {
  const stack: Group[] = [{ risky: false }];
  let unbounded = 0;
  let topLevelAlternation = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      if (/[1-9k]/.test(source[i + 1] ?? '')) return 'Back-references (\\1, \\k<name>) are not allowed in header filters.';
      i++;
      continue;
    }
    if (c === '[') {
      i = classEnd(source, i);
      continue;
    }
    if (c === '(') {
      stack.push({ risky: false });
      if (source[i + 1] === '?') i++; // (?: (?= (?! (?<name> (?<= are not quantifiers
      continue;
    }
    if (c === ')') {
      const group = stack.length > 1 ? stack.pop()! : { risky: false };
      const q = quantifierAt(source, i + 1);
      if (q && q.max > 1 && group.risky) {
        return `Nested quantifiers can make this pattern run for minutes: a repeated group may not contain a quantifier or | (use a character class such as [ab]+ instead of (a|b)+).`;
      }
      stack.at(-1)!.risky ||= group.risky || q !== null;
      continue;
    }
    if (c === '|') {
      stack.at(-1)!.risky = true;
      topLevelAlternation ||= stack.length === 1;
    }
    const q = quantifierAt(source, i);
    if (!q) continue;
    stack.at(-1)!.risky = true;
    if (q.max > 20) unbounded++;
    i += q.length - 1;
  }
  const anchored = source.startsWith('^') && !topLevelAlternation && !flags.includes('m');
  if (unbounded > (anchored ? 2 : 1)) {
    return `Too many unbounded repetitions (*, +, {n,}): a pattern may have one, or two when it starts with ^; each one multiplies the work on a long header. A filter only needs to find a match, so \\d+ at the end can be \\d.`;
  }
  return null;
}

/** The quantifier starting at i (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, lazy or not). */
function quantifierAt(source: string, i: number): { length: number; max: number } | null {
  const c = source[i];
  let length = 1;
  let max: number;
  if (c === '*' || c === '+') max = Infinity;
  else if (c === '?') max = 1;
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (!m) return null;
    length = m[0].length;
    max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
  } else return null;
  if (source[i + length] === '?') length++;
  return { length, max };
}

function classEnd(source: string, start: number): number {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === ']') return i;
  }
  return source.length;
}
