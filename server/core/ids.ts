import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Record ids: UUIDv4, unguessable, so an id alone never grants access. */
export const newId = (): string => randomUUID();

/** A URL-safe random string of `bytes` bytes of entropy (widget keys, session cookies). */
export const randomToken = (bytes = 24): string => randomBytes(bytes).toString('base64url');

/** A UUID-shaped id derived from a name: the same name (a replayed email, a retried request) makes the same id. */
export function derivedId(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
