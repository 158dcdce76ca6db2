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

describe('delivery classification', async () => {
  const { classifyHttpStatus, parseRetryAfter } = await import('../../server/core/delivery');
  it('2xx ok; overload and server errors transient; other client errors permanent', () => {
    assert.deepEqual([200, 204, 408, 425, 429, 500, 503, 400, 401, 404, 410, 422].map(classifyHttpStatus),
      ['ok', 'ok', 'transient', 'transient', 'transient', 'transient', 'transient', 'permanent', 'permanent', 'permanent', 'permanent', 'permanent']);
  });
  it('reads Retry-After in seconds or as a date', () => {
    assert.equal(parseRetryAfter('120', 0), 120_000);
    assert.equal(parseRetryAfter(new Date(60_000).toUTCString(), 0), 60_000);
    assert.equal(parseRetryAfter('soon', 0), undefined);
    assert.equal(parseRetryAfter(null, 0), undefined);
  });
});
