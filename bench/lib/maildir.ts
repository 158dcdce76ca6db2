// Bulk delivery into a private Dovecot (test/helpers/dovecot.ts) for the mail benchmarks:
// the emails are written as a Maildir and moved in with one `doveadm import` (2,000 small
// emails in about 0.1 s here), where one `doveadm save` process per email costs 10 to 15 ms
// and LMTP about 5 ms: either would pace the reader being measured.
import { chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dovecot } from '../../test/helpers/dovecot';
import { removeDir, tempDir } from './proc';

/** Emails written as a Maildir the mail user owns, ready for importMaildir(). */
export interface PreparedMaildir {
  dir: string;
  count: number;
}

/**
 * Writes `raws` as a Maildir, in order, owned by the mail user (Dovecot writes its index
 * files into the source while it reads it).
 */
export function writeMaildir(dovecot: Dovecot, raws: Array<string | Buffer>): PreparedMaildir {
  const dir = tempDir('parley-bench-maildir-');
  const owner = statSync(join(dovecot.dir, 'mail'));
  const paths = [dir, join(dir, 'cur'), join(dir, 'new'), join(dir, 'tmp')];
  for (const p of paths.slice(1)) mkdirSync(p);
  const width = String(raws.length).length;
  raws.forEach((raw, i) => {
    // Dovecot gives new Maildir files their UIDs in file-name order.
    const file = join(dir, 'cur', `${1_700_000_000 + i}.M${String(i).padStart(width, '0')}.bench:2,`);
    writeFileSync(file, raw);
    paths.push(file);
  });
  for (const p of paths) chownSync(p, owner.uid, owner.gid);
  return { dir, count: raws.length };
}

/** Moves a prepared Maildir into `user`'s INBOX with one doveadm import; resolves with the time it took (ms). */
export async function importMaildir(dovecot: Dovecot, user: string, src: PreparedMaildir): Promise<number> {
  try {
    const started = performance.now();
    await dovecot.doveadm(['import', '-u', user, `maildir:${src.dir}`, '', 'all'], undefined, { strict: true });
    return performance.now() - started;
  } finally {
    removeDir(src.dir);
  }
}
