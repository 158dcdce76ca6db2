import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sign, signedHeaders, verify } from '../../server/channels/messenger/signature';
import { Sealer } from '../../server/security/sealed';

describe('webhook signatures', () => {
  const now = 1_700_000_000_000;
  const body = '{"hello":"world"}';
  const h = signedHeaders('code-123', body, now);
  const headers = { timestamp: h['x-parley-timestamp'], signature: h['x-parley-signature'] };

  it('verifies what it signed', () => {
    assert.equal(verify('code-123', headers, body, now), 'ok');
    assert.match(headers.signature!, /^v1=[0-9a-f]{64}$/);
  });
  it('refuses another secret, a tampered body, a re-dated request', () => {
    assert.equal(verify('code-124', headers, body, now), 'bad-signature');
    assert.equal(verify('code-123', headers, body.replace('world', 'World'), now), 'bad-signature');
    assert.equal(verify('code-123', { ...headers, timestamp: String(Number(headers.timestamp) + 1) }, body, now), 'bad-signature');
  });
  it('refuses stale and future timestamps, and missing headers', () => {
    assert.equal(verify('code-123', headers, body, now + 301_000), 'stale');
    assert.equal(verify('code-123', headers, body, now - 301_000), 'stale');
    assert.equal(verify('code-123', headers, body, now + 299_000), 'ok');
    assert.equal(verify('code-123', { timestamp: headers.timestamp }, body, now), 'missing');
    assert.equal(verify('code-123', { ...headers, timestamp: 'yesterday' }, body, now), 'stale');
  });
  it('matches a reference value (documented in the README)', () => {
    assert.equal(sign('secret', 1700000000, '{}'), 'v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163');
  });
});

describe('sealed secrets', () => {
  const sealer = new Sealer(Buffer.alloc(32, 9));
  it('round-trips and never shows the plaintext', () => {
    const sealed = sealer.seal('my confirmation code');
    assert.ok(!sealed.includes('confirmation'));
    assert.equal(sealer.open(sealed), 'my confirmation code');
    assert.notEqual(sealer.seal('x'), sealer.seal('x'), 'a fresh IV every time');
  });
  it('refuses a tampered or foreign value', () => {
    const sealed = sealer.seal('abc');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('abd').toString('base64url');
    assert.throws(() => sealer.open(parts.join('.')));
    assert.throws(() => new Sealer(Buffer.alloc(32, 1)).open(sealed));
    assert.throws(() => sealer.open('plain text'));
  });
});

describe('documented wire format', () => {
  it('docs/messenger.schema.json is generated from the schema the server enforces', async () => {
    const { readFileSync } = await import('node:fs');
    const { messengerJsonSchema } = await import('../../server/channels/messenger/wire');
    const committed = JSON.parse(readFileSync(new URL('../../docs/messenger.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(messengerJsonSchema())), 'run: node --import tsx scripts/messenger-schema.ts');
  });
});
