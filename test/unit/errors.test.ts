import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRORS, ParleyError } from '../../server/core/errors';

describe('error registry', () => {
  for (const [code, def] of Object.entries(ERRORS)) {
    it(`${code} has a 4xx/5xx status and a sentence that says what to do`, () => {
      assert.ok(def.status >= 400 && def.status < 600);
      assert.match(code, /^[A-Z][A-Z_]+$/);
      assert.match(def.message, /^[A-Z].{15,}\.$/, 'a full sentence');
      // Every message ends with an instruction or an explanation, never just "Error".
      assert.ok(!/^error\b/i.test(def.message));
    });
  }

  it('ParleyError carries the registry status and body', () => {
    const err = new ParleyError('VALIDATION_FAILED', [{ path: 'email', message: 'bad' }]);
    assert.equal(err.status, 400);
    assert.deepEqual(err.toBody(), { code: 'VALIDATION_FAILED', message: ERRORS.VALIDATION_FAILED.message, details: [{ path: 'email', message: 'bad' }] });
  });

  it('messages are unique, so a user can tell errors apart', () => {
    const messages = Object.values(ERRORS).map((e) => e.message);
    assert.equal(new Set(messages).size, messages.length);
  });
});
