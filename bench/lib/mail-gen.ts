// A deterministic mix of support-mailbox emails for the ingestion benchmark: new customer
// emails (plain, or text + HTML), replies quoting the previous message the way common
// clients do (Gmail, Outlook, Apple Mail, Thunderbird, German Outlook, French Gmail),
// some with small attachments, and a few auto-replies and bounces, which the loop guard
// ignores. Same seed, same bytes: runs are comparable.

export type MailKind = 'new-plain' | 'new-html' | 'reply' | 'attachment' | 'auto-reply' | 'bounce';

export interface GeneratedMail {
  kind: MailKind;
  /** Client style of a reply ('gmail', 'outlook', ...), or null. */
  style: string | null;
  /** The loop guard should ignore it (auto-reply, bounce). */
  ignored: boolean;
  raw: string;
}

/** mulberry32: a small seeded PRNG, enough for picking words. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Anna', 'Jonas', 'Maria', 'Li', 'Fatima', 'Tom', 'Chloé', 'Ravi', 'Olga', 'Kenji', 'Sara', 'Pedro', 'Aisha', 'Lukas', 'Emma', 'Noah'];
const LAST = ['Weber', 'Rossi', 'Nguyen', 'Kowalska', 'Haddad', 'Smith', 'Dubois', 'Patel', 'Ivanova', 'Tanaka', 'Berg', 'Silva', 'Okafor', 'Meyer'];
const DOMAINS = ['gmail.com', 'outlook.com', 'icloud.com', 'yahoo.com', 'gmx.de', 'orange.fr', 'example.net', 'firma.example'];
const TOPICS = [
  'Order {n} has not arrived', 'Refund for invoice {n}', 'Cannot log in to my account', 'Question about the premium plan',
  'Wrong size delivered (order {n})', 'Change my delivery address', 'Invoice {n} charged twice', 'How do I export my data?',
  'Discount code not accepted', 'Cancel my subscription', 'Damaged item in parcel {n}', 'API rate limits for plan {n}',
];
const SENTENCES = [
  'I ordered it two weeks ago and the tracking page has not changed since Monday.',
  'Could you please check what happened and let me know?',
  'My customer number is {n}, in case you need it.',
  'I already tried clearing the cache and using another browser.',
  'The payment went through on my side, the bank statement shows it twice.',
  'It would be great if this could be solved before the weekend.',
  'Thanks for the quick answer last time, it helped a lot.',
  'Is there a way to do this myself from the settings page?',
  'The error message says "something went wrong" and nothing else.',
  'We are a team of {n} people and all of us see the same problem.',
  'I attached a screenshot so you can see what I mean.',
  'Please call me back if that is easier, any time after 3 pm.',
];
const SUPPORT = 'Acme Support <support@acme.example>';

/** `prefix` starts every Message-ID: sets generated with different prefixes never share one. */
export function generateMails(count: number, opts: { seed?: number; to: string; autoEvery?: number; prefix?: string } = { to: 'support@acme.example' }): GeneratedMail[] {
  const rnd = prng(opts.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const num = () => String(1000 + Math.floor(rnd() * 90000));
  const fill = (s: string) => s.replace(/\{n\}/g, num);
  const paragraph = (n: number) => Array.from({ length: n }, () => fill(pick(SENTENCES))).join(' ');
  // 600 customers for 2,000 emails: many write more than once (returning senders).
  const people = Array.from({ length: 600 }, (_, i) => {
    const first = pick(FIRST);
    const last = pick(LAST);
    return { name: `${first} ${last}`, address: `${first}.${last}.${i}`.toLowerCase().normalize('NFD').replace(/[^\x00-\x7f]/g, '') + `@${pick(DOMAINS)}` };
  });
  const autoEvery = opts.autoEvery ?? 40;
  const base = Date.UTC(2024, 5, 3, 8, 0, 0);
  const out: GeneratedMail[] = [];
  for (let i = 0; i < count; i++) {
    const who = pick(people);
    const date = new Date(base + i * 97_000).toUTCString().replace('GMT', '+0000');
    const ctx: Ctx = { id: `${opts.prefix ?? 'bench'}.${i}`, i, who, date, to: opts.to, subject: fill(pick(TOPICS)), body: `Hello,\n\n${paragraph(2 + Math.floor(rnd() * 3))}\n\n${paragraph(1 + Math.floor(rnd() * 2))}\n\nBest regards,\n${who.name}`, rnd };
    if (i % autoEvery === autoEvery - 1) {
      out.push(i % (autoEvery * 2) === autoEvery - 1 ? autoReply(ctx) : bounce(ctx));
      continue;
    }
    const r = rnd();
    if (r < 0.3) out.push({ kind: 'new-plain', style: null, ignored: false, raw: plain(ctx, ctx.body) });
    else if (r < 0.5) out.push({ kind: 'new-html', style: null, ignored: false, raw: alternative(ctx, ctx.body) });
    else if (r < 0.9) out.push(reply(ctx, pick(STYLES), paragraph(1 + Math.floor(rnd() * 2))));
    else out.push(withAttachment(ctx, Math.floor(1024 + rnd() * 15 * 1024)));
  }
  return out;
}

interface Ctx {
  /** Unique per email of a set: the Message-ID's left part. */
  id: string;
  i: number;
  who: { name: string; address: string };
  date: string;
  to: string;
  subject: string;
  body: string;
  rnd: () => number;
}

function headers(c: Ctx, extra: string[] = [], subject = c.subject): string[] {
  return [
    `Return-Path: <${c.who.address}>`,
    `From: ${encodeWord(c.who.name)} <${c.who.address}>`,
    `To: ${SUPPORT.replace('support@acme.example', c.to)}`,
    `Subject: ${encodeWord(subject)}`,
    `Date: ${c.date}`,
    `Message-ID: <${c.id}.${c.who.address.split('@')[0]}@${c.who.address.split('@')[1]}>`,
    'MIME-Version: 1.0',
    ...extra,
  ];
}

function encodeWord(s: string): string {
  return /[^\x20-\x7e]/.test(s) ? `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=` : s;
}

function qp(text: string): string {
  return text.split('\n').map((line) => {
    const enc = Buffer.from(line, 'utf8');
    let out = '';
    let len = 0;
    for (const byte of enc) {
      const ch = byte === 0x3d || byte > 0x7e || (byte < 0x20 && byte !== 0x09) ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
      if (len + ch.length > 75) {
        out += '=\n';
        len = 0;
      }
      out += ch;
      len += ch.length;
    }
    return out;
  }).join('\n');
}

function paras(text: string): string {
  return text.split('\n\n').map((p) => `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\n/g, '<br>')}</p>`).join('\n');
}

function html(text: string, tail = ''): string {
  return `<html><head><meta charset="utf-8"></head><body><div style="font-family: Calibri, sans-serif">${paras(text)}</div>${tail}</body></html>`;
}

function plain(c: Ctx, body: string, extra: string[] = [], subject?: string): string {
  return [...headers(c, extra, subject), 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', qp(body), ''].join('\n');
}

function alternative(c: Ctx, text: string, htmlBody = html(text), extra: string[] = [], subject?: string): string {
  const b = `alt_${c.i}_boundary`;
  return [
    ...headers(c, extra, subject), `Content-Type: multipart/alternative; boundary="${b}"`, '',
    `--${b}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', qp(text), '',
    `--${b}`, 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', qp(htmlBody), '',
    `--${b}--`, '',
  ].join('\n');
}

const STYLES = ['gmail', 'outlook', 'apple', 'thunderbird', 'outlook-de', 'gmail-fr'] as const;

function quoted(text: string): string {
  return text.split('\n').map((l) => (l ? `> ${l}` : '>')).join('\n');
}

function reply(c: Ctx, style: (typeof STYLES)[number], answer: string): GeneratedMail {
  const previous = `Hello ${c.who.name.split(' ')[0]},\n\nthank you for your message. ${'We have looked into it and need one more detail: the order number or the email address used for the purchase.'}\n\nBest regards,\nSam\nAcme Support`;
  const text = `Hi Sam,\n\n${answer}\n\n${c.who.name.split(' ')[0]}`;
  const subject = `Re: ${c.subject}`;
  const when = 'Tue, Jun 4, 2024 at 5:02 PM';
  const inReplyTo = [`In-Reply-To: <support.${c.i}@acme.example>`, `References: <bench.first.${c.i}@example.net> <support.${c.i}@acme.example>`];
  switch (style) {
    case 'gmail':
      return { kind: 'reply', style, ignored: false, raw: alternative(c, `${text}\n\nOn ${when} ${SUPPORT} wrote:\n\n${quoted(previous)}\n`,
        html(text, `<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On ${when} Acme Support &lt;support@acme.example&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">${paras(previous)}</blockquote></div>`), inReplyTo, subject) };
    case 'outlook': {
      const block = `From: ${SUPPORT}\nSent: Tuesday, June 4, 2024 5:02 PM\nTo: ${c.who.name} <${c.who.address}>\nSubject: ${c.subject}`;
      return { kind: 'reply', style, ignored: false, raw: alternative(c, `${text}\n\n________________________________\n${block}\n\n${previous}\n`,
        html(text, `<div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif"><b>From:</b> Acme Support &lt;support@acme.example&gt;<br><b>Sent:</b> Tuesday, June 4, 2024 5:02 PM<br><b>Subject:</b> ${c.subject}</font><div>&nbsp;</div></div>${paras(previous)}`), inReplyTo, `RE: ${c.subject}`) };
    }
    case 'apple':
      return { kind: 'reply', style, ignored: false, raw: plain(c, `${text}\n\nSent from my iPhone\n\n> On 4 Jun 2024, at 17:02, ${SUPPORT} wrote:\n>\n${quoted(previous)}\n`, inReplyTo, subject) };
    case 'thunderbird':
      return { kind: 'reply', style, ignored: false, raw: plain(c, `${text}\n\nOn 04/06/2024 17:02, Acme Support wrote:\n${quoted(previous)}\n`, inReplyTo, subject) };
    case 'outlook-de':
      return { kind: 'reply', style, ignored: false, raw: plain(c, `Hallo Sam,\n\n${answer}\n\nGrüße\n${c.who.name}\n\n-----Ursprüngliche Nachricht-----\nVon: ${SUPPORT}\nGesendet: Dienstag, 4. Juni 2024 17:02\nAn: ${c.who.address}\nBetreff: ${c.subject}\n\n${previous}\n`, inReplyTo, `AW: ${c.subject}`) };
    case 'gmail-fr':
      return { kind: 'reply', style, ignored: false, raw: plain(c, `Bonjour Sam,\n\n${answer}\n\nCordialement,\n${c.who.name}\n\nLe mar. 4 juin 2024 à 17:02, ${SUPPORT} a écrit :\n\n${quoted(previous)}\n`, inReplyTo, subject) };
  }
}

function withAttachment(c: Ctx, size: number): GeneratedMail {
  const b = `mixed_${c.i}_boundary`;
  const png = c.rnd() < 0.5;
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(c.rnd() * 256);
  const name = png ? `screenshot-${c.i}.png` : `invoice-${c.i}.pdf`;
  const type = png ? 'image/png' : 'application/pdf';
  return {
    kind: 'attachment', style: null, ignored: false, raw: [
      ...headers(c), `Content-Type: multipart/mixed; boundary="${b}"`, '',
      `--${b}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', qp(c.body), '',
      `--${b}`, `Content-Type: ${type}; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`, 'Content-Transfer-Encoding: base64', '',
      bytes.toString('base64').replace(/.{76}/g, '$&\n'), `--${b}--`, '',
    ].join('\n'),
  };
}

function autoReply(c: Ctx): GeneratedMail {
  const raw = plain(c, `Thank you for your email. I am out of the office until June 17 with no access to email.\n\nFor urgent matters please contact my colleague.\n\n${c.who.name}`,
    ['Auto-Submitted: auto-replied', 'X-Autoreply: yes', `In-Reply-To: <support.${c.i}@acme.example>`], `Automatic reply: ${c.subject}`);
  return { kind: 'auto-reply', style: null, ignored: true, raw };
}

function bounce(c: Ctx): GeneratedMail {
  const b = `dsn_${c.i}_boundary`;
  const host = c.who.address.split('@')[1];
  const raw = [
    'Return-Path: <>',
    `From: MAILER-DAEMON@mx.${host} (Mail Delivery System)`,
    `To: ${c.to}`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${c.date}`,
    `Message-ID: <bounce.${c.id}@mx.${host}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`, '',
    `--${b}`, 'Content-Type: text/plain; charset=us-ascii', '',
    `This is the mail system at host mx.${host}.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<${c.who.address}>: host mx.${host} said: 550 5.1.1 User unknown`, '',
    `--${b}`, 'Content-Type: message/delivery-status', '',
    `Reporting-MTA: dns; mx.${host}\n\nFinal-Recipient: rfc822; ${c.who.address}\nOriginal-Recipient: rfc822;${c.who.address}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown`, '',
    `--${b}`, 'Content-Type: text/rfc822-headers', '',
    `From: ${SUPPORT}\nTo: ${c.who.address}\nSubject: Re: ${c.subject}\nMessage-ID: <support.${c.i}@acme.example>`, '',
    `--${b}--`, '',
  ].join('\n');
  return { kind: 'bounce', style: null, ignored: true, raw };
}

/**
 * One 2 MiB paragraph sent format=flowed: every line ends in a space (a soft break), so the
 * decoded text is a single line of two megabytes, the worst case for line-based rules.
 */
export function flowedParagraph(bytes = 2 * 1024 * 1024, to = 'support@acme.example'): string {
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore'.split(' ');
  const lines: string[] = [];
  let size = 0;
  let w = 0;
  while (size < bytes) {
    let line = '';
    while (line.length < 70) line += `${words[w++ % words.length]} `;
    lines.push(line);
    size += line.length + 1;
  }
  return [
    'From: Flow Writer <flow@example.net>', `To: ${to}`, 'Subject: One very long paragraph', 'Date: Mon, 3 Jun 2024 08:00:00 +0000',
    'Message-ID: <flowed.2mib@example.net>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=us-ascii; format=flowed', 'Content-Transfer-Encoding: 7bit', '',
    lines.join('\n'), '',
  ].join('\n');
}
