// The widget's root inside the shadow root: the launcher and the panel.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { Chat } from '../chat';
import type { Dict } from '../i18n';
import { onColor, safeColor } from '../shared';
import { unlockAudio } from '../sound';
import { fill } from '../util';
import { ChatIcon, CloseIcon } from './icons';
import { Panel } from './Panel';
import { useChat } from './useChat';

export function Widget({ chat, t, focusLauncher }: { chat: Chat; t: Dict; focusLauncher: boolean }) {
  const s = useChat(chat);
  const launcher = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (focusLauncher && !chat.s.open) launcher.current?.focus();
  }, []);

  const a = s.config?.appearance;
  const color = safeColor(a?.color);
  // Closing from inside the panel hands focus back to the launcher, once the re-render
  // has shown it again (on phones it is hidden while the panel is open).
  const refocus = useRef(false);
  useLayoutEffect(() => {
    if (!s.open && refocus.current) launcher.current?.focus();
    refocus.current = false;
  }, [s.open]);
  const close = () => {
    refocus.current = true;
    chat.setOpen(false);
  };
  const unread = s.open ? 0 : s.unread;
  const label = s.open ? t.close : unread ? `${t.open} (${fill(t.unread, { n: unread })})` : t.open;

  return (
    <div
      class={`pw${a?.position === 'left' ? ' left' : ''}${s.open ? ' open' : ''}`}
      style={`--pc:${color};--pf:${onColor(color)}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && chat.s.open) {
          e.stopPropagation();
          close();
        }
      }}
    >
      <button
        ref={launcher}
        type="button"
        class="pw-launcher"
        data-testid="parley-launcher"
        aria-haspopup="dialog"
        aria-controls="pw-panel"
        aria-expanded={s.open ? 'true' : 'false'}
        aria-label={label}
        onClick={() => {
          unlockAudio();
          chat.setOpen(!chat.s.open);
        }}
      >
        {s.open ? <CloseIcon /> : <ChatIcon />}
        {unread > 0 && <span class="pw-badge" data-testid="parley-badge" aria-hidden="true">{unread > 99 ? '99+' : unread}</span>}
      </button>
      <Panel chat={chat} s={s} t={t} onClose={close} />
    </div>
  );
}
