import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { matchHeaderFilters, validateHeaderFilter } from '../../server/channels/email/filters';
import { parseEmail } from '../../server/channels/email/mail';
import type { HeaderFilter } from '../../server/core/types';

const spam = parseEmail(await readFile(new URL('../fixtures/mail/auto/spam-flagged.eml', import.meta.url)));
const human = parseEmail(await readFile(new URL('../fixtures/mail/auto/human-mentions-out-of-office.eml', import.meta.url)));

describe('header filters: matching', () => {
  it('substring, case-insensitive in both the header name and the pattern', async () => {
    const f: HeaderFilter = { header: 'x-spam-flag', pattern: 'yes' };
    assert.equal(matchHeaderFilters(await spam, [f]), f);
    assert.equal(matchHeaderFilters(await human, [f]), null);
  });

  it('an empty pattern matches when the header is present', async () => {
    const f: HeaderFilter = { header: 'X-Campaign', pattern: '' };
    assert.equal(matchHeaderFilters(await spam, [f]), f);
    assert.equal(matchHeaderFilters(await human, [f]), null);
  });

  it('a /regex/flags pattern, tested against the unfolded value', async () => {
    const score: HeaderFilter = { header: 'X-Spam-Status', pattern: '/^yes, score=\\d+\\.\\d required.*autolearn=no/i' };
    assert.equal(matchHeaderFilters(await spam, [score]), score);
    const caseSensitive: HeaderFilter = { header: 'X-Spam-Status', pattern: '/^YES/' };
    assert.equal(matchHeaderFilters(await spam, [caseSensitive]), null);
  });

  it('any value of a repeated header can match', async () => {
    const f: HeaderFilter = { header: 'Received', pattern: 'from c.example' };
    assert.equal(matchHeaderFilters(await spam, [f]), f);
  });

  it('the decoded Subject is tested as well as the raw one', async () => {
    const f: HeaderFilter = { header: 'Subject', pattern: 'große rabatte' };
    assert.equal(matchHeaderFilters(await spam, [f]), f);
  });

  it('the first matching filter wins; invalid filters never match', async () => {
    const bad: HeaderFilter = { header: 'X-Spam-Flag', pattern: '/(a+)+$/' };
    const first: HeaderFilter = { header: 'X-Nope', pattern: '' };
    const second: HeaderFilter = { header: 'X-Spam-Flag', pattern: 'YES' };
    const third: HeaderFilter = { header: 'X-Campaign', pattern: 'summer' };
    assert.equal(matchHeaderFilters(await spam, [bad, first, second, third]), second);
    assert.equal(matchHeaderFilters(await spam, []), null);
  });

  it('a hostile header value is cut before testing, so matching stays fast', async () => {
    const long = await parseEmail(Buffer.from(`From: a@b.example\r\nX-Long: ${'a'.repeat(200_000)}b\r\n\r\nHi\r\n`));
    const tail: HeaderFilter = { header: 'X-Long', pattern: 'ab' };
    assert.equal(matchHeaderFilters(long, [tail]), null, 'text past 4 KiB is not tested');
    // The worst a valid pattern can do: quadratic on 4 KiB.
    const quadratic: HeaderFilter = { header: 'X-Long', pattern: '/^a*a*c/' };
    assert.equal(validateHeaderFilter(quadratic), null);
    assert.equal(matchHeaderFilters(long, [quadratic]), null);
  });
});

describe('header filters: validation', () => {
  const ok = (header: string, pattern: string) => assert.equal(validateHeaderFilter({ header, pattern }), null, `${header}: ${pattern}`);
  const refused = (header: string, pattern: string, message: RegExp) => {
    const error = validateHeaderFilter({ header, pattern });
    assert.ok(error, `${header}: ${pattern} should be refused`);
    assert.match(error, message);
  };

  it('accepts ordinary filters', () => {
    ok('X-Spam-Flag', 'YES');
    ok('X-Spam-Flag', '');
    ok('List-Id', '/<news\\.shop\\.example>/');
    ok('X-Spam-Status', '/^yes,\\s+score=\\d/i');
    ok('Subject', '/(?:invoice|rechnung) \\d{4,}/i');
    ok('X-Mailer', '/^(PHPMailer)?x/');
    ok('X-Test', '/[(+*]+/');
    ok('Subject', '/ab/ not a regex');
  });

  it('refuses bad header names', () => {
    refused('', 'x', /header name is empty/);
    refused('X-Spam: Flag', 'x', /not a header name/);
    refused('X Spam', 'x', /not a header name/);
    refused('X-Spàm', 'x', /not a header name/);
  });

  it('refuses invalid regular expressions with the reason', () => {
    refused('Subject', '/(unclosed/', /Invalid regular expression .*Unterminated group/i);
    refused('Subject', '/a/g', /flags may only be i, m, s and u/);
  });

  it('refuses patterns that backtrack exponentially', () => {
    for (const p of ['/(a+)+$/', '/(a*)*b/', '/(\\w+\\s?)*$/', '/(a|aa)+$/', '/((ab)*c)+/', '/(?:x+y?){2,}/', '/(a+){3,10}/']) {
      refused('Subject', p, /Nested quantifiers/);
    }
    refused('Subject', '/(a*)\\1/', /Back-references/);
  });

  it('refuses too many unbounded repetitions (polynomial blow-up on a long header)', () => {
    refused('Subject', '/a*a*c/', /Too many unbounded repetitions/);
    refused('Subject', '/.*x.*y/', /Too many unbounded repetitions/);
    refused('Subject', '/^a*a*a*c/', /Too many/);
    refused('Subject', '/^a*|b*c*/', /Too many/);
    refused('Subject', '/^a*b*/m', /Too many/);
    ok('Subject', '/^yes,\\s*score=\\s*\\d/');
    ok('Subject', '/a{0,5}b{2,20}c+/');
  });

  it('allows quantified groups without inner quantifiers, and optional groups around them', () => {
    ok('Subject', '/(ab)+c/');
    ok('Subject', '/(a+)?b/');
    ok('Subject', '/(a+){1}/');
    ok('Subject', '/([a-z]+)x/');
  });

  it('refuses over-long patterns', () => {
    refused('Subject', 'x'.repeat(501), /longer than 500/);
  });
});
