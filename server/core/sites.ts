import { randomToken, newId } from './ids';
import { ParleyError } from './errors';
import { DuplicateKeyError, type Store } from './ports';
import type { Appearance, PrechatSettings, Site } from './types';

export const DEFAULT_APPEARANCE: Appearance = {
  color: '#2563eb',
  position: 'right',
  title: 'Chat with us',
  greeting: 'Hi! How can we help you today?',
  showAgentAvatars: true,
};

export const DEFAULT_PRECHAT: PrechatSettings = { enabled: false, name: 'optional', email: 'optional' };

/** `https://Example.com:443/path` -> `https://example.com`; what browsers send as Origin. */
export function normalizeOrigin(raw: string): string {
  const url = new URL(raw.trim());
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('only http and https origins');
  return url.origin;
}

/** An empty allow-list admits any origin: the snippet works wherever it is pasted. */
export function originAllowed(site: Pick<Site, 'allowedOrigins'>, origin: string | undefined): boolean {
  if (site.allowedOrigins.length === 0) return true;
  if (!origin) return false;
  return site.allowedOrigins.includes(origin);
}

export async function createSite(
  store: Store,
  input: { name: string; allowedOrigins?: string[]; appearance?: Partial<Appearance>; prechat?: Partial<PrechatSettings> },
): Promise<Site> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await store.createSite({
        id: newId(),
        name: input.name.trim(),
        widgetKey: randomToken(12),
        allowedOrigins: (input.allowedOrigins ?? []).map(normalizeOrigin),
        appearance: { ...DEFAULT_APPEARANCE, ...input.appearance },
        prechat: { ...DEFAULT_PRECHAT, ...input.prechat },
      });
    } catch (err) {
      // A 96-bit random key colliding is astronomically unlikely; retry rather than fail.
      if (!(err instanceof DuplicateKeyError)) throw err;
    }
  }
  throw new ParleyError('INTERNAL');
}
