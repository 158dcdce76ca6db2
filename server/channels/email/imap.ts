// Reading an IMAP folder with imapflow: connect (TLS, STARTTLS or plain), hold the folder,
// collect what arrived above the watermark, then wait with IDLE (restarted every few
// minutes; a silent dead connection is caught by the socket timeout) or poll.
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Inbox, InboxSettings, MailWatermark } from '../../core/types';

/** IDLE is broken and re-issued this often: some servers drop IDLE sessions silently after ~30 min. */
const MAX_IDLE_MS = 5 * 60_000;
/** No traffic for this long (IDLE keeps some) means the connection is dead. */
const SOCKET_TIMEOUT_MS = 10 * 60_000;
const FETCH_BATCH = 25;
/** And at most this many bytes of sources per batch (one email at least): two batches are held at once. */
const FETCH_BATCH_BYTES = 16 * 1024 * 1024;
/** UIDs whose sizes are read with one FETCH (about ten batches' worth). */
const SIZES_CHUNK = 250;
const DAY_MS = 24 * 3600_000;
/** Clock skew between Parley and the mail server tolerated when deciding what arrived after the inbox was added. */
const ARRIVAL_MARGIN_MS = 60_000;

export function imapOptions(settings: InboxSettings, password: string): ImapFlowOptions {
  const s = settings.incoming;
  return {
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    // STARTTLS is required when chosen (never silently plain); 'none' never upgrades.
    doSTARTTLS: s.security === 'starttls' ? true : s.security === 'none' ? false : undefined,
    auth: { user: s.username, pass: password },
    tls: { rejectUnauthorized: !s.allowInvalidCert },
    connectionTimeout: s.connectionTimeoutMs,
    greetingTimeout: s.connectionTimeoutMs,
    socketTimeout: SOCKET_TIMEOUT_MS,
    maxIdleTime: MAX_IDLE_MS,
    // IDLE is started by the reader the moment it has nothing to do (auto-IDLE waits 15 s).
    disableAutoIdle: true,
    logger: false,
  };
}

/**
 * Connects and logs in. imapflow has no separate login timeout, so the connection
 * timeout covers the TCP/TLS handshake and greeting, and authTimeoutMs bounds the rest.
 */
export async function connectImap(settings: InboxSettings, password: string): Promise<ImapFlow> {
  const client = new ImapFlow(imapOptions(settings, password));
  client.on('error', () => undefined); // surfaced through connect() or 'close'
  const budget = settings.incoming.connectionTimeoutMs + settings.incoming.authTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('the server did not finish the login in time'), { code: 'AUTH_TIMEOUT' })), budget);
      }),
    ]);
    return client;
  } catch (err) {
    client.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export interface FetchedMail {
  uid: number;
  /** The whole email, or only its header when it is over the size limit. */
  raw: Buffer;
  size: number;
  headersOnly: boolean;
}

export interface ImapSessionHooks {
  watermark(): MailWatermark | null;
  /** When the inbox was added: on the first read, mail that arrived before it is left alone. */
  addedAt: number;
  lastSyncAt(): number | null;
  /** Starts parsing a fetched email ahead of its turn (the batch is parsed while earlier emails are stored). */
  prepare(mail: FetchedMail): void;
  /** Reads one email into the chat; true when it became (or already was) a message. */
  ingest(mail: FetchedMail): Promise<boolean>;
  /**
   * Runs the ingests of one fetched batch as a unit of work (Store.batch): their store
   * writes commit together, before it resolves. Without it each write commits on its own.
   */
  batch?<T>(fn: () => Promise<T>): Promise<T>;
  /** Persists the watermark; called only after the batch's store writes. */
  advance(watermark: MailWatermark): Promise<void>;
  synced(): Promise<void>;
  now(): number;
  maxEmailBytes: number;
  settings: InboxSettings;
}

/**
 * One connection's life: resolves when `stop` is called, rejects when the connection
 * fails. Collects the backlog first, then new mail as it arrives.
 */
export async function runImapSession(inbox: Inbox, password: string, hooks: ImapSessionHooks, signal: AbortSignal, onConnected: () => void): Promise<void> {
  const { settings } = inbox;
  const folder = settings.incoming.folder || 'INBOX';
  const client = await connectImap(settings, password);
  let failure: Error | null = null;
  let wake: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    client.on('close', () => {
      failure ??= new Error('the server closed the connection');
      resolve();
      wake();
    });
  });
  client.on('error', (err: Error) => {
    failure = err;
  });
  const stop = () => {
    wake();
    client.close();
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      onConnected();
      let pending = true;
      client.on('exists', () => {
        pending = true;
        wake();
      });
      const useIdle = settings.idle && client.capabilities.has('IDLE');
      const poll = useIdle ? null : setInterval(() => {
        pending = true;
        wake();
      }, settings.pollSeconds * 1000);
      try {
        while (!signal.aborted && !failure && client.usable) {
          if (pending) {
            pending = false;
            await syncFolder(client, folder, hooks);
            await hooks.synced();
            if (!useIdle) await client.noop(); // polling: keep the session fresh
          }
          if (!pending) {
            const woken = new Promise<void>((resolve) => (wake = resolve));
            // IDLE until the server reports new mail; any next command ends it.
            if (useIdle) void client.idle().catch(() => undefined);
            await woken;
          }
        }
      } finally {
        if (poll) clearInterval(poll);
      }
    } finally {
      lock.release();
    }
  } catch (err) {
    failure ??= err as Error;
  } finally {
    signal.removeEventListener('abort', stop);
    if (client.usable) await client.logout().catch(() => client.close());
    else client.close();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]);
  }
  if (!signal.aborted && failure) throw failure;
}

