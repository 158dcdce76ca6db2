// The conversation list for the current filters: first page, "load more", a refresh on
// every (re)connect, and live updates from the socket and from local actions.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorOf, getConversation, listConversations } from '../api';
import { previewOf } from '../lib/format';
import { useStore } from '../lib/store';
import { useOnConnect, useSocketEvent } from '../socket';
import { localChanges } from '../state/bus';
import { me } from '../state/session';
import type { ConversationView, ErrorBody, MessageView } from '../types';
import { type Filters, filters, matches, sortConversations, toQuery, upsert } from './filters';

export interface InboxState {
  items: ConversationView[];
  nextCursor: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: ErrorBody | null;
}

export function useInbox() {
  const f = useStore(filters);
  const [state, setState] = useState<InboxState>({ items: [], nextCursor: null, loading: true, loadingMore: false, error: null });
  const filtersRef = useRef<Filters>(f);
  filtersRef.current = f;
  const generation = useRef(0);
  const fetching = useRef(new Set<string>());
  /** Conversations known not to match the filters: their messages need no fetch. */
  const outside = useRef(new Set<string>());
  const stateRef = useRef(state);
  stateRef.current = state;

  const reload = useCallback(async () => {
    const gen = ++generation.current;
    outside.current.clear();
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const page = await listConversations(toQuery(filtersRef.current));
      if (gen !== generation.current) return;
      setState({ items: sortConversations(page.items), nextCursor: page.nextCursor, loading: false, loadingMore: false, error: null });
    } catch (err) {
      if (gen === generation.current) setState((s) => ({ ...s, loading: false, error: errorOf(err) }));
    }
  }, []);

  const loadMore = useCallback(async () => {
    const cursor = stateRef.current.nextCursor;
    if (!cursor || stateRef.current.loadingMore) return;
    const gen = generation.current;
    setState((s) => ({ ...s, loadingMore: true, error: null }));
    try {
      const page = await listConversations({ ...toQuery(filtersRef.current), cursor });
      if (gen !== generation.current) return;
      setState((s) => ({
        ...s,
        items: page.items.reduce((list, c) => (list.some((x) => x.id === c.id) ? list : upsert(list, c)), s.items),
        nextCursor: page.nextCursor,
        loadingMore: false,
      }));
    } catch (err) {
      if (gen === generation.current) setState((s) => ({ ...s, loadingMore: false, error: errorOf(err) }));
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [f, reload]);
  useOnConnect(() => void reload());

  /** A conversation changed: insert, update, move or drop its row. */
  const apply = useCallback((conv: ConversationView) => {
    const fits = matches(conv, filtersRef.current, me.get()?.id);
    if (fits) outside.current.delete(conv.id);
    else outside.current.add(conv.id);
    setState((s) => {
      if (fits) return { ...s, items: upsert(s.items, conv) };
      return s.items.some((c) => c.id === conv.id) ? { ...s, items: s.items.filter((c) => c.id !== conv.id) } : s;
    });
  }, []);

  useSocketEvent('conversation', apply);

  useSocketEvent('message', (msg: MessageView) => {
    const held = stateRef.current.items.find((c) => c.id === msg.conversationId);
    if (!held) {
      // Not on the loaded pages (older, or just now visible): fetch it and let the filters decide.
      if (fetching.current.has(msg.conversationId) || outside.current.has(msg.conversationId)) return;
      fetching.current.add(msg.conversationId);
      getConversation(msg.conversationId)
        .then(({ conversation }) => apply(conversation))
        .catch(() => undefined)
        .finally(() => fetching.current.delete(msg.conversationId));
      return;
    }
    setState((s) => ({
      ...s,
      items: sortConversations(s.items.map((c) => (c.id === msg.conversationId && msg.seq > c.lastSeq
        ? { ...c, lastSeq: msg.seq, lastMessageAt: msg.createdAt, lastMessagePreview: previewOf(msg) }
        : c))),
    }));
  });

  useSocketEvent('visitor', (v) => {
    setState((s) => ({
      ...s,
      items: s.items.map((c) => (c.visitor.id === v.id ? { ...c, visitor: { id: v.id, name: v.name, email: v.email, online: v.online } } : c)),
    }));
  });

  useEffect(() => localChanges.on((change) => {
    if (change.kind === 'conversation') apply(change.conversation);
    else {
      setState((s) => ({
        ...s,
        items: s.items.map((c) => (c.id === change.conversationId && change.seq > c.agentReadSeq ? { ...c, agentReadSeq: change.seq } : c)),
      }));
    }
  }), [apply]);

  return { state, reload, loadMore };
}
