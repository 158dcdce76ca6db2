import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { classify, type GuardContext, type MailKind } from '../../server/channels/email/guard';
import { parseEmail, type ParsedEmail } from '../../server/channels/email/mail';

const FIXTURES = new URL('../fixtures/mail/auto/', import.meta.url);
const ctx: GuardContext = { isOurMessageId: (id) => id.startsWith('parley.') };

async function fixture(name: string): Promise<ParsedEmail> {
  return parseEmail(await readFile(new URL(name, FIXTURES)));
}

/** A small email from header lines and a body. */
function raw(headers: string, body = 'Hello'): Promise<ParsedEmail> {
  const head = headers.trim().split('\n').map((l) => l.trim()).join('\r\n');
  return parseEmail(Buffer.from(`${head}\r\nMIME-Version: 1.0\r\n\r\n${body}\r\n`));
}

interface Case {
  file: string;
  kind: MailKind;
  recipients?: string[];
  /** The reason must name this evidence. */
  evidence: RegExp;
  list?: boolean;
}

const cases: Case[] = [
  { file: 'gmail-vacation.eml', kind: 'auto-reply', evidence: /Auto-Submitted: auto-replied/ },
  { file: 'office365-automatic-reply.eml', kind: 'auto-reply', evidence: /Automatische Antwort.*Auto-Submitted: auto-generated.*Mailbox Rules Agent/ },
  { file: 'exchange-abwesenheitsnotiz.eml', kind: 'auto-reply', evidence: /subject "Abwesenheitsnotiz:/ },
  { file: 'outlook-out-of-office-legacy.eml', kind: 'auto-reply', evidence: /subject "Out of Office: .*" with X-Auto-Response-Suppress/ },
  { file: 'outlook-reponse-automatique-fr.eml', kind: 'auto-reply', evidence: /Réponse automatique/ },
  { file: 'risposta-automatica-it.eml', kind: 'auto-reply', evidence: /subject "Risposta automatica:/ },
  { file: 'respuesta-automatica-es.eml', kind: 'auto-reply', evidence: /subject "Respuesta automática:/ },
  { file: 'avtootvet-ru.eml', kind: 'auto-reply', evidence: /subject "Автоматический ответ:/ },
  { file: 'yahoo-vacation.eml', kind: 'auto-reply', evidence: /X-Autoreply: yes/ },
  { file: 'icloud-vacation.eml', kind: 'auto-reply', evidence: /X-Apple-Action: VACATION/ },
  {
    file: 'postfix-dsn.eml',
    kind: 'bounce',
    // The delayed recipient has not bounced (yet).
    recipients: ['visitor.one@customer.example'],
    evidence: /multipart\/report; report-type=delivery-status/,
  },
  { file: 'exchange-ndr.eml', kind: 'bounce', recipients: ['jane.doe@contoso.example'], evidence: /report-type=delivery-status.*sender is postmaster@/ },
  { file: 'qmail-bounce.eml', kind: 'bounce', recipients: ['gone@hosting.example', 'full@hosting.example'], evidence: /sender is mailer-daemon@mail\.hosting\.example/ },
  { file: 'gmail-dsn-failure.eml', kind: 'bounce', recipients: ['no.such.user@gmail.example'], evidence: /X-Failed-Recipients/ },
  { file: 'arf-complaint.eml', kind: 'complaint', recipients: ['complainer@isp.example'], evidence: /report-type=feedback-report/ },
  { file: 'read-receipt.eml', kind: 'auto-reply', evidence: /disposition-notification \(read receipt\)/ },
  { file: 'mailing-list.eml', kind: 'normal', evidence: /mailing-list message \(List-Id\)/, list: true },
  { file: 'human-mentions-out-of-office.eml', kind: 'normal', evidence: /no sign of/ },
  { file: 'human-announces-vacation.eml', kind: 'normal', evidence: /no sign of/ },
  { file: 'our-own-notification.eml', kind: 'auto-reply', evidence: /^our own email$/ },
  { file: 'auto-submitted-no.eml', kind: 'normal', evidence: /Auto-Submitted: no/ },
];

describe('loop guard: fixtures', () => {
  for (const c of cases) {
    it(`${c.file} is ${c.kind}`, async () => {
      const verdict = classify(await fixture(c.file), ctx);
      assert.equal(verdict.kind, c.kind, verdict.reason);
      assert.deepEqual(verdict.bouncedRecipients, c.recipients ?? []);
      assert.ok(verdict.reason.length > 0);
      assert.match(verdict.reason, c.evidence);
      assert.equal(verdict.list, c.list ?? false);
    });
  }

  it('our own Message-ID is only recognised through the context', async () => {
    const mail = await fixture('our-own-notification.eml');
    assert.equal(classify(mail).kind, 'normal');
    assert.equal(classify(mail, {}).kind, 'normal');
  });
});

describe('loop guard: rules', () => {
  it('X-Auto-Response-Suppress alone is a request to the recipient, not evidence', async () => {
    const v = classify(await raw(`From: a@customer.example\nSubject: Meeting notes\nX-Auto-Response-Suppress: All`));
    assert.equal(v.kind, 'normal');
  });

  it('a loose subject counts only with a responder header, and never on a reply', async () => {
    const loose = await raw(`From: a@customer.example\nSubject: Auto: Your order\nX-MS-Exchange-Inbox-Rules-Loop: a@customer.example`);
    assert.equal(classify(loose).kind, 'auto-reply');
    assert.match(classify(loose).reason, /with X-MS-Exchange-Inbox-Rules-Loop/);
    const reply = await raw(`From: a@customer.example\nSubject: RE: Out of office\nX-Auto-Response-Suppress: All`);
    assert.equal(classify(reply).kind, 'normal');
    const bare = await raw(`From: a@customer.example\nSubject: Out of office`);
    assert.equal(classify(bare).kind, 'normal');
  });

  it('Precedence: bulk is automatic unless list software sent it; Precedence: list only sets list', async () => {
    const bulk = classify(await raw(`From: news@shop.example\nSubject: Deals\nPrecedence: bulk`));
    assert.deepEqual([bulk.kind, bulk.list], ['auto-reply', false]);
    assert.match(bulk.reason, /Precedence: bulk/);
    const oldList = classify(await raw(`From: a@b.example\nSubject: Re: patch\nSender: owner-dev@lists.example\nPrecedence: bulk`));
    assert.deepEqual([oldList.kind, oldList.list], ['normal', true]);
    const list = classify(await raw(`From: a@b.example\nSubject: hello\nPrecedence: list`));
    assert.deepEqual([list.kind, list.list], ['normal', true]);
    const autoReply = classify(await raw(`From: a@b.example\nSubject: hello\nPrecedence: auto_reply`));
    assert.equal(autoReply.kind, 'auto-reply');
  });

  it('postmaster@ is a person unless the email reads like a bounce', async () => {
    const person = classify(await raw(`From: Postmaster <postmaster@customer.example>\nSubject: Your DNS records`, 'Hi, please check your SPF record.'));
    assert.equal(person.kind, 'normal');
    const ndr = classify(await raw(`From: postmaster@customer.example\nSubject: Notice`, 'Your message could not be delivered to <x@customer.example>.'));
    assert.deepEqual([ndr.kind, ndr.bouncedRecipients], ['bounce', ['x@customer.example']]);
  });

  it('From: MAILER-DAEMON <> without an address is a bounce', async () => {
    const v = classify(await raw(`From: MAILER-DAEMON <>\nTo: support@acme.example\nSubject: Mail delivery failed`,
      'There was an error delivering your mail to <lost@customer.example>.\n\nMessage headers follow.\n\nReceived: from x\nTo: <lost@customer.example>'));
    assert.deepEqual([v.kind, v.bouncedRecipients], ['bounce', ['lost@customer.example']]);
    assert.match(v.reason, /sender is MAILER-DAEMON/);
  });

  it('a null sender alone is automatic; bounce or auto-reply follows the wording', async () => {
    const auto = classify(await raw(`Return-Path: <>\nFrom: a@customer.example\nSubject: Thanks`, 'We received your message.'));
    assert.deepEqual([auto.kind, auto.reason], ['auto-reply', 'null sender (Return-Path: <>)']);
    const bounce = classify(await raw(`Return-Path: <>\nFrom: a@customer.example\nSubject: Notice`, 'Your message could not be delivered.'));
    assert.equal(bounce.kind, 'bounce');
  });

  it('a person forwarding a bounce as an attachment is a normal email', async () => {
    const v = classify(await raw(
      `From: a@customer.example\nSubject: Fwd: what is this?\nContent-Type: multipart/mixed; boundary="b"`,
      '--b\r\nContent-Type: text/plain\r\n\r\nI got this, can you help?\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n' +
        'From: MAILER-DAEMON@x.example\r\nSubject: Undelivered Mail Returned to Sender\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="c"\r\n\r\n' +
        '--c\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; z@x.example\r\nAction: failed\r\n--c--\r\n--b--',
    ));
    assert.equal(v.kind, 'normal', v.reason);
  });

  it('a DSN whose recipients were all delayed is a bounce naming nobody', async () => {
    const v = classify(await raw(
      `From: MAILER-DAEMON@mx.example\nSubject: Delayed Mail (still being retried)\nContent-Type: multipart/report; report-type=delivery-status; boundary="d"`,
      '--d\r\nContent-Type: text/plain\r\n\r\nStill trying <late@customer.example>\r\n--d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; late@customer.example\r\nAction: delayed\r\nStatus: 4.4.1\r\n--d--',
    ));
    assert.deepEqual([v.kind, v.bouncedRecipients], ['bounce', []]);
  });

  it('Amazon SES notifications by email: bounce and complaint with their recipients', async () => {
    const sns = (type: string, list: string) =>
      raw(`From: AWS Notifications <no-reply@sns.amazonaws.com>\nSubject: AWS Notification Message`,
        JSON.stringify({ Type: 'Notification', Message: JSON.stringify({ notificationType: type, ...JSON.parse(list) }) }, null, 2));
    const bounce = classify(await sns('Bounce', '{"bounce":{"bouncedRecipients":[{"emailAddress":"Gone@Customer.example"}]}}'));
    assert.deepEqual([bounce.kind, bounce.bouncedRecipients, bounce.reason], ['bounce', ['gone@customer.example'], 'Amazon SES bounce notification']);
    const complaint = classify(await sns('Complaint', '{"complaint":{"complainedRecipients":[{"emailAddress":"angry@customer.example"}]}}'));
    assert.deepEqual([complaint.kind, complaint.bouncedRecipients], ['complaint', ['angry@customer.example']]);
  });

  it('Apple Mail unsubscribe requests are complaints from the sender', async () => {
    const v = classify(await raw(`From: someone@icloud.example\nSubject: unsubscribe\nAuto-Submitted: auto-replied\nX-Apple-Unsubscribe: true`));
    assert.deepEqual([v.kind, v.bouncedRecipients], ['complaint', ['someone@icloud.example']]);
  });

  it('X-Autoreply: no and Auto-Submitted: no say a person wrote it', async () => {
    const v = classify(await raw(`From: a@customer.example\nSubject: Hi\nX-Autoreply: no\nAuto-Submitted: no`));
    assert.equal(v.kind, 'normal');
  });

  it('Exchange-generated messages are automatic', async () => {
    const v = classify(await raw(`From: Microsoft Outlook <notify@customer.example>\nSubject: Notification\nX-MS-Exchange-Generated-Message-Source: Transport Rule Agent`));
    assert.equal(v.kind, 'auto-reply');
    assert.match(v.reason, /Transport Rule Agent/);
  });

  it('a list server\'s own notice is a bounce; a person\'s post to a list is not', async () => {
    const notice = classify(await raw(`From: shop-list-admin@lists.example\nSubject: You are not a member\nX-MLServer: fml [fml 4.0.3]\nMailing-List: contact shop-help@lists.example`, 'You are not a member of this list.'));
    assert.equal(notice.kind, 'bounce');
    assert.match(notice.reason, /mailing-list server's notice \(X-MLServer\)/);
    const post = classify(await raw(`From: carla@customer.example\nSubject: Question\nX-Mailman-Version: 2.1\nList-Id: <shop.lists.example>`, 'Hello all'));
    assert.equal(post.kind, 'normal');
    assert.equal(post.list, true);
  });

  it('a MIME parameter on an unindented continuation line is repaired: the bounce text is read', async () => {
    const b = 'XY-123';
    const mail = await parseEmail(Buffer.from([
      'From: post_master@sms.example', 'To: a@customer.example', 'Subject: Re:Hello', 'MIME-Version: 1.0',
      'Content-Type: multipart/alternative;', `boundary="${b}"`, '',
      `--${b}`, 'Content-Type: text/plain; charset=us-ascii', '', 'Error: Invalid user address', '550 - Requested action not taken: no such user here', '',
      `--${b}--`, '',
    ].join('\r\n')));
    assert.match(mail.text, /Invalid user address/);
    assert.equal(classify(mail).kind, 'bounce');
  });
});
