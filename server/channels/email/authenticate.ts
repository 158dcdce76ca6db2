// Does an email really come from the agent whose address is in From? Anyone can write
// any From, so an agent's reply by email counts only when something vouches for it:
// 1. the Authentication-Results header added by the mailbox provider (trusted only when
//    its authserv-id is the one configured for the inbox: a sender can add headers of
//    their own, but not above the provider's), with DMARC pass, or DKIM/SPF pass for a
//    domain aligned with From;
// 2. otherwise a DKIM signature aligned with From, verified here with mailauth (DNS).
// (The signed agent tag, the third way, is checked by the caller: threading.ts.)
import { dkimVerify } from 'mailauth';
import { header, headerValues, type ParsedEmail } from './mail';

export type DnsResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

const DKIM_TIMEOUT_MS = 5000;

export interface AuthResult {
  method: string;
  result: string;
  props: Record<string, string>;
}

/**
 * Parses one Authentication-Results value (RFC 8601): `authserv-id; method=result
 * prop=value ...; ...`. Hand-written because mailauth only writes this header and its
 * DKIM-header tokenizer does not handle A-R comments; the grammar needed here is small.
 */
export function parseAuthResults(value: string): { authServId: string; results: AuthResult[] } {
  const clauses = splitClauses(stripComments(value));
  const authServId = (clauses.shift() ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const results: AuthResult[] = [];
  for (const clause of clauses) {
    const words = clause.trim().split(/\s+/).filter(Boolean);
    const first = words.shift();
    if (!first?.includes('=')) continue;
    const [method, result] = first.split('=', 2) as [string, string];
    const props: Record<string, string> = {};
    for (const w of words) {
      const eq = w.indexOf('=');
      if (eq > 0) props[w.slice(0, eq).toLowerCase()] = w.slice(eq + 1).replace(/^"|"$/g, '');
    }
    results.push({ method: method.toLowerCase(), result: result.toLowerCase(), props });
  }
  return { authServId, results };
}

function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (const c of value) {
    if (c === '"' && depth === 0) quoted = !quoted;
    if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

function splitClauses(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.filter((c) => c.trim());
}

const domainOf = (addressOrDomain: string): string => addressOrDomain.slice(addressOrDomain.lastIndexOf('@') + 1).toLowerCase().replace(/\.$/, '');

/** Relaxed alignment (DMARC): the same organisational domain, approximated as one being a subdomain of the other. */
function aligned(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/** What in the provider's Authentication-Results vouches for the From domain, or null. */
export function authResultsVouch(mail: Pick<ParsedEmail, 'headers' | 'from'>, trustedAuthServId: string | null): string | null {
  if (!trustedAuthServId || !mail.from) return null;
  const fromDomain = domainOf(mail.from.address);
  // The topmost header with the trusted id is the provider's own.
  for (const value of headerValues(mail, 'authentication-results')) {
    const parsed = parseAuthResults(value);
    if (parsed.authServId !== trustedAuthServId.toLowerCase()) continue;
    for (const r of parsed.results) {
      if (r.result !== 'pass') continue;
      if (r.method === 'dmarc' && (!r.props['header.from'] || aligned(domainOf(r.props['header.from']), fromDomain))) return 'DMARC pass';
      const d = r.props['header.d'] ?? r.props['header.i'];
      if (r.method === 'dkim' && d && aligned(domainOf(d), fromDomain)) return `DKIM pass (${domainOf(d)})`;
      const m = r.props['smtp.mailfrom'];
      if (r.method === 'spf' && m && aligned(domainOf(m), fromDomain)) return `SPF pass (${domainOf(m)})`;
    }
    return null;
  }
  return null;
}

/** A DKIM signature aligned with From, verified with mailauth; null when none passes (or DNS is unreachable). */
export async function dkimVouch(mail: Pick<ParsedEmail, 'headers' | 'from'>, raw: Uint8Array, resolver?: DnsResolver): Promise<string | null> {
  if (!mail.from || !header(mail, 'dkim-signature')) return null;
  const fromDomain = domainOf(mail.from.address);
  try {
    const result = await Promise.race([
      dkimVerify(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), resolver ? { resolver } : {}),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), DKIM_TIMEOUT_MS).unref()),
    ]);
    const pass = result?.results.find((r) => r.status.result === 'pass' && aligned(r.signingDomain.toLowerCase(), fromDomain));
    return pass ? `DKIM signature verified (${pass.signingDomain})` : null;
  } catch {
    return null;
  }
}

export async function vouchForAgent(mail: ParsedEmail, raw: Uint8Array, trustedAuthServId: string | null, resolver?: DnsResolver): Promise<string | null> {
  return authResultsVouch(mail, trustedAuthServId) ?? (await dkimVouch(mail, raw, resolver));
}
