// format=flowed (RFC 3676) decoding that respects quote depth. mailparser decodes flowed
// text through libmime's decodeFlowed, which joins a soft-broken line with the next one
// whatever its quote depth: `> Hi ⏎Hello` becomes `> Hi Hello`, and a Thunderbird reply's
// new text disappears into the quote (talon's thunderbird.eml). RFC 3676 §4.5 ends a
// paragraph where the quote depth changes. libmime's function is replaced once, in the
// process that parses mail (installFlowedDecoder, called by mail.ts); a library option
// would be better, and there is none.
import libmime from 'libmime';

/** Decodes format=flowed text line by line: linear in the input, no regex over the whole body. */
export function decodeFlowed(input: string, delSp = false): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let depth = -1;
  let open = false; // the previous line was soft-broken: this one continues its paragraph
  const flush = () => {
    if (depth < 0) return;
    out.push(`${depth ? `${'>'.repeat(depth)} ` : ''}${paragraph.join('')}`);
    paragraph = [];
    depth = -1;
  };
  for (const raw of input.split(/\r?\n/)) {
    let d = 0;
    while (raw.charCodeAt(d) === 0x3e) d++; // '>'
    let line = raw.slice(d);
    if (line.startsWith(' ')) line = line.slice(1); // space-stuffing, or the space after '>'
    if (open && d !== depth) flush(); // a change of quote depth ends the paragraph
    const soft = line.endsWith(' ') && line !== '-- ';
    if (!open) flush();
    depth = d;
    paragraph.push(soft && delSp ? line.slice(0, -1) : line);
    open = soft;
  }
  flush();
  return out.join('\n');
}

let installed = false;

export function installFlowedDecoder(): void {
  if (installed) return;
  installed = true;
  const proto = (libmime as unknown as { Libmime: { prototype: { decodeFlowed: typeof decodeFlowed } } }).Libmime.prototype;
  proto.decodeFlowed = decodeFlowed;
}
