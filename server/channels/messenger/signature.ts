// Webhook signatures, the same both ways (Parley -> messenger, messenger -> Parley):
//   X-Parley-Timestamp: <unix seconds>
//   X-Parley-Signature: v1=<hex HMAC-SHA256(confirmation code, "<timestamp>.<raw body>")>
// The timestamp is inside the MAC, so a captured request cannot be re-dated; requests
// older or newer than the window are refused, and a repeat within it is caught by the
// receiver remembering signatures it has seen (see service.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-parley-timestamp';
export const SIGNATURE_HEADER = 'x-parley-signature';
export const REPLAY_WINDOW_S = 300;

export function sign(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function signedHeaders(secret: string, body: string, nowMs: number): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return { [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: sign(secret, ts, body) };
}

export type Verdict = 'ok' | 'missing' | 'stale' | 'bad-signature';

export function verify(secret: string, headers: { timestamp?: string; signature?: string }, body: string, nowMs: number, windowS = REPLAY_WINDOW_S): Verdict {
  if (!headers.timestamp || !headers.signature) return 'missing';
  if (!/^\d{1,12}$/.test(headers.timestamp)) return 'stale';
  const ts = Number(headers.timestamp);
  if (Math.abs(nowMs / 1000 - ts) > windowS) return 'stale';
  const expected = Buffer.from(sign(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? 'ok' : 'bad-signature';
}
