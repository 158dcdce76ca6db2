import { CHANNEL_LABEL, fullTime, isUnread, timeLabel, visitorLabel } from '../lib/format';
import { hrefOf } from '../state/route';
import type { ConversationView } from '../types';

export function ConversationList({ items, openId, loading }: { items: ConversationView[]; openId: string | null; loading: boolean }) {
  return (
    <div class="conv-list" data-testid="conv-list" aria-busy={loading}>
      <ul aria-label="Conversations">
        {items.map((c) => <ConversationRow key={c.id} conv={c} open={c.id === openId} />)}
      </ul>
      {!loading && items.length === 0 ? <p class="empty">No conversations here.</p> : null}
      {loading && items.length === 0 ? <p class="empty" role="status">Loading…</p> : null}
    </div>
  );
}

function ConversationRow({ conv, open }: { conv: ConversationView; open: boolean }) {
  const unread = isUnread(conv);
  const when = conv.lastMessageAt ?? conv.createdAt;
  return (
    <li>
      <a href={hrefOf({ view: 'inbox', conversationId: conv.id })} class={`conv-item${open ? ' open' : ''}${unread ? ' unread' : ''}`}
        data-testid="conv-item" data-id={conv.id} data-unread={String(unread)} aria-current={open ? 'true' : undefined}>
        <span class="conv-top">
          <span class={`online-dot${conv.visitor.online ? ' on' : ''}`} role="img" aria-label={conv.visitor.online ? 'Visitor online' : 'Visitor offline'} />
          <span class="conv-visitor">{visitorLabel(conv.visitor)}</span>
          <time class="conv-time" dateTime={new Date(when).toISOString()} title={fullTime(when)}>{timeLabel(when)}</time>
        </span>
        <span class="conv-name">{conv.name}</span>
        <span class="conv-bottom">
          <span class="conv-preview">{conv.lastMessagePreview ?? 'No messages yet'}</span>
          <span class={`badge ch-${conv.channel}`} data-testid="conv-channel" data-channel={conv.channel}>
            {conv.channel === 'email' ? <span class="ch-icon" aria-hidden="true">✉</span> : null}
            {CHANNEL_LABEL[conv.channel]}
          </span>
          {unread ? <span class="unread-dot" role="img" aria-label="Unread" data-testid="unread-dot" /> : null}
        </span>
      </a>
    </li>
  );
}
