// Payload schemas shared by REST and Socket.IO handlers.
import { z } from 'zod';
import { MAX_ATTACHMENTS_PER_MESSAGE, MAX_TEXT_LENGTH } from '../core/conversations';

export const sendPayload = z.object({
  clientId: z.string().min(8, 'clientId must be a UUID or similar').max(100),
  text: z.string().max(MAX_TEXT_LENGTH, `Messages are limited to ${MAX_TEXT_LENGTH} characters.`),
  attachmentIds: z.array(z.string().max(64)).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
});

export const optionalEmail = z.email('Enter a valid email address.').max(254);
