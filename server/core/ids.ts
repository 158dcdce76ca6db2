import { randomBytes, randomUUID } from 'node:crypto';

/** Record ids: UUIDv4, unguessable, so an id alone never grants access. */
export const newId = (): string => randomUUID();

/** A URL-safe random string of `bytes` bytes of entropy (widget keys, session cookies). */
export const randomToken = (bytes = 24): string => randomBytes(bytes).toString('base64url');
