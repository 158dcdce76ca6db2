// The messenger channel's wire format, in both directions. docs/messenger.schema.json is
// generated from these schemas (scripts/messenger-schema.ts) and documented in the README.
import { z } from 'zod';

/** What a messenger POSTs to /api/channels/messenger/<id>/messages. */
export const inboundMessage = z.object({
  /** The messenger's own id of this message: repeats of it are stored once. */
  message_id: z.string().min(1).max(200),
  user: z.object({
    /** The messenger's user id: the same user always lands in the same visitor. */
    id: z.string().min(1).max(200),
    name: z.string().trim().max(100).optional(),
    email: z.email().max(254).optional(),
    avatar_url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  }),
  text: z.string().max(10_000).default(''),
  /** Files Parley downloads (http or https, within the upload size limit and allowed types). */
  attachments: z.array(z.object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    name: z.string().trim().min(1).max(200).optional(),
    type: z.string().max(100).optional(),
  })).max(10).optional(),
}).refine((m) => m.text.trim() !== '' || (m.attachments?.length ?? 0) > 0, { message: 'Send a text, attachments, or both.', path: ['text'] })
  .meta({ title: 'Parley messenger inbound message' });
export type InboundMessage = z.infer<typeof inboundMessage>;

/** What Parley POSTs to the messenger's webhook. */
export interface OutboundMessage {
  type: 'message';
  messenger_id: string;
  message: {
    id: string;
    conversation_id: string;
    /** The messenger's user id the reply is for. */
    user_id: string;
    text: string;
    /** Signed download links, valid for a day: the messenger should fetch and keep the files. */
    attachments: { name: string; type: string; size: number; url: string }[];
    agent: { name: string | null };
    created_at: string;
  };
}

export interface ConfirmationRequest {
  type: 'confirmation';
  messenger_id: string;
}

/** The webhook must answer a confirmation request with the code, as JSON or plain text. */
export function confirmationCodeOf(contentType: string | null, body: string): string | null {
  if (contentType?.includes('json')) {
    try {
      const parsed = JSON.parse(body) as { confirmation?: unknown };
      return typeof parsed.confirmation === 'string' ? parsed.confirmation : null;
    } catch {
      return null;
    }
  }
  return body.trim() || null;
}

/** JSON Schema (draft 2020-12) of the inbound message, for docs/messenger.schema.json. */
export function messengerJsonSchema(): object {
  return z.toJSONSchema(inboundMessage, { target: 'draft-2020-12' });
}
