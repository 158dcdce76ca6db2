import { bytesLabel, downloadUrl, fullTime, httpUrl, isImage, timeLabel, visitorLabel } from '../lib/format';
import type { Outgoing } from '../state/outbox';
import type { AttachmentView, ConversationView, MessageView } from '../types';
import { EmailOriginal } from './EmailOriginal';

export function MessageItem({ msg, visitor, seen }: { msg: MessageView; visitor: ConversationView['visitor'] | null; seen: boolean }) {
  const kind = msg.author.kind;
  const name = kind === 'visitor'
    ? (msg.author.name ?? (visitor ? visitorLabel(visitor) : 'Visitor'))
    : kind === 'agent' ? (msg.author.name ?? 'Agent') : 'System';
  const avatar = kind === 'agent' ? httpUrl(msg.author.avatarUrl) : null;
  return (
    <li class={`msg msg-${kind}`} data-testid="message" data-author={kind} data-seq={msg.seq}>
      {kind !== 'system' ? (
        <div class="msg-meta">
          {avatar ? <img class="avatar" src={avatar} alt="" width={20} height={20} referrerpolicy="no-referrer" /> : null}
          <span class="msg-author">{name}</span>
          <time dateTime={new Date(msg.createdAt).toISOString()} title={fullTime(msg.createdAt)}>{timeLabel(msg.createdAt)}</time>
          {msg.channel !== 'widget' ? <span class={`badge ch-${msg.channel}`}>{msg.channel}</span> : null}
        </div>
      ) : null}
      {msg.email?.subject ? <div class="msg-subject" data-testid="message-subject">{msg.email.subject}</div> : null}
      <div class="msg-text" data-testid="message-text">{msg.text}</div>
      {msg.attachments.length ? <Attachments list={msg.attachments} /> : null}
      {msg.email ? <EmailOriginal conversationId={msg.conversationId} messageId={msg.id} quoted={msg.email.quoted} /> : null}
      {seen ? <div class="seen" data-testid="seen">Seen</div> : null}
    </li>
  );
}

function Attachments({ list }: { list: AttachmentView[] }) {
  return (
    <ul class="attachments">
      {list.map((a) => {
        const href = downloadUrl(a.url);
        const label = `${a.name} (${bytesLabel(a.size)})`;
        if (!href) return <li key={a.id} class="attachment">{label}</li>;
        return (
          <li key={a.id} class="attachment">
            <a href={href} download={a.name} data-testid="attachment-link">
              {isImage(a.type) ? <img class="thumb" src={href} alt={a.name} loading="lazy" /> : null}
              <span>{label}</span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}

export function PendingItem({ item, online }: { item: Outgoing; online: boolean }) {
  return (
    <li class="msg msg-agent pending" data-testid="message-pending" data-client-id={item.clientId}>
      <div class="msg-text">{item.text}</div>
      {item.attachments.length ? (
        <ul class="attachments">{item.attachments.map((a) => <li key={a.id} class="attachment">{a.name}</li>)}</ul>
      ) : null}
      <div class="msg-state" role="status">{online ? 'Sending…' : 'Waiting for the connection…'}</div>
    </li>
  );
}
