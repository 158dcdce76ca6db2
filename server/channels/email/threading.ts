// The email threading contract (DESIGN.md, "Email threading contract"), defined once for
// both directions: the outbound mailer builds Message-IDs, Reply-To and subjects with it,
// and the inbound thread matcher reads the same clues back.
//
// A conversation token is the conversation id itself plus a signature, so a token maps to
// its conversation without a lookup and cannot be forged or guessed:
//   token = base32(uuid bytes) [26 chars] + base32(HMAC(key, "t:" + id))[:8]
// Lower-case base32 survives everything mail does to it: case-folding of local parts,
// subject rewriting, display-name quoting. Agent notifications add an agent tag
// (`<token>-<tag>`, tag = HMAC over conversation and agent): a reply carrying it proves it
// answers the notification that agent received, which is what lets an agent's reply by
// email through when the mail carries no usable DKIM/SPF/DMARC result.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MailAddress, ParsedEmail } from './mail';

export const DELIMITER = '### Please type your reply above this line ###';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const TOKEN_RE = /(?:^|[^a-z2-7])([a-z2-7]{34})(?:-([a-z2-7]{8}))?(?![a-z2-7])/;
const MESSAGE_ID_RE = /^parley\.([a-z2-7]{34})\.[a-z2-7]+@/;
const SUBJECT_TOKEN_RE = /\[#([a-z2-7]{34})\]/i;

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Buffer | null {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function uuidToBytes(id: string): Buffer | null {
  return UUID_RE.test(id) ? Buffer.from(id.replace(/-/g, ''), 'hex') : null;
}

function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The threading clues found in an inbound email, each naming the conversation it points to. */
export interface ThreadClues {
  /** Our Message-ID in In-Reply-To or References. */
  header: string | null;
  /** The token as a plus-address of a recipient. */
  address: string | null;
  /** The token in a recipient's display name (`Acme Support | <token>`). */
  displayName: string | null;
  /** The token in the subject (`[#<token>]`). */
  subject: string | null;
  /** Agents whose valid agent tag the email carries (replies to their notifications). */
  agentTags: Array<{ conversationId: string; tag: string }>;
}

export class MailThreading {
  constructor(private readonly key: Buffer) {}

  private sign(data: string, chars: number): string {
    return base32(createHmac('sha256', this.key).update(data).digest()).slice(0, chars);
  }

  /** The conversation's token (stable: the same conversation always gets the same one). */
  tokenFor(conversationId: string): string {
    const bytes = uuidToBytes(conversationId);
    if (!bytes) throw new Error(`not a conversation id: ${conversationId}`);
    return base32(bytes) + this.sign(`t:${conversationId}`, 8);
  }

  /** The conversation a token names, or null when it is malformed or its signature is wrong. */
  conversationOfToken(token: string): string | null {
    const t = token.toLowerCase();
    if (!/^[a-z2-7]{34}$/.test(t)) return null;
    const bytes = unbase32(t.slice(0, 26));
    if (!bytes || bytes.length < 16) return null;
    const id = bytesToUuid(bytes.subarray(0, 16));
    const expected = Buffer.from(this.sign(`t:${id}`, 8));
    const given = Buffer.from(t.slice(26));
    return timingSafeEqual(expected, given) ? id : null;
  }

  /** The tag that marks a notification sent to one agent about one conversation. */
  agentTag(conversationId: string, agentId: string): string {
    return this.sign(`a:${conversationId}:${agentId}`, 8);
  }

  verifyAgentTag(conversationId: string, agentId: string, tag: string): boolean {
    const expected = Buffer.from(this.agentTag(conversationId, agentId));
    const given = Buffer.from(tag.toLowerCase());
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** A fresh Message-ID for an email of the conversation, on the inbox's domain. */
  messageIdFor(conversationId: string, domain: string): string {
    return `parley.${this.tokenFor(conversationId)}.${base32(randomBytes(10))}@${domain}`;
  }

  /** The conversation of one of our Message-IDs (angle brackets optional), or null. */
  conversationOfMessageId(messageId: string): string | null {
    const m = messageId.replace(/^<|>$/g, '').toLowerCase().match(MESSAGE_ID_RE);
    return m ? this.conversationOfToken(m[1]!) : null;
  }

  isOurMessageId(messageId: string): boolean {
    return this.conversationOfMessageId(messageId) !== null;
  }

  /** `support+<token>[-<tag>]@domain`: the Reply-To address when the mailbox takes plus-addresses. */
  plusAddress(inboxAddress: string, token: string, agentTag?: string): string {
    const at = inboxAddress.lastIndexOf('@');
    return `${inboxAddress.slice(0, at)}+${token}${agentTag ? `-${agentTag}` : ''}${inboxAddress.slice(at)}`;
  }

  /** `Acme Support | <token>[-<tag>]`: the Reply-To display name, which survives where plus-addresses do not. */
  displayName(name: string, token: string, agentTag?: string): string {
    return `${name} | ${token}${agentTag ? `-${agentTag}` : ''}`;
  }

  /** `Re: <name> [#<token>]`; the first email of a thread (an operator writing first) goes without "Re:". */
  subject(conversationName: string, token: string, opts: { first?: boolean } = {}): string {
    const base = conversationName.replace(/\s*\[#[a-z2-7]{34}\]\s*/gi, ' ').trim();
    return `${opts.first ? '' : 'Re: '}${base.replace(/^(re|aw|fw|fwd|sv|vs|rif|r|odp|antw|ha):\s*/i, '')} [#${token}]`;
  }

  /** Every clue of an inbound email, each resolved to a conversation id (or null). */
  clues(mail: Pick<ParsedEmail, 'inReplyTo' | 'references' | 'to' | 'cc' | 'subject' | 'headers'>, inboxAddress: string): ThreadClues {
    const clues: ThreadClues = { header: null, address: null, displayName: null, subject: null, agentTags: [] };
    // Newest first: In-Reply-To, then References from the end.
    for (const id of [...mail.inReplyTo, ...[...mail.references].reverse()]) {
      const conv = this.conversationOfMessageId(id);
      if (conv) {
        clues.header = conv;
        break;
      }
    }
    const recipients: MailAddress[] = [...mail.to, ...mail.cc, ...deliveredTo(mail)];
    const [local, domain] = splitAddress(inboxAddress);
    for (const r of recipients) {
      const [rl, rd] = splitAddress(r.address);
      if (rd !== domain || !rl.startsWith(`${local}+`)) continue;
      const found = this.tokenIn(rl.slice(local.length + 1));
      if (found && !clues.address) clues.address = found.conversationId;
      if (found?.tag) clues.agentTags.push({ conversationId: found.conversationId, tag: found.tag });
    }
    for (const r of recipients) {
      if (!r.name.includes('|')) continue;
      const found = this.tokenIn(r.name.slice(r.name.lastIndexOf('|') + 1).trim().toLowerCase());
      if (found && !clues.displayName) clues.displayName = found.conversationId;
      if (found?.tag) clues.agentTags.push({ conversationId: found.conversationId, tag: found.tag });
    }
    const s = mail.subject.match(SUBJECT_TOKEN_RE);
    if (s) clues.subject = this.conversationOfToken(s[1]!.toLowerCase());
    return clues;
  }

  /** The first clue in the contract's order: headers, address, display name, subject. */
  firstConversation(clues: ThreadClues): { conversationId: string; clue: 'header' | 'address' | 'displayName' | 'subject' } | null {
    for (const clue of ['header', 'address', 'displayName', 'subject'] as const) {
      const id = clues[clue];
      if (id) return { conversationId: id, clue };
    }
    return null;
  }

  private tokenIn(text: string): { conversationId: string; tag: string | null } | null {
    const m = text.match(TOKEN_RE);
    if (!m) return null;
    const conversationId = this.conversationOfToken(m[1]!);
    return conversationId ? { conversationId, tag: m[2] ?? null } : null;
  }
}

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf('@');
  return at < 0 ? [address.toLowerCase(), ''] : [address.slice(0, at).toLowerCase(), address.slice(at + 1).toLowerCase()];
}

/** Delivered-To / X-Original-To carry the envelope recipient when To: lists only the plain address. */
function deliveredTo(mail: Pick<ParsedEmail, 'headers'>): MailAddress[] {
  return mail.headers
    .filter((h) => h.key === 'delivered-to' || h.key === 'x-original-to' || h.key === 'envelope-to')
    .map((h) => ({ name: '', address: h.value.replace(/[<>]/g, '').trim().toLowerCase() }))
    .filter((a) => a.address.includes('@'));
}
