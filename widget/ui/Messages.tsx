// The message log: the greeting, stored messages, then those still in the outbox.
// Every text goes through Preact as text; links are built only from http(s) URLs.
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { AgentPublicView, AttachmentView, MessageView } from '../../server/transport/views';
import type { Chat, ChatState } from '../chat';
import type { Dict } from '../i18n';
import type { Pending } from '../policy';
import { formatSize, isImage, linkify, safeUrl } from '../util';
import { ClipIcon } from './icons';

export function Avatar({ name, url, base }: { name: string; url: string | null; base: string }) {
  const src = safeUrl(url, base);
  return src
    ? <img class="pw-av" src={src} alt="" />
    : <span class="pw-av" aria-hidden="true">{(name.trim()[0] || '?').toUpperCase()}</span>;
}

function Text({ text }: { text: string }) {
  return (
    <div class="pw-text" data-testid="parley-message-text">
      {linkify(text).map((p) => (typeof p === 'string' ? p : <a href={p.href} target="_blank" rel="noopener noreferrer nofollow">{p.text}</a>))}
    </div>
  );
}

function Attachment({ att, base }: { att: AttachmentView; base: string }) {
  const href = safeUrl(att.url, base);
  if (!href) return <div class="pw-file">{att.name}</div>;
  return isImage(att.type)
    ? (
      <a href={href} target="_blank" rel="noopener noreferrer" download={att.name} title={att.name}>
        <img class="pw-thumb" src={href} alt={att.name} loading="lazy" />
      </a>
    )
    : (
      <a class="pw-file" href={href} target="_blank" rel="noopener noreferrer" download={att.name}>
        <ClipIcon /> {att.name} ({formatSize(att.size)})
      </a>
    );
}

const time = (at: number) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function Stored({ m, author, base, seen, t }: { m: MessageView; author: AgentPublicView | null | undefined; base: string; seen: boolean; t: Dict }) {
  const kind = m.author.kind;
  const name = m.author.name || author?.name || t.agent;
  return (
    <>
      {author !== undefined && (
        <div class="pw-author">
          <Avatar name={name} url={m.author.avatarUrl ?? author?.avatarUrl ?? null} base={base} />
          {name}
        </div>
      )}
      <div class={`pw-msg ${kind}`} data-testid="parley-message" data-author={kind} data-seq={String(m.seq)}>
        <div class="pw-bubble">
          <Text text={m.text} />
          {m.attachments.map((a) => <Attachment key={a.id} att={a} base={base} />)}
        </div>
        {kind !== 'system' && <div class="pw-meta">{time(m.createdAt)}</div>}
      </div>
      {seen && <div class="pw-seen" data-testid="parley-seen">{t.seen}</div>}
    </>
  );
}

function Unsent({ p, chat, t }: { p: Pending; chat: Chat; t: Dict }) {
  return (
    <div class="pw-msg visitor" data-testid="parley-message" data-author="visitor" data-seq="" data-pending="true">
      <div class="pw-bubble">
        <Text text={p.text} />
        {p.attachments.map((a) => <Attachment key={a.id} att={a} base={chat.base} />)}
      </div>
      <div class="pw-meta">
        {p.error
          ? (
            <span class="pw-err" role="alert">
              {t.notSent} {p.error}
              <button type="button" class="pw-linkbtn" onClick={() => chat.retry(p.clientId)}>{t.retry}</button>
              <button type="button" class="pw-linkbtn" onClick={() => chat.discard(p.clientId)}>{t.remove}</button>
            </span>
          )
          : t.sending}
      </div>
    </div>
  );
}

export function Messages({ chat, s, t }: { chat: Chat; s: ChatState; t: Dict }) {
  const log = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const sent = useRef(s.pending.length);
  useLayoutEffect(() => {
    const el = log.current;
    // Follow new messages unless the visitor scrolled up to read; always after their own.
    if (el && (stick.current || s.pending.length > sent.current)) el.scrollTop = el.scrollHeight;
    sent.current = s.pending.length;
  }, [s.messages.length, s.pending.length, s.open, s.typing]);

  const a = s.config?.appearance;
  const showAgents = !!a?.showAgentAvatars;
  const agents = s.config ? s.agents.concat(s.config.agents) : s.agents;
  let lastVisitor: MessageView | undefined;
  for (const m of s.messages) if (m.author.kind === 'visitor') lastVisitor = m;
  const seenUpTo = lastVisitor ? (s.readBy[lastVisitor.conversationId] ?? 0) : 0;

  return (
    <div
      ref={log}
      class="pw-log"
      role="log"
      aria-live="polite"
      aria-label={t.messages}
      data-testid="parley-messages"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
      }}
    >
      {a?.greeting && (
        <div class="pw-msg agent" data-testid="parley-greeting">
          <div class="pw-bubble"><div class="pw-text">{a.greeting}</div></div>
        </div>
      )}
      {s.messages.map((m, i) => {
        const prev = s.messages[i - 1];
        // The agent's name and avatar head each run of messages by the same agent.
        const head = showAgents && m.author.kind === 'agent' && (prev?.author.kind !== 'agent' || prev.author.id !== m.author.id);
        return (
          <Stored
            key={m.id}
            m={m}
            author={head ? (agents.find((x) => x.id === m.author.id) ?? null) : undefined}
            base={chat.base}
            seen={m === lastVisitor && seenUpTo >= m.seq}
            t={t}
          />
        );
      })}
      {s.pending.map((p) => <Unsent key={p.clientId} p={p} chat={chat} t={t} />)}
    </div>
  );
}
