// The HTML half of the reply stripper: find where the quoted part of an HTML reply starts from
// the markup mail clients put around it (a gmail_quote div, Outlook's divRplyFwdMsg or its
// border-top "From:" block, Thunderbird's moz-cite-prefix, ...), cut the HTML there and convert
// what is left to text. Quote headers and quotes without such markup are left to the text rules:
// blockquotes become "> " lines, which those rules understand.
//
// One streaming pass of htmlparser2 (no DOM, no recursion: a deeply nested email cannot blow the
// stack), then html-to-text on the kept prefix with a depth limit.
import { compile } from 'html-to-text';
import { Parser } from 'htmlparser2';
import { fieldKind } from './strip-patterns';

export interface HtmlCut {
  /** The kept HTML converted to text. */
  text: string;
  /** What the HTML was cut at: quote markup, our delimiter line, or nothing. */
  cut: 'markup' | 'delimiter' | null;
}

const toText = compile({
  wordwrap: false,
  limits: { maxDepth: 200 },
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, noAnchorUrl: true } },
    { selector: 'a[href^="mailto:"]', format: 'anchor', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'head', format: 'skip' },
    { selector: 'title', format: 'skip' },
    { selector: 'blockquote[data-parley-indent]', format: 'block' },
    { selector: 'tr', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'td', format: 'inlineSurround', options: { prefix: '', suffix: ' ' } },
    { selector: 'th', format: 'inlineSurround', options: { prefix: '', suffix: ' ' } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
  ],
});

/** Containers that hold the quoted message (or the signature and what follows, for Yahoo's). */
const QUOTE_CLASSES = ['gmail_quote', 'gmail_quote_container', 'moz-cite-prefix', 'moz-forward-container', 'protonmail_quote',
  'tutanota_quote', 'zmail_extra', 'outlookmessageheader', 'applemailquote'];
const QUOTE_IDS = ['divrplyfwdmsg', 'appendonsend', 'olk_src_body_section', 'mail-editor-reference-message-container',
  'outlookmessageheader'];

interface Peek {
  /** Where to cut when the text that follows turns out to be a "From:" header block. */
  at: number;
  text: string;
  /** Stack depth the peek is confined to (a border-top div), or -1 for "whatever follows" (an <hr>). */
  depth: number;
  tags: number;
}

function startsHeaderBlock(text: string): boolean {
  const kind = fieldKind(text.replace(/[\s\u00a0*]+/g, ' ').trimStart());
  return kind === 'from' || kind === 'date' || kind === 'sent';
}

interface Options {
  delimiter: string | null;
  keepSignature: boolean;
}

/** Converts the new part of an HTML reply to text. */
export function htmlReplyText(html: string, opts: Options): HtmlCut {
  let cut = html.length;
  let cutBy: HtmlCut['cut'] = null;
  const inserts: { at: number; text: string }[] = [];
  const stack: string[] = [];
  const peeks: Peek[] = [];
  let lastHr = -1; // an <hr> with nothing visible after it yet: Outlook Web draws one above divRplyFwdMsg
  let run = '';
  let runStart = -1;
  const phrase = opts.delimiter?.toLowerCase() ?? null;

  const cutAt = (at: number, by: HtmlCut['cut'] = 'markup'): void => {
    if (at < cut) {
      cut = at;
      cutBy = by;
    }
  };
  const resolve = (peek: Peek): void => {
    if (startsHeaderBlock(peek.text)) cutAt(peek.at);
  };

  const parser = new Parser({
    onopentag(name, attribs) {
      const at = parser.startIndex;
      run = '';
      if (at >= cut) return;
      const classes = (attribs.class ?? '').toLowerCase().split(/\s+/);
      const id = (attribs.id ?? '').toLowerCase();
      const style = (attribs.style ?? '').toLowerCase();
      for (const p of peeks) p.tags++;
      if (classes.some((c) => QUOTE_CLASSES.includes(c) || c.endsWith('yahoo_quoted')) ||
        QUOTE_IDS.some((q) => id === q || id.endsWith(`_${q}`) || id.endsWith(q))) {
        cutAt(id.endsWith('divrplyfwdmsg') && lastHr >= 0 ? lastHr : at);
      } else if (!opts.keepSignature && (classes.some((c) => c.endsWith('ymail_android_signature')) ||
        id.endsWith('ymail_android_signature'))) {
        cutAt(at);
      }
      if (name === 'hr') {
        lastHr = at;
        if (peeks.length < 8) peeks.push({ at, text: '', depth: -1, tags: 0 });
      } else if (/border-top\s*:\s*(?!none)|border-top-style\s*:\s*solid/.test(style) && peeks.length < 8) {
        peeks.push({ at, text: '', depth: stack.length, tags: 0 });
      }
      if (name === 'blockquote' && attribs.type !== 'cite' && !attribs.class && /border\s*:\s*none/.test(style)) {
        // Gmail's "indent" button: a blockquote that is not a quote.
        inserts.push({ at: at + '<blockquote'.length, text: ' data-parley-indent' });
      }
      stack.push(name);
      if (peeks.some((p) => p.tags > 40)) {
        for (const p of peeks.filter((q) => q.tags > 40)) resolve(p);
        peeks.splice(0, peeks.length, ...peeks.filter((q) => q.tags <= 40));
      }
    },
    onclosetag() {
      run = '';
      stack.pop();
      for (let i = peeks.length - 1; i >= 0; i--) {
        if (peeks[i]!.depth >= stack.length) {
          resolve(peeks[i]!);
          peeks.splice(i, 1);
        }
      }
    },
    ontext(data) {
      const at = parser.startIndex;
      if (at >= cut) return;
      if (data.trim() !== '' && data.trim() !== '\u00a0') lastHr = -1;
      for (let i = peeks.length - 1; i >= 0; i--) {
        const peek = peeks[i]!;
        peek.text += data.slice(0, 200);
        if (peek.text.replace(/\s+/g, '').length >= 40) {
          resolve(peek);
          peeks.splice(i, 1);
        }
      }
      if (phrase) {
        if (run === '') runStart = at;
        run = (run + data).slice(-(phrase.length + 400));
        if (run.toLowerCase().includes(phrase)) cutAt(runStart, 'delimiter');
      }
    },
  }, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  parser.end(html);
  for (const peek of peeks) resolve(peek);

  let kept = '';
  let from = 0;
  for (const ins of inserts) {
    if (ins.at > cut) break;
    kept += html.slice(from, ins.at) + ins.text;
    from = ins.at;
  }
  kept += html.slice(from, cut);
  return { text: toText(kept), cut: cutBy };
}

/** The whole HTML body as text, quotes included (blockquotes as "> " lines). */
export function htmlToText(html: string): string {
  return toText(html);
}