/** A UID to import and its size (RFC822.SIZE), which decides whether its source is fetched. */
export interface NewMail {
  uid: number;
  size: number;
}

/** Imports what is above the watermark, advancing it batch by batch after the store writes. */
async function syncFolder(client: ImapFlow, folder: string, hooks: ImapSessionHooks): Promise<void> {
  const mailbox = client.mailbox;
  if (!mailbox) throw new Error(`folder ${folder} is not open`);
  const uidValidity = String(mailbox.uidValidity);
  const wm = hooks.watermark();
  let uids: number[];
  if (!wm || wm.folder !== folder) {
    // First read of this folder: mail that arrived since the inbox was added (also while
    // the login still failed) is imported; older mail is left alone (README, "Connecting
    // a mailbox"). SEARCH SINCE has day granularity: INTERNALDATE decides.
    const candidates = ((await client.search({ since: new Date(hooks.addedAt - DAY_MS) }, { uid: true })) || []).sort((a, b) => a - b);
    const fresh: number[] = [];
    if (candidates.length) {
      for (const m of await client.fetchAll(candidates.join(','), { uid: true, internalDate: true }, { uid: true })) {
        const arrived = m.internalDate ? new Date(m.internalDate).getTime() : 0;
        if (arrived >= hooks.addedAt - ARRIVAL_MARGIN_MS) fresh.push(m.uid);
      }
    }
    fresh.sort((a, b) => a - b);
    await importUids(client, folder, fresh, hooks, { folder, uidValidity, lastUid: 0 });
    await hooks.advance({ folder, uidValidity, lastUid: Math.max(fresh.at(-1) ?? 0, mailbox.uidNext - 1) });
    return;
  }
  if (wm.uidValidity !== uidValidity) {
    // The server renumbered the folder: old UIDs mean nothing. Re-check what arrived
    // since the last sync (a day of margin); emails already imported are recognised by
    // their Message-ID and not replayed.
    const since = new Date((hooks.lastSyncAt() ?? hooks.now()) - DAY_MS);
    uids = ((await client.search({ since }, { uid: true })) || []).sort((a, b) => a - b);
    await importUids(client, folder, uids, hooks, { folder, uidValidity, lastUid: 0 });
    await hooks.advance({ folder, uidValidity, lastUid: Math.max(uids.at(-1) ?? 0, mailbox.uidNext - 1) });
    return;
  }
  // `n:*` always matches the last message, even below n: filter.
  uids = ((await client.search({ uid: `${wm.lastUid + 1}:*` }, { uid: true })) || []).filter((u) => u > wm.lastUid).sort((a, b) => a - b);
  await importUids(client, folder, uids, hooks, wm);
}

