import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, nextAttemptAt, type BackoffPolicy } from '../../server/core/backoff';

const policy: BackoffPolicy = { baseMs: 1_000, capMs: 60_000, maxAttempts: 5 };

describe('backoff', () => {
  it('doubles per attempt between half and all of the step', () => {
    assert.equal(backoffDelay(policy, 1, () => 0), 500);
    assert.equal(backoffDelay(policy, 1, () => 1), 1_000);
    assert.equal(backoffDelay(policy, 3, () => 1), 4_000);
    assert.equal(backoffDelay(policy, 3, () => 0), 2_000);
  });
  it('is capped', () => {
    assert.equal(backoffDelay(policy, 30, () => 1), 60_000);
    assert.equal(backoffDelay(policy, 30, () => 0), 30_000);
  });
  it('gives up after maxAttempts', () => {
    assert.equal(nextAttemptAt(policy, 4, 10_000, () => 1), 10_000 + 8_000);
    assert.equal(nextAttemptAt(policy, 5, 10_000), null);
  });
  it('jitter spreads retries', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(policy, 4)));
    assert.ok(delays.size > 10);
  });
});
