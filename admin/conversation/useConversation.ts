// One conversation's data: details, message history (newest page first, earlier pages
// on demand), catch-up after every reconnect, and live messages, changes and typing.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorOf, getConversation, listMessages } from '../api';
import { mergeConversation } from '../inbox/filters';
import { useOnConnect, useSocketEvent } from '../socket';
import { localChanges } from '../state/bus';
import { delivered } from '../state/outbox';
import type { ConversationView, ErrorBody, MessageView, VisitorView } from '../types';

const PAGE = 50;
const CATCH_UP_PAGE = 200;
const TYPING_TIMEOUT_MS = 8000;

export function mergeMessages(held: MessageView[], incoming: MessageView[]): MessageView[] {
  if (!incoming.length) return held;
  const bySeq = new Map(held.map((m) => [m.seq, m] as const));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export const highestSeq = (messages: MessageView[]): number => messages[messages.length - 1]?.seq ?? 0;

export function useConversation(id: string) {
  const [conversation, setConversation] = useState<ConversationView | null>(null);
  const [visitor, setVisitor] = useState<VisitorView | null>(null);
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [hasEarlier, setHasEarlier] = useState(false);
  const [loading, setLoading] = useState(true);
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [visitorTyping, setVisitorTyping] = useState(false);
  const loaded = useRef(false);
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  const typingTimer = useRef<ReturnType<typeof setTimeout>>();

  const applyConversation = useCallback((conv: ConversationView) => {
    if (conv.id === id) setConversation((held) => mergeConversation(held, conv));
  }, [id]);

  const refreshDetails = useCallback(async () => {
    const detail = await getConversation(id);
    applyConversation(detail.conversation);
    setVisitor(detail.visitor);
  }, [id, applyConversation]);

  useEffect(() => {
    let alive = true;
    Promise.all([refreshDetails(), listMessages(id, { limit: PAGE })]).then(
      ([, page]) => {
        if (!alive) return;
        setMessages((held) => mergeMessages(held, page.messages));
        setHasEarlier(page.messages.length === PAGE && (page.messages[0]?.seq ?? 0) > 1);
        loaded.current = true;
        setLoading(false);
      },
      (err) => {
        if (!alive) return;
        setError(errorOf(err));
        setLoading(false);
      },
    );
    return () => {
      alive = false;
      clearTimeout(typingTimer.current);
    };
  }, [id, refreshDetails]);

  // After a reconnect: everything after the highest seq held, then fresh details.
  useOnConnect(async () => {
    if (!loaded.current) return;
    try {
      let after = highestSeq(messagesRef.current);
      for (;;) {
        const page = await listMessages(id, { after, limit: CATCH_UP_PAGE });
        setMessages((held) => mergeMessages(held, page.messages));
        if (page.messages.length < CATCH_UP_PAGE) break;
        after = highestSeq(page.messages);
      }
      await refreshDetails();
      setError(null);
    } catch (err) {
      setError(errorOf(err));
    }
  });

  const loadEarlier = useCallback(async () => {
    const first = messagesRef.current[0];
    if (!first) return;
    setLoadingEarlier(true);
    try {
      const page = await listMessages(id, { before: first.seq, limit: PAGE });
      setMessages((held) => mergeMessages(held, page.messages));
      setHasEarlier(page.messages.length === PAGE && (page.messages[0]?.seq ?? 0) > 1);
    } catch (err) {
      setError(errorOf(err));
    } finally {
      setLoadingEarlier(false);
    }
  }, [id]);

  const addMessage = (msg: MessageView) => {
    if (msg.conversationId !== id) return;
    setMessages((held) => mergeMessages(held, [msg]));
    if (msg.author.kind === 'visitor') setVisitorTyping(false);
  };
  useSocketEvent('message', addMessage);
  useEffect(() => delivered.on(addMessage), [id]);

  useSocketEvent('conversation', applyConversation);
  useEffect(() => localChanges.on((c) => {
    if (c.kind === 'conversation') applyConversation(c.conversation);
  }), [applyConversation]);

  useSocketEvent('visitor', (v) => {
    setVisitor((held) => (held && held.id === v.id ? v : held));
    setConversation((held) => (held && held.visitor.id === v.id ? { ...held, visitor: { id: v.id, name: v.name, email: v.email, online: v.online } } : held));
  });

  useSocketEvent('typing', ({ conversationId, typing }) => {
    if (conversationId !== id) return;
    clearTimeout(typingTimer.current);
    setVisitorTyping(typing);
    if (typing) typingTimer.current = setTimeout(() => setVisitorTyping(false), TYPING_TIMEOUT_MS);
  });

  return {
    conversation, visitor, messages, hasEarlier, loading, loadingEarlier, error, visitorTyping,
    loadEarlier, applyConversation,
  };
}
