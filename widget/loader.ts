// The snippet's script (widget.js). It runs on every page view of every site that embeds
// Parley, so it only draws the launcher (inside a Shadow DOM host, where page CSS cannot
// reach) and loads the chat app, widget-app.js, when it is needed: on click, or at
// browser idle for a returning visitor so their unread badge can show.
// Budget: 3 KB gzip (bench/widget-size.mjs).
import type { WidgetConfig } from '../server/transport/views';
import { CHAT_ICON, HOST_STYLE, LAUNCHER_CSS, onColor, parleyGlobal, pickLang, safeColor, storageKey, type ParleyApp } from './shared';

const OPEN_LABEL = { en: 'Open chat', it: 'Apri la chat', ru: 'Открыть чат' };
const CLAIMED = 'data-parley';

/**
 * Our own <script>. document.currentScript is set while a classic script runs, async or
 * not, but not in every embedding (script loaders, old engines): then take the first
 * widget.js tag with a site key that no earlier run has claimed.
 */
function ownScript(): HTMLScriptElement | null {
  const cur = document.currentScript as HTMLScriptElement | null;
  if (cur && cur.getAttribute('data-site')) return cur;
  const all = document.querySelectorAll<HTMLScriptElement>('script[data-site]');
  for (let i = 0; i < all.length; i++) {
    const s = all[i]!;
    if (/\/widget\.js([?#]|$)/.test(s.src) && !s.hasAttribute(CLAIMED)) return s;
  }
  return null;
}

/** One download of widget-app.js per Parley host, shared by every widget of that host. */
function loadApp(url: string): Promise<ParleyApp> {
  const g = parleyGlobal();
  return (g.loads[url] = g.loads[url] || new Promise<ParleyApp>((resolve, reject) => {
    const s = document.createElement('script');
    const done = (app?: ParleyApp) => {
      if (app) return resolve(app);
      g.loads[url] = undefined; // a later click may try again
      s.remove();
      reject(new Error('Parley: could not load ' + url));
    };
    s.src = url;
    s.async = true;
    s.onload = () => done(g.apps[url] || g.app);
    s.onerror = () => done();
    document.head.appendChild(s);
  }));
}

function draw(key: string, base: string, id: string, config: WidgetConfig | null): void {
  if (document.getElementById(id)) return; // the same snippet pasted twice
  const a = config && config.appearance;
  const color = safeColor(a && a.color);
  const host = document.createElement('div');
  host.id = id;
  host.setAttribute('style', HOST_STYLE);
  const root = host.attachShadow({ mode: 'open' });
  // Constant markup; the only value in it is a colour that passed safeColor().
  root.innerHTML =
    `<style>${LAUNCHER_CSS}</style><div class="pw${a && a.position === 'left' ? ' left' : ''}" style="--pc:${color};--pf:${onColor(color)}">` +
    `<button type="button" class="pw-launcher" data-testid="parley-launcher" aria-haspopup="dialog" aria-expanded="false">` +
    `<svg viewBox="0 0 24 24" aria-hidden="true"><path d="${CHAT_ICON}"/></svg><span class="pw-spin"></span></button></div>`;
  const btn = root.querySelector('button')!;
  btn.setAttribute('aria-label', OPEN_LABEL[pickLang(['en', 'it', 'ru'] as const)]);
  document.body.appendChild(host);

  let mounted = false;
  let wantOpen = false;
  const load = () =>
    loadApp(base + '/widget-app.js').then(
      (app) => {
        if (mounted) return;
        mounted = true;
        app.mount(root, { key, base, config, open: wantOpen, focus: root.activeElement === btn });
      },
      (err: Error) => {
        wantOpen = false;
        btn.classList.remove('busy');
        btn.removeAttribute('aria-busy');
        console.error(err.message);
      },
    );

  // Until the app takes over, a click shows that the chat is on its way.
  btn.onclick = () => {
    wantOpen = true;
    btn.classList.add('busy');
    btn.setAttribute('aria-busy', 'true');
    void load();
  };

  let returning = false;
  try {
    returning = !!localStorage.getItem(storageKey(key, 'token'));
  } catch {
    // Storage blocked (sandboxed frame, privacy mode): a first visit, then.
  }
  if (returning) {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => void load(), { timeout: 5000 });
    else setTimeout(() => void load(), 1500);
  }
}

function boot(script: HTMLScriptElement): void {
  script.setAttribute(CLAIMED, '');
  const key = script.getAttribute('data-site')!;
  const base = script.src.replace(/\/widget\.js([?#].*)?$/, '');
  const id = 'parley-widget-' + key;
  if (document.getElementById(id)) return;
  // The config gives the launcher its colour and side before it is drawn, and an unknown
  // key or a disallowed origin draws nothing at all rather than a broken button.
  fetch(base + '/api/widget/config?site=' + encodeURIComponent(key))
    .then(async (r) => {
      const body = await r.json();
      if (r.ok) return body as WidgetConfig;
      console.warn('Parley: ' + (body && body.error ? body.error.message : 'HTTP ' + r.status));
      return false as const;
    })
    .catch(() => null) // offline or not JSON: draw with defaults, the app retries
    .then((config) => {
      if (config === false) return;
      const go = () => draw(key, base, id, config);
      if (document.body) go();
      else document.addEventListener('DOMContentLoaded', go);
    });
}

const me = ownScript();
if (me) boot(me);
