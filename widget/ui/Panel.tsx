// The chat panel: a dialog with a header, the message log and a footer that holds the
// composer or one of the two forms (see policy.footMode).
import { useEffect, useRef } from 'preact/hooks';
import type { Chat, ChatState } from '../chat';
import type { Dict } from '../i18n';
import { footMode } from '../policy';
import { unlockAudio } from '../sound';
import { fill } from '../util';
import { Composer } from './Composer';
import { OfflineForm, Prechat } from './Forms';
import { CloseIcon, SoundIcon } from './icons';
import { Avatar, Messages } from './Messages';

interface Props {
  chat: Chat;
  s: ChatState;
  t: Dict;
  onClose: () => void;
}

export function Panel({ chat, s, t, onClose }: Props) {
  const panel = useRef<HTMLDivElement>(null);
  const cfg = s.config;
  const a = cfg?.appearance;
  const title = a?.title || cfg?.siteName || t.chat;
  const mode = footMode({
    synced: s.synced, agentsOnline: s.agentsOnline, hasChat: s.messages.length > 0 || s.pending.length > 0,
    visitor: s.visitor, prechat: cfg?.prechat ?? null, prechatDone: s.prechatDone, offlineSentTo: s.offlineSentTo,
  });

  const footKey = s.fatal ? 'fatal' : !cfg || s.status !== 'ready' ? 'wait' : mode;
  useEffect(() => {
    if (!s.open) return;
    // Focus moves into the panel: to the footer's first field once there is one (after
    // "Connecting…", or when a form gives way to the composer), unless the visitor is
    // already in a field.
    requestAnimationFrame(() => {
      const el = panel.current;
      const active = (el?.getRootNode() as ShadowRoot | undefined)?.activeElement;
      if (!el || (active && el.contains(active) && /^(INPUT|TEXTAREA)$/.test(active.tagName))) return;
      (el.querySelector<HTMLElement>('.pw-foot textarea, .pw-foot input:not([type=file])') ??
        el.querySelector<HTMLElement>('[data-testid=parley-close]'))?.focus();
    });
  }, [s.open, footKey]);

  let foot;
  if (s.fatal) foot = <p class="pw-err" role="alert">{s.fatal}</p>;
  else if (!cfg || s.status !== 'ready') foot = <p class="pw-status" role="status">{t.connecting}</p>;
  else if (mode === 'offline') foot = <OfflineForm chat={chat} t={t} visitor={s.visitor} hasChat={s.messages.length > 0} />;
  else if (mode === 'prechat') foot = <Prechat chat={chat} t={t} rules={cfg.prechat} visitor={s.visitor} />;
  else {
    foot = (
      <>
        {s.offlineSentTo && <p class="pw-ok" role="status" data-testid="parley-offline-confirm">{fill(t.offlineThanks, { email: s.offlineSentTo })}</p>}
        {s.closed && <p class="pw-status">{t.closed}</p>}
        {!s.connected && <p class="pw-status" role="status">{t.reconnecting}</p>}
        <Composer chat={chat} t={t} maxBytes={cfg.maxUploadBytes} />
      </>
    );
  }

  return (
    <div id="pw-panel" ref={panel} class="pw-panel" role="dialog" aria-label={title} data-testid="parley-panel" hidden={!s.open}>
      <div class="pw-head">
        {a?.showAgentAvatars && s.agents.length > 0 && (
          <span class="pw-avs" aria-hidden="true">
            {s.agents.slice(0, 3).map((ag) => <Avatar key={ag.id} name={ag.name} url={ag.avatarUrl} base={chat.base} />)}
          </span>
        )}
        <div class="pw-title">
          <h2>{title}</h2>
          <small>{s.agentsOnline ? t.online : t.offline}</small>
        </div>
        <button
          type="button"
          class="pw-ib"
          data-testid="parley-sound"
          aria-pressed={s.sound ? 'true' : 'false'}
          aria-label={t.sound}
          title={t.sound}
          onClick={() => {
            unlockAudio();
            chat.toggleSound();
          }}
        >
          <SoundIcon on={s.sound} />
        </button>
        <button type="button" class="pw-ib" data-testid="parley-close" aria-label={t.close} title={t.close} onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      <Messages chat={chat} s={s} t={t} />
      <div class="pw-typing" aria-live="polite">
        {s.typing !== null && <span data-testid="parley-typing">{s.typing ? fill(t.typing, { name: s.typing }) : t.agentTyping}</span>}
      </div>
      <div class="pw-foot">{foot}</div>
    </div>
  );
}
