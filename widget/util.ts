// Small pure helpers of the app: ids, safe URLs, storage that never throws.

/** A v4 UUID. crypto.randomUUID exists only in secure contexts (https, localhost). */
export function uuid(): string {
  const c: Partial<Crypto> | undefined = typeof crypto !== 'undefined' ? crypto : undefined;
  if (c && c.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  b[6] = (b[6]! & 15) | 64;
  b[8] = (b[8]! & 63) | 128;
  const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * An absolute http(s) URL for an href or src, or null. Paths (attachment URLs are paths
 * on the Parley host) are joined to `base`; `javascript:`, `data:` and the like never
 * come out.
 */
export function safeUrl(u: string | null | undefined, base: string): string | null {
  if (!u) return null;
  try {
    const url = new URL(/^\/(?!\/)/.test(u) ? base + u : u, base + '/');
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

export type TextPart = string | { href: string; text: string };

/** Splits text into plain runs and http(s) links; trailing punctuation stays text. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const re = /\bhttps?:\/\/[^\s<>"']+/gi;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const url = m[0].replace(/[.,;:!?)\]]+$/, '');
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push({ href: url, text: url });
    last = m.index + url.length;
    re.lastIndex = last;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
}

export const isImage = (type: string): boolean => /^image\/(png|jpeg|gif|webp)$/.test(type);

export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// localStorage can throw (blocked in sandboxed frames, full): the widget then keeps its
// state in memory only.
export function load(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function save(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* memory only */
  }
}

export function loadJson<T>(key: string, fallback: T): T {
  const raw = load(key);
  if (!raw) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}
