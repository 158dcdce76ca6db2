// The baseline readers of the ingestion benchmark, on imapflow alone: the least any IMAP
// reader must do (IDLE, fetch in batches, parse with mailparser's simpleParser), and the
// mail server's own notification delay, so Parley's figures can be read against both.
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import type { Dovecot } from '../../test/helpers/dovecot';
import { importMaildir, writeMaildir } from './maildir';
import { sleep } from './proc';

/** CPU time of this process (every thread) in ms. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function client(dovecot: Dovecot, user: string, password: string): ImapFlow {
  const c = new ImapFlow({
    host: dovecot.host, port: dovecot.ports.imap, secure: false, doSTARTTLS: false, disableAutoIdle: true,
    auth: { user, pass: password }, logger: false,
  });
  c.on('error', () => undefined); // connect() and the commands reject with it
  return c;
}

/**
 * The least a reader must do: IDLE on the folder, and on each EXISTS fetch what is new in
 * batches and parse it. Timed like Parley, from the import until the last email is parsed,
 * so both wait out the same server notification delay.
 */
export async function baselineRead(dovecot: Dovecot, user: string, password: string, raws: string[], batch: number) {
  const imap = client(dovecot, user, password);
  await imap.connect();
  const lock = await imap.getMailboxLock('INBOX');
  let wake: () => void = () => undefined;
  imap.on('exists', () => wake());
  try {
    const src = writeMaildir(dovecot, raws);
    const arrived = new Promise<void>((resolve) => (wake = resolve));
    void imap.idle().catch(() => undefined);
    const t0 = performance.now();
    const c0 = processCpuMs();
    const importMs = await importMaildir(dovecot, user, src);
    await arrived;
    let parsed = 0;
    let lastUid = 0;
    const deadline = Date.now() + 120_000;
    while (parsed < raws.length) {
      if (Date.now() > deadline) throw new Error(`baseline: only ${parsed} of ${raws.length} emails arrived in 120 s`);
      const uids = ((await imap.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || []).filter((u) => u > lastUid).sort((a, b) => a - b);
      for (let i = 0; i < uids.length; i += batch) {
        for (const m of await imap.fetchAll(uids.slice(i, i + batch).join(','), { uid: true, source: true }, { uid: true })) {
          if (!m.source) continue;
          await simpleParser(m.source);
          parsed++;
          lastUid = Math.max(lastUid, m.uid);
        }
      }
      if (parsed < raws.length) {
        const more = new Promise<void>((resolve) => (wake = resolve));
        void imap.idle().catch(() => undefined);
        await Promise.race([more, sleep(2000)]);
      }
    }
    return { ms: performance.now() - t0, cpuMs: processCpuMs() - c0, importMs, parsed };
  } finally {
    lock.release();
    await imap.logout().catch(() => imap.close());
  }
}

/** What the mail server itself adds: LMTP delivery to the EXISTS push of a bare imapflow IDLE client. */
export async function idleFloor(dovecot: Dovecot, user: string, password: string, probes: number): Promise<number[]> {
  const imap = client(dovecot, user, password);
  await imap.connect();
  const lock = await imap.getMailboxLock('INBOX');
  const out: number[] = [];
  try {
    for (let i = 0; i < probes; i++) {
      const seen = new Promise<void>((resolve) => imap.once('exists', () => resolve()));
      void imap.idle().catch(() => undefined);
      await sleep(20);
      const t0 = performance.now();
      await dovecot.deliver(`${user}@example.test`, `From: probe@customer.example\r\nSubject: floor ${i}\r\n\r\nfloor ${i}\r\n`);
      await seen;
      out.push(performance.now() - t0);
      await imap.noop(); // ends IDLE
    }
  } finally {
    lock.release();
    await imap.logout().catch(() => imap.close());
  }
  return out;
}

