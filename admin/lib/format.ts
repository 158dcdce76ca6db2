// Small pure helpers for display: labels, times, sizes, and the URL rules
// (links only for http(s); attachment links only for same-origin paths or http(s)).
import type { Channel, ConversationView, MessageView } from '../types';

export const shortId = (id: string): string => id.replace(/-/g, '').slice(0, 6);

export function visitorLabel(v: { id: string; name: string | null }): string {
  return v.name?.trim() || `Visitor #${shortId(v.id)}`;
}

export const CHANNEL_LABEL: Record<Channel, string> = { widget: 'Chat', email: 'Email', messenger: 'Messenger' };

/** The URL as given when it is an absolute http(s) URL, otherwise null. */
export function httpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : null;
  } catch {
    return null;
  }
}

/** Attachment URLs: same-origin absolute paths or http(s) URLs; anything else is refused. */
export function downloadUrl(value: string): string | null {
  if (value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) return value;
  return httpUrl(value);
}

export function timeLabel(ms: number | null, now = Date.now()): string {
  if (!ms) return '';
  const d = new Date(ms);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const sameYear = d.getFullYear() === today.getFullYear();
  return d.toLocaleDateString(undefined, sameYear ? { month: 'short', day: 'numeric' } : { year: 'numeric', month: 'short', day: 'numeric' });
}

/** "just now", "5 min ago", "3 h ago", "2 days ago"; older: the date. */
export function agoLabel(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 45) return 'just now';
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h} h ago`;
  const days = Math.round(h / 24);
  if (days < 7) return `${days} day${days === 1 ? '' : 's'} ago`;
  return timeLabel(ms, now);
}

export const fullTime = (ms: number): string => new Date(ms).toLocaleString();

export function bytesLabel(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export const isUnread = (c: ConversationView): boolean => c.lastSeq > c.agentReadSeq;

export const isImage = (type: string): boolean => /^image\/(png|jpeg|gif|webp)$/i.test(type);

/** The preview the server stores for a message (text, or the first attachment's name). */
export function previewOf(m: Pick<MessageView, 'text' | 'attachments'>): string {
  return m.text ? m.text.slice(0, 140) : (m.attachments[0]?.name ?? '');
}

export function newClientId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  // crypto.randomUUID needs a secure context; plain-http deployments still get a v4 UUID.
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
