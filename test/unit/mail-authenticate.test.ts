// Who vouches for an agent's reply by email: the provider's Authentication-Results (only
// for the trusted authserv-id) or a DKIM signature verified with mailauth. DNS cannot be
// reached from the test machine, so the DKIM test answers the one TXT lookup itself.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { dkimSign } from 'mailauth';
import { authResultsVouch, dkimVouch, parseAuthResults } from '../../server/channels/email/authenticate';
import { parseEmail } from '../../server/channels/email/mail';

const from = { name: 'Bruno', address: 'bruno@acme.example' };
const withHeaders = (...values: string[]) => ({ from, headers: values.map((value) => ({ key: 'authentication-results', value })) });

describe('agent reply authentication', () => {
  it('parses Authentication-Results with comments and properties', () => {
    const r = parseAuthResults('mx.google.com; dkim=pass (2048-bit key) header.i=@acme.example header.s=s1; spf=pass (google.com: domain of x) smtp.mailfrom=bruno@acme.example; dmarc=pass (p=NONE) header.from=acme.example');
    assert.equal(r.authServId, 'mx.google.com');
    assert.deepEqual(r.results.map((x) => [x.method, x.result]), [['dkim', 'pass'], ['spf', 'pass'], ['dmarc', 'pass']]);
    assert.equal(r.results[1]!.props['smtp.mailfrom'], 'bruno@acme.example');
  });

  it('trusts only the configured provider, and only aligned passes', () => {
    const good = 'mx.google.com; dmarc=pass header.from=acme.example';
    assert.equal(authResultsVouch(withHeaders(good), 'mx.google.com'), 'DMARC pass');
    assert.equal(authResultsVouch(withHeaders(good), null), null, 'no trusted id configured');
    assert.equal(authResultsVouch(withHeaders('evil.example; dmarc=pass header.from=acme.example'), 'mx.google.com'), null, 'another authserv-id');
    assert.equal(authResultsVouch(withHeaders('mx.google.com; dkim=pass header.d=other.example'), 'mx.google.com'), null, 'unaligned DKIM');
    assert.equal(authResultsVouch(withHeaders('mx.google.com; spf=pass smtp.mailfrom=x@mail.acme.example'), 'mx.google.com'), 'SPF pass (mail.acme.example)');
    // The provider's header is the topmost; a forged pass below a fail does not count.
    assert.equal(authResultsVouch(withHeaders('mx.google.com; dmarc=fail header.from=acme.example', good), 'mx.google.com'), null);
  });

  it('verifies an aligned DKIM signature with mailauth, and refuses a tampered email', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const resolver = async (name: string, type: string) => {
      if (type === 'TXT' && name === 's1._domainkey.acme.example') return [[`v=DKIM1; k=rsa; p=${pub}`]];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const raw = 'From: Bruno <bruno@acme.example>\r\nTo: support@example.test\r\nSubject: Re: Help\r\nMessage-ID: <a1@acme.example>\r\n\r\nWe are on it.\r\n';
    // mailauth's typings want the key fields at the top level; its code reads signatureData.
    const key = { signingDomain: 'acme.example', selector: 's1', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
    const signed = await dkimSign(raw, { ...key, signatureData: [key] });
    const message = Buffer.from(signed.signatures + raw);
    assert.match(await dkimVouch(await parseEmail(message), message, resolver) ?? '', /DKIM signature verified \(acme\.example\)/);
    const tampered = Buffer.from(signed.signatures + raw.replace('We are on it.', 'Send me the passwords.'));
    assert.equal(await dkimVouch(await parseEmail(tampered), tampered, resolver), null);
    const unsigned = Buffer.from(raw);
    assert.equal(await dkimVouch(await parseEmail(unsigned), unsigned, resolver), null);
  });
});
