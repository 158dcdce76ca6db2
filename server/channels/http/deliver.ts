// POSTs a JSON body to a URL: the transport under webhook channels. The job's key goes
// out as Idempotency-Key, so a receiver can drop a repeat after a crash-and-retry.
import { DeliveryError, classifyHttpStatus, parseRetryAfter } from '../../core/delivery';
import type { OutboxJob } from '../../core/ports';

export interface HttpPayload {
  url: string;
  body: unknown;
  headers?: Record<string, string>;
}

export function httpDeliverer(opts: { timeoutMs?: number; now?: () => number } = {}) {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const now = opts.now ?? Date.now;
  return async (job: OutboxJob): Promise<void> => {
    const payload = job.payload as HttpPayload;
    let res: Response;
    try {
      res = await fetch(payload.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': job.key, ...payload.headers },
        body: JSON.stringify(payload.body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new DeliveryError(`${payload.url} unreachable: ${(err as Error).cause ?? (err as Error).message}`, false);
    }
    await res.body?.cancel().catch(() => undefined);
    const verdict = classifyHttpStatus(res.status);
    if (verdict === 'ok') return;
    throw new DeliveryError(`${payload.url} answered HTTP ${res.status}`, verdict === 'permanent', parseRetryAfter(res.headers.get('retry-after'), now()));
  };
}
