// The open conversation: header, history, typing indicator, reply box, and the
// visitor's details beside it. Marks messages read while it is on screen.
import { useCallback, useEffect, useRef } from 'preact/hooks';
import { ErrorBox } from '../components/ui';
import { visitorLabel } from '../lib/format';
import { useStore } from '../lib/store';
import { useSocket } from '../socket';
import { localChanges } from '../state/bus';
import { outgoing, pendingOf } from '../state/outbox';
import type { ConversationView as Conv } from '../types';
import { MessageList } from './MessageList';
import { ReplyBox } from './ReplyBox';
import { highestSeq, useConversation } from './useConversation';
import { VisitorPanel } from './VisitorPanel';

export function ConversationView({ id }: { id: string }) {
  const socket = useSocket();
  const data = useConversation(id);
  const { conversation, visitor, messages } = data;
  const pending = pendingOf(useStore(outgoing), id).filter((p) => !messages.some((m) => m.clientId === p.clientId));

  // Read marks: the highest seq held, sent while the dashboard tab is visible.
  const lastRead = useRef(0);
  const markRead = useCallback(() => {
    if (!conversation || document.visibilityState !== 'visible') return;
    const seq = highestSeq(messages);
    if (seq <= Math.max(conversation.agentReadSeq, lastRead.current)) return;
    lastRead.current = seq;
    socket.emit('read', { conversationId: id, seq });
    localChanges.emit({ kind: 'read', conversationId: id, seq });
  }, [conversation, messages, socket, id]);
  useEffect(markRead, [markRead]);
  useEffect(() => {
    document.addEventListener('visibilitychange', markRead);
    return () => document.removeEventListener('visibilitychange', markRead);
  }, [markRead]);

  const changed = (conv: Conv) => {
    data.applyConversation(conv);
    localChanges.emit({ kind: 'conversation', conversation: conv });
  };

  const title = conversation ? visitorLabel(visitor ?? conversation.visitor) : 'Conversation';
  return (
    <section class="conversation" data-testid="conv-view" data-id={id} aria-labelledby="conv-h">
      <div class="thread">
        <header class="thread-head">
          <a href="#/inbox" class="back">← Inbox</a>
          <div class="thread-title">
            <h2 id="conv-h">{title}</h2>
            {conversation ? <span class="muted">{conversation.name}</span> : null}
          </div>
          {conversation ? <span class={`status-badge st-${conversation.status}`}>{conversation.status}</span> : null}
        </header>
        <ErrorBox error={data.error} />
        {data.loading ? <p class="empty" role="status">Loading…</p> : null}
        <MessageList
          messages={messages}
          pending={pending}
          conversation={conversation}
          hasEarlier={data.hasEarlier}
          loadingEarlier={data.loadingEarlier}
          onLoadEarlier={() => void data.loadEarlier()}
        />
        <div class="typing-slot" aria-live="polite">
          {data.visitorTyping ? (
            <span data-testid="visitor-typing" class="typing">{title} is typing<span class="dots" aria-hidden="true">…</span></span>
          ) : null}
        </div>
        {conversation ? <ReplyBox conversationId={id} closed={conversation.status === 'closed'} /> : null}
      </div>
      {conversation ? <VisitorPanel conversation={conversation} visitor={visitor} onChange={changed} /> : null}
    </section>
  );
}
