// The scrolling history. Follows new messages while scrolled to the bottom, keeps the
// reading position when earlier messages are loaded above.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { useStore } from '../lib/store';
import { connection } from '../socket';
import type { Outgoing } from '../state/outbox';
import type { ConversationView, MessageView } from '../types';
import { MessageItem, PendingItem } from './MessageItem';

interface Props {
  messages: MessageView[];
  pending: Outgoing[];
  conversation: ConversationView | null;
  hasEarlier: boolean;
  loadingEarlier: boolean;
  onLoadEarlier: () => void;
}

const NEAR_BOTTOM_PX = 80;

export function MessageList({ messages, pending, conversation, hasEarlier, loadingEarlier, onLoadEarlier }: Props) {
  const conn = useStore(connection);
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const firstSeq = useRef<number | undefined>(undefined);
  const height = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const first = messages[0]?.seq;
    if (firstSeq.current !== undefined && first !== undefined && first < firstSeq.current) {
      el.scrollTop += el.scrollHeight - height.current; // earlier page prepended
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
    firstSeq.current = first;
    height.current = el.scrollHeight;
  }, [messages, pending.length]);

  // Images load after layout: keep following the bottom while their size arrives.
  useEffect(() => {
    const el = scroller.current;
    const inner = content.current;
    if (!el || !inner || typeof ResizeObserver === 'undefined') return;
    const obs = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight;
      height.current = el.scrollHeight;
    });
    obs.observe(inner);
    return () => obs.disconnect();
  }, []);

  const onScroll = () => {
    const el = scroller.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
  };

  let lastAgentSeq = -1;
  for (const m of messages) if (m.author.kind === 'agent') lastAgentSeq = m.seq;
  const seen = conversation !== null && lastAgentSeq > 0 && conversation.visitorReadSeq >= lastAgentSeq;

  return (
    <div class="messages" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Messages">
      {hasEarlier ? (
        <button type="button" class="btn subtle load-earlier" data-testid="load-earlier" disabled={loadingEarlier} onClick={onLoadEarlier}>
          {loadingEarlier ? 'Loading…' : 'Load earlier messages'}
        </button>
      ) : null}
      <ol class="msg-list" ref={content} role="log" aria-live="polite">
        {messages.map((m) => (
          <MessageItem key={m.id} msg={m} visitor={conversation?.visitor ?? null} seen={seen && m.seq === lastAgentSeq} />
        ))}
        {pending.map((p) => <PendingItem key={p.clientId} item={p} online={conn === 'connected'} />)}
      </ol>
    </div>
  );
}