async function importUids(client: ImapFlow, folder: string, uids: number[], hooks: ImapSessionHooks, start: MailWatermark): Promise<void> {
  const unitOfWork = hooks.batch ?? (<T>(fn: () => Promise<T>) => fn());
  const plan = fetchPlan(client, uids, hooks.maxEmailBytes);
  // The next batch is fetched, and its parsing started, while this one is stored: the mail
  // server, the parse worker and the main thread work at once instead of in turn.
  const fetchAhead = () => {
    const ahead = (async () => {
      const { value: batch } = await plan.next();
      if (!batch) return null;
      const fetched = await fetchBatch(client, batch, hooks.maxEmailBytes);
      for (const mail of fetched.values()) hooks.prepare(mail);
      return { batch, fetched };
    })();
    ahead.catch(() => undefined); // awaited in its turn; not unhandled when the batch before it fails
    return ahead;
  };
  let next = fetchAhead();
  let wm = start;
  for (;;) {
    const current = await next;
    if (!current) return;
    next = fetchAhead();
    const { batch, fetched } = current;
    // The batch's store writes commit before the mailbox is touched and the watermark moves.
    const done = await unitOfWork(async () => {
      const imported: number[] = [];
      for (const { uid } of batch) {
        const mail = fetched.get(uid);
        if (!mail) continue; // expunged meanwhile
        if (await hooks.ingest(mail)) imported.push(uid);
      }
      return imported;
    });
    await afterImport(client, done, hooks.settings);
    wm = { ...wm, folder, lastUid: Math.max(wm.lastUid, batch.at(-1)!.uid) };
    await hooks.advance(wm);
  }
}

/**
 * The fetch batches of `uids`, their sizes read SIZES_CHUNK at a time: one FETCH of sizes
 * serves several batches (instead of one per batch), and imapflow never parses thousands
 * of responses in one go (2,000 take it about 80 ms without yielding).
 */
async function* fetchPlan(client: ImapFlow, uids: number[], maxEmailBytes: number): AsyncGenerator<NewMail[], void> {
  for (let i = 0; i < uids.length; i += SIZES_CHUNK) {
    const mails: NewMail[] = [];
    for (const m of await client.fetchAll(uids.slice(i, i + SIZES_CHUNK).join(','), { uid: true, size: true }, { uid: true })) {
      mails.push({ uid: m.uid, size: m.size ?? 0 });
    }
    yield* fetchBatches(mails.sort((a, b) => a.uid - b.uid), maxEmailBytes);
  }
}

/**
 * Cuts the mail to import into fetch batches of at most FETCH_BATCH emails and
 * FETCH_BATCH_BYTES of sources; an email over the size limit counts nothing (only its
 * header is fetched).
 */
export function fetchBatches<M extends NewMail>(mails: M[], maxEmailBytes: number): M[][] {
  const batches: M[][] = [];
  let batch: M[] = [];
  let bytes = 0;
  for (const mail of mails) {
    const size = mail.size > maxEmailBytes ? 0 : mail.size;
    if (batch.length && (batch.length === FETCH_BATCH || bytes + size > FETCH_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(mail);
    bytes += size;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/** The sources of a batch in one FETCH; of an email over the size limit only the header (a FETCH of its own, rare). */
async function fetchBatch(client: ImapFlow, batch: NewMail[], maxEmailBytes: number): Promise<Map<number, FetchedMail>> {
  const small = batch.filter((m) => m.size <= maxEmailBytes).map((m) => m.uid);
  const large = new Map(batch.filter((m) => m.size > maxEmailBytes).map((m) => [m.uid, m.size]));
  const fetched = new Map<number, FetchedMail>();
  if (small.length) {
    for (const m of await client.fetchAll(small.join(','), { uid: true, source: true }, { uid: true })) {
      if (m.source) fetched.set(m.uid, { uid: m.uid, raw: m.source, size: m.source.byteLength, headersOnly: false });
    }
  }
  if (large.size) {
    for (const m of await client.fetchAll([...large.keys()].join(','), { uid: true, headers: true }, { uid: true })) {
      if (m.headers) fetched.set(m.uid, { uid: m.uid, raw: m.headers, size: large.get(m.uid)!, headersOnly: true });
    }
  }
  return fetched;
}

async function afterImport(client: ImapFlow, uids: number[], settings: InboxSettings): Promise<void> {
  if (!uids.length) return;
  const range = uids.join(',');
  if (settings.afterImport === 'read') await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
  else if (settings.afterImport === 'move' && settings.moveTo) await client.messageMove(range, settings.moveTo, { uid: true });
}
