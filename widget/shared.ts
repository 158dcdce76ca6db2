// What the loader (widget.js) and the app (widget-app.js) agree on: the handshake, the
// storage keys, the launcher's look. The loader bundles this file, so it stays tiny and
// imports nothing at runtime.
import type { WidgetConfig } from '../server/transport/views';

/**
 * The handshake. The one global both bundles touch is `window.__parley`:
 *   1. the loader adds a <script src="BASE/widget-app.js"> (once per BASE, shared by every
 *      widget of that host on the page: `loads[url]`);
 *   2. the app, while it runs, registers itself under its own script URL: `apps[url]`;
 *   3. on the script's load event the loader calls `apps[url].mount(shadowRoot, opts)`.
 * Keying by URL means two Parley hosts (or versions) on one page never overwrite each other.
 */
export const GLOBAL = '__parley';

export interface MountOptions {
  /** The site key from data-site. */
  key: string;
  /** The Parley base URL, derived from the loader's src, without a trailing slash. */
  base: string;
  /** The config the loader already fetched, or null when it could not. */
  config: WidgetConfig | null;
  /** Open the panel at once: the launcher was clicked while the app was loading. */
  open: boolean;
  /** The loader's launcher had keyboard focus: hand it to the app's launcher. */
  focus: boolean;
}

export interface ParleyApp {
  /**
   * Takes over `root` (the widget's open shadow root): its launcher and panel replace
   * the loader's launcher in the same frame. Called once per widget.
   */
  mount(root: ShadowRoot, opts: MountOptions): void;
}

export interface ParleyGlobal {
  /** Apps by the absolute URL of the widget-app.js that registered them. */
  apps: Record<string, ParleyApp | undefined>;
  /** Downloads of widget-app.js by URL, in flight or done. */
  loads: Record<string, Promise<ParleyApp> | undefined>;
  /** The last app registered, for browsers without document.currentScript. */
  app?: ParleyApp;
}

export function parleyGlobal(): ParleyGlobal {
  const w = window as unknown as Record<string, ParleyGlobal | undefined>;
  return (w[GLOBAL] = w[GLOBAL] || { apps: {}, loads: {} });
}

/** localStorage keys, per site key. The loader spots a returning visitor by `token`. */
export const storageKey = (site: string, what: 'token' | 'outbox' | 'seen' | 'prechat' | 'sound'): string =>
  `parley:${site}:${what}`;

/** Only a plain hex colour ever reaches a style attribute. */
export const safeColor = (c: string | undefined | null): string => (c && /^#[0-9a-f]{3,8}$/i.test(c) ? c : '#4f46e5');

/** Black or white text, whichever reads better on the (safe) hex colour `hex`. */
export function onColor(hex: string): string {
  let h = hex.slice(1, 7);
  if (h.length < 6) h = h.slice(0, 3).replace(/./g, '$&$&');
  const n = parseInt(h, 16);
  return ((n >> 16) * 299 + ((n >> 8) & 255) * 587 + (n & 255) * 114) / 1000 > 165 ? '#111827' : '#fff';
}

/** The first of `<html lang>`, navigator.language we speak; else the first of `langs`. */
export function pickLang<L extends string>(langs: readonly L[]): L {
  for (const tag of [document.documentElement.lang, navigator.language]) {
    const l = (tag || '').slice(0, 2).toLowerCase() as L;
    if (langs.indexOf(l) >= 0) return l;
  }
  return langs[0]!;
}

/** Icons (24x24 viewBox) drawn by both bundles. */
export const CHAT_ICON = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2zm3 6v2h10V9zm0 4v2h7v-2z';
export const CLOSE_ICON = 'M18.3 5.7 13.4 10.6 12 12l6.3 6.3-1.4 1.4-6.3-6.3-6.3 6.3-1.4-1.4L9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z';

/**
 * The host element's own style. `all: initial` (inline and !important, so no page rule can
 * beat it) cuts every property the page could pass down by inheritance; position:fixed
 * and a zero size keep it out of the page's layout.
 */
export const HOST_STYLE =
  'all:initial!important;display:block!important;position:fixed!important;z-index:2147483000!important;' +
  'bottom:0!important;right:0!important;width:0!important;height:0!important';

/**
 * The launcher's styles: the loader injects only these, the app injects them again with
 * the panel's. `.pw` sets every inherited property the shadow tree relies on.
 */
export const LAUNCHER_CSS =
  ':host{all:initial}' +
  '.pw{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2330;' +
  'text-align:left;letter-spacing:normal;word-spacing:normal;text-transform:none;font-style:normal;white-space:normal;' +
  'visibility:visible;-webkit-font-smoothing:antialiased}' +
  '.pw *,.pw *:before,.pw *:after{box-sizing:border-box}' +
  '.pw-launcher{position:fixed;z-index:1;bottom:20px;right:20px;width:56px;height:56px;margin:0;padding:0;border:0;' +
  'border-radius:50%;background:var(--pc);color:var(--pf);cursor:pointer;display:flex;align-items:center;' +
  'justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.28);transition:transform .15s}' +
  '.pw-launcher:hover{transform:scale(1.06)}' +
  '.left .pw-launcher{right:auto;left:20px}' +
  '.pw :focus{outline:none}' +
  '.pw :focus-visible{outline:3px solid var(--pc);outline-offset:2px}' +
  '.pw-launcher svg{width:28px;height:28px;fill:currentColor}' +
  '.pw-spin{display:none;width:26px;height:26px;border:3px solid;border-right-color:transparent;border-radius:50%;' +
  'animation:pw-r .8s linear infinite}' +
  '.busy svg{display:none}.busy .pw-spin{display:block}' +
  '@keyframes pw-r{to{transform:rotate(1turn)}}' +
  '@media (prefers-reduced-motion:reduce){.pw *{transition:none!important}}';
