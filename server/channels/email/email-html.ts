// The HTML around a rendered template: the sanitizer that stands between an admin's
// template and a recipient's mail client, the branded layout, and the plain-text part.
// Pure: no I/O (juice only inlines the <style> block given here; it fetches nothing).
import { compile } from 'html-to-text';
import juice from 'juice';
import sanitizeHtml from 'sanitize-html';
import type { MailBranding } from '../../core/types';
import { DEFAULT_BRANDING } from './defaults';

export const COLOR_RE = /^#[0-9a-f]{6}$/i;
/** A logo given inline (data: URL) may be this long; mail clients choke on larger bodies. */
export const MAX_LOGO_URL = 200_000;
const HTTPS_URL_RE = /^https:\/\/[^\s"'<>\\]+$/i;
// No SVG: an SVG can carry scripts, and mail clients handle it badly anyway.
const DATA_IMAGE_RE = /^data:image\/(?:png|jpeg|gif|webp);base64,[a-z0-9+/]+=*$/i;

/** Why this logo URL cannot be used, or null. */
export function logoUrlProblem(url: string): string | null {
  if (url.length > MAX_LOGO_URL) return `The logo is too large: keep it under ${MAX_LOGO_URL / 1000} kB, or give an https:// URL.`;
  if (HTTPS_URL_RE.test(url) || DATA_IMAGE_RE.test(url)) return null;
  return 'Enter an https:// URL of the logo, or a data:image/png, jpeg, gif or webp;base64 URL.';
}

/** The branding as it goes into CSS and markup: anything invalid (stored before validation) falls back to the default. */
export function safeBranding(branding: MailBranding): MailBranding {
  return {
    logoUrl: branding.logoUrl && !logoUrlProblem(branding.logoUrl) ? branding.logoUrl : null,
    color: COLOR_RE.test(branding.color) ? branding.color.toLowerCase() : DEFAULT_BRANDING.color,
    signature: branding.signature,
  };
}

// CSS values made of words, numbers, units, colours, quotes and rgb(): no url(), expression(), var().
const SAFE_CSS_VALUE = /^(?:[-#\w\s.,%'"!/]|rgba?\([\d\s.,%]*\))*$/i;
const SAFE_PROPERTIES = [
  'color', 'background-color', 'font', 'font-family', 'font-size', 'font-style', 'font-weight', 'line-height', 'letter-spacing',
  'text-align', 'text-decoration', 'text-transform', 'vertical-align', 'white-space', 'word-break',
  'margin', 'margin-top', 'margin-right', 'margin-bottom', 'margin-left',
  'padding', 'padding-top', 'padding-right', 'padding-bottom', 'padding-left',
  'border', 'border-top', 'border-right', 'border-bottom', 'border-left', 'border-color', 'border-style', 'border-width',
  'border-radius', 'border-collapse', 'width', 'max-width', 'min-width', 'height', 'display', 'list-style-type',
];
const TABLE_ATTRIBUTES = ['width', 'align', 'valign', 'colspan', 'rowspan'];
const IMAGE_SRC_RE = /^(?:https:\/\/|data:image\/(?:png|jpeg|gif|webp);base64,)/i;

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'center', 'font'],
  allowedAttributes: {
    '*': ['style', 'align', 'dir', 'title'],
    a: ['href', 'name', 'target'],
    img: ['src', 'alt', 'width', 'height'],
    font: ['color', 'size', 'face'],
    ol: ['start', 'type'],
    table: ['width', 'align', 'border', 'cellpadding', 'cellspacing', 'role'],
    td: TABLE_ATTRIBUTES,
    th: TABLE_ATTRIBUTES,
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https', 'data'] },
  allowProtocolRelative: false,
  allowedStyles: { '*': Object.fromEntries(SAFE_PROPERTIES.map((p) => [p, [SAFE_CSS_VALUE]])) },
  // Images only from https or inline data (no relative URLs, no data:text/html).
  exclusiveFilter: (frame) => frame.tag === 'img' && !IMAGE_SRC_RE.test(frame.attribs.src ?? ''),
};

/** A rendered template made safe to mail: formatting, links, images, tables and safe inline styles only. */
export function sanitizeTemplateHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface Layout {
  /** The sanitized body. */
  body: string;
  branding: MailBranding;
  /** The delimiter line shown on top, or null. */
  delimiter: string | null;
  /** The logo's alternative text. */
  siteName: string;
}

const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

/**
 * The email around the body, table-based for the mail clients that ignore layout CSS
 * (Outlook), written with a <style> block that juice inlines: most clients drop <style>.
 */
export function layoutHtml(layout: Layout): string {
  const { logoUrl, color, signature } = safeBranding(layout.branding);
  const css = `
    body { margin: 0; padding: 0; background-color: #f4f4f5; }
    .outer { width: 100%; background-color: #f4f4f5; }
    .outer-cell { padding: 24px 12px; }
    .delimiter { margin: 0 auto 12px; max-width: 600px; color: #9ca3af; font-family: ${FONT}; font-size: 12px; }
    .card { width: 100%; max-width: 600px; background-color: #ffffff; border-top: 4px solid ${color}; border-collapse: collapse; }
    .logo { padding: 24px 24px 0; }
    .logo img { display: block; max-height: 48px; max-width: 240px; border: 0; }
    .content { padding: 24px; color: #1f2937; font-family: ${FONT}; font-size: 15px; line-height: 1.5; }
    .signature { margin: 24px 0 0; padding-top: 12px; border-top: 1px solid #e5e7eb; color: #6b7280; font-size: 14px; }
    a { color: ${color}; }
    blockquote { margin: 8px 0; padding: 4px 12px; border-left: 3px solid #e5e7eb; color: #374151; }`;
  const delimiter = layout.delimiter ? `<p class="delimiter">${escapeHtml(layout.delimiter)}</p>` : '';
  const logo = logoUrl ? `<tr><td class="logo"><img src="${escapeHtml(logoUrl)}" alt="${escapeHtml(layout.siteName)}"></td></tr>` : '';
  const sig = signature.trim() ? `<p class="signature">${escapeHtml(signature.trim()).replace(/\r\n|\r|\n/g, '<br>')}</p>` : '';
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<style>${css}</style></head><body>`
    + `<table role="presentation" class="outer" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td class="outer-cell" align="center">`
    + delimiter
    + `<table role="presentation" class="card" width="600" cellpadding="0" cellspacing="0" border="0">`
    + `${logo}<tr><td class="content">${layout.body}${sig}</td></tr></table>`
    + `</td></tr></table></body></html>`;
  return juice(html, { removeStyleTags: true, preserveMediaQueries: false, applyWidthAttributes: false, applyHeightAttributes: false });
}

// Compiled once: building html-to-text's converter costs more than most conversions.
const toText = compile({
  wordwrap: 78,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { linkBrackets: ['[', ']'], hideLinkHrefIfSameAsText: true } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});

/** The plain-text part: the delimiter, the body as text (links as "text [url]", no images), the signature after "-- ". */
export function textPart(layout: Layout): string {
  const body = toText(layout.body).trim();
  const signature = layout.branding.signature.trim().replace(/\r\n|\r/g, '\n');
  return [layout.delimiter, body, signature ? `-- \n${signature}` : null].filter((part) => part).join('\n\n') + '\n';
}
