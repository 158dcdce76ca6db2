// The public email corpora of ../shared/corpora (see its README), found from the project
// root. They stay outside the repository: scripts that use them say when they are absent.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from './proc';

export const CORPORA = resolve(ROOT, '../shared/corpora');

function filesUnder(dir: string, test: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, test));
    else if (test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** The must-not-crash MIME sets: flanker and postal_mime .eml, mime4j .msg. `present`: all three were found. */
export function mimeTortureFiles(): { files: string[]; present: boolean } {
  const sets = [
    filesUnder(join(CORPORA, 'flanker/tests/fixtures/messages'), (n) => n.endsWith('.eml')),
    filesUnder(join(CORPORA, 'mime4j/core/src/test/resources/testmsgs'), (n) => n.endsWith('.msg')),
    filesUnder(join(CORPORA, 'postal_mime/test/fixtures'), (n) => n.endsWith('.eml')),
  ];
  return { files: sets.flat(), present: sets.every((s) => s.length > 0) };
}
