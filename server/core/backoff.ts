// Capped exponential backoff with full jitter: the next delay is random between half and
// all of min(cap, base * 2^attempt). Jitter spreads retries of many jobs (or many nodes
// reconnecting) so they do not hit a recovering server at the same instant.

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** After this many failed attempts a job is dead (kept, visible, retryable by hand). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 15 * 60_000, maxAttempts: 12 };

/** Delay before attempt number `attempt + 1`, given `attempt` failures so far (>= 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** When to try again after the `attempts`-th failure, or null when the job should die. */
export function nextAttemptAt(policy: BackoffPolicy, attempts: number, now: number, random?: () => number): number | null {
  if (attempts >= policy.maxAttempts) return null;
  return now + backoffDelay(policy, attempts, random);
}
