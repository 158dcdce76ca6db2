import { useEffect, useState } from 'preact/hooks';
import type { Chat, ChatState } from '../chat';

/** Re-renders on every change of the chat's state. */
export function useChat(chat: Chat): ChatState {
  const [state, setState] = useState(chat.s);
  useEffect(() => {
    const off = chat.subscribe(setState);
    setState(chat.s); // anything that changed before the subscription
    return off;
  }, [chat]);
  return state;
}
