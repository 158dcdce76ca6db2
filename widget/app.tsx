// The chat app (widget-app.js), loaded by widget.js on demand. Running it registers the
// app under its own URL (see the handshake in shared.ts); the loader then calls mount().
import { render } from 'preact';
import { Chat } from './chat';
import { dictionary } from './i18n';
import { parleyGlobal, type ParleyApp } from './shared';
import { CSS } from './styles';
import { Widget } from './ui/Widget';

const app: ParleyApp = {
  mount(root, opts) {
    const style = document.createElement('style');
    style.textContent = CSS;
    const container = document.createElement('div');
    const chat = new Chat(opts.key, opts.base, opts.config);
    if (opts.open) chat.setOpen(true);
    render(<Widget chat={chat} t={dictionary()} focusLauncher={opts.focus} />, container);
    // Swap in one go: the loader's launcher leaves in the frame the app's arrives.
    while (root.firstChild) root.removeChild(root.firstChild);
    root.appendChild(style);
    root.appendChild(container);
    void chat.start();
  },
};

const g = parleyGlobal();
const src = (document.currentScript as HTMLScriptElement | null)?.src;
if (src) g.apps[src] = app;
g.app = app;
