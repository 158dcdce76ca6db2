import type { Message } from './types';

export const PREVIEW_LENGTH = 140;

/**
 * The conversation list's one-line preview: the text's first characters, or the first
 * attachment's name. Cut by code point, so an emoji is never split in half.
 */
export function previewOf(message: Pick<Message, 'text' | 'attachments'>): string {
  if (!message.text) return message.attachments[0]?.name ?? '';
  const chars = Array.from(message.text);
  return chars.length <= PREVIEW_LENGTH ? message.text : chars.slice(0, PREVIEW_LENGTH).join('');
}
