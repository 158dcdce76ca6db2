// Local changes other views must apply at once, without waiting for (or when never
// getting) the server's broadcast: REST answers of conversation actions, read marks.
import { Emitter } from '../lib/store';
import type { ConversationView } from '../types';

export type LocalChange =
  | { kind: 'conversation'; conversation: ConversationView }
  | { kind: 'read'; conversationId: string; seq: number };

export const localChanges = new Emitter<LocalChange>();
