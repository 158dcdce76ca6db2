// POSTs JSON to a URL and classifies the outcome: the transport under webhook channels.
// The job's key goes out as Idempotency-Key, so a receiver can drop a repeat after a
// crash-and-retry.
import { DeliveryError, classifyHttpStatus, parseRetryAfter } from '../../core/delivery';
import type { OutboxJob } from '../../core/ports';

export interface HttpPayload {
  url: string;
  body: unknown;
  headers?: Record<string, string>;
}

/** Resolves on 2xx; throws a DeliveryError saying whether a retry can help. */
export async function postJson(url: string, raw: string, headers: Record<string, string>, opts: { timeoutMs?: number; now?: number } = {}): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: raw,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      redirect: 'error',
    });
  } catch (err) {
    throw new DeliveryError(`${url} unreachable: ${(err as Error).cause ?? (err as Error).message}`, false);
  }
  await res.body?.cancel().catch(() => undefined);
  const verdict = classifyHttpStatus(res.status);
  if (verdict === 'ok') return;
  throw new DeliveryError(`${url} answered HTTP ${res.status}`, verdict === 'permanent', parseRetryAfter(res.headers.get('retry-after'), opts.now ?? Date.now()));
}

export function httpDeliverer(opts: { timeoutMs?: number } = {}) {
  return (job: OutboxJob): Promise<void> => {
    const payload = job.payload as HttpPayload;
    return postJson(payload.url, JSON.stringify(payload.body), { 'idempotency-key': job.key, ...payload.headers }, opts);
  };
}
