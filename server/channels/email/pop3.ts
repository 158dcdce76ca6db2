// A small POP3 client (RFC 1939, STLS from RFC 2595), written here rather than taken from
// npm: the maintained POP3 package there (0.11) ends a multi-line response only when the
// terminating "CRLF.CRLF" arrives within one socket chunk (a split terminator hangs the
// session), does not undo dot-stuffing, decodes bodies as UTF-8, which corrupts 8-bit
// mail, and has no STLS. Reading mail must not lose or alter bytes, and what is needed is
// small: a line reader, a multi-line reader, and eight commands.
// test/integration/pop3-client.test.ts proves it against Dovecot.
import net from 'node:net';
import tls from 'node:tls';
import type { InboxSettings } from '../../core/types';

export class Pop3Error extends Error {
  constructor(message: string, readonly code: string, readonly response?: string) {
    super(message);
    this.name = 'Pop3Error';
  }
}

const CRLF = Buffer.from('\r\n');

export class Pop3Client {
  private socket!: net.Socket | tls.TLSSocket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;
  private closed = false;

  private constructor(private readonly settings: InboxSettings['incoming'], private readonly timeoutMs: number) {}

  /** Connects, upgrades with STLS when asked, and logs in with USER/PASS. */
  static async connect(settings: InboxSettings['incoming'], password: string): Promise<Pop3Client> {
    const client = new Pop3Client(settings, settings.connectionTimeoutMs);
    await client.open(settings.security === 'tls');
    try {
      await client.expectOk(await client.readLine(settings.connectionTimeoutMs), 'GREETING');
      if (settings.security === 'starttls') {
        await client.command('STLS');
        await client.upgrade();
      }
      await client.command(`USER ${settings.username}`, settings.authTimeoutMs, 'AUTH');
      await client.command(`PASS ${password}`, settings.authTimeoutMs, 'AUTH');
      return client;
    } catch (err) {
      client.destroy();
      throw err;
    }
  }

  private open(secure: boolean): Promise<void> {
    const { host, port, allowInvalidCert } = this.settings;
    const socket = secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: !allowInvalidCert })
      : net.connect({ host, port });
    return this.ready(socket, secure ? 'secureConnect' : 'connect', `no connection to ${host}:${port}`);
  }

  private upgrade(): Promise<void> {
    const { host, port, allowInvalidCert } = this.settings;
    const plain = this.socket;
    plain.removeAllListeners('data');
    // host: the certificate is checked against it (servername is only SNI, never an IP).
    const secure = tls.connect({ socket: plain, host, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: !allowInvalidCert });
    return this.ready(secure, 'secureConnect', `no TLS handshake with ${host}:${port} after STLS`);
  }

  /**
   * Waits for the connection (or TLS handshake) within connectionTimeoutMs, then reads
   * from it. Without the deadline a server that accepts STLS and then says nothing would
   * hold the poll forever.
   */
  private ready(socket: net.Socket | tls.TLSSocket, event: 'connect' | 'secureConnect', late: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Pop3Error(`${late} within ${this.timeoutMs} ms`, 'CONNECT_TIMEOUT'));
      }, this.timeoutMs);
      // `on`, and left in place after a failure: a second error must not crash the process.
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      socket.on('error', fail);
      socket.once(event, () => {
        clearTimeout(timer);
        socket.off('error', fail);
        this.attach(socket);
        resolve();
      });
    });
  }

  private attach(socket: net.Socket | tls.TLSSocket): void {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
      this.wake();
    });
    socket.on('error', (err) => {
      this.failure ??= err;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.failure ??= new Pop3Error('the server closed the connection', 'CLOSED');
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private async waitForData(deadline: number): Promise<void> {
    if (this.failure) throw this.failure;
    const left = deadline - Date.now();
    if (left <= 0) throw this.abandon(new Pop3Error('the server did not answer in time', 'TIMEOUT'));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Ends a session that is out of step: after a timeout the late reply would otherwise be
   * read as the answer to the next command (a RETR taking a LIST's lines as the email).
   */
  private abandon(err: Error): Error {
    this.failure ??= err;
    this.destroy();
    return this.failure;
  }

  /** One CRLF-terminated line, without the CRLF. */
  private async readLine(timeoutMs = this.timeoutMs): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf(CRLF);
      if (end >= 0) {
        const line = this.buffer.subarray(0, end).toString('latin1');
        this.buffer = this.buffer.subarray(end + 2);
        return line;
      }
      await this.waitForData(deadline);
    }
  }

  /**
   * The body of a multi-line response: lines until a lone ".", with dot-stuffing undone,
   * bytes kept as they are. The deadline restarts whenever data arrives (big emails).
   */
  private async readMultiline(): Promise<Buffer> {
    const parts: Buffer[] = [];
    let deadline = Date.now() + this.timeoutMs;
    let start = 0;
    for (;;) {
      const end = this.buffer.indexOf(CRLF, start);
      if (end < 0) {
        // Keep the unfinished line in the buffer; move the finished ones out.
        if (start > 0) this.buffer = this.buffer.subarray(start);
        start = 0;
        const before = this.buffer.length;
        await this.waitForData(deadline);
        if (this.buffer.length > before) deadline = Date.now() + this.timeoutMs;
        continue;
      }
      const line = this.buffer.subarray(start, end);
      start = end + 2;
      if (line.length === 1 && line[0] === 0x2e) {
        this.buffer = this.buffer.subarray(start);
        return Buffer.concat(parts);
      }
      parts.push(line[0] === 0x2e ? line.subarray(1) : line, CRLF);
    }
  }

  private async expectOk(line: string, what: string): Promise<string> {
    if (line.startsWith('+OK')) return line.slice(3).trim();
    const text = line.replace(/^-ERR\s*/, '');
    throw new Pop3Error(`${what === 'AUTH' ? 'login refused' : `${what} refused`}: ${text || line}`, what === 'AUTH' ? 'AUTH_FAILED' : 'ERR', line);
  }

  private async command(line: string, timeoutMs = this.timeoutMs, what = line.split(' ')[0]!): Promise<string> {
    if (this.failure) throw this.failure;
    // A line break in a user name or password would send a second command of its own.
    if (/[\r\n]/.test(line)) throw new Pop3Error(`${what === 'AUTH' ? 'the user name or password' : what} contains a line break`, 'INVALID_INPUT');
    this.socket.write(`${line}\r\n`);
    return this.expectOk(await this.readLine(timeoutMs), what);
  }

  /** Message number -> unique id, for every message in the maildrop. */
  async uidl(): Promise<Array<{ n: number; uid: string }>> {
    await this.command('UIDL');
    return (await this.readMultiline()).toString('latin1').split('\r\n').filter(Boolean).map((l) => {
      const [n, uid] = l.split(' ');
      return { n: Number(n), uid: uid! };
    });
  }

  /** Message number -> size in bytes. */
  async list(): Promise<Map<number, number>> {
    await this.command('LIST');
    const sizes = new Map<number, number>();
    for (const l of (await this.readMultiline()).toString('latin1').split('\r\n').filter(Boolean)) {
      const [n, size] = l.split(' ');
      sizes.set(Number(n), Number(size));
    }
    return sizes;
  }

  async retr(n: number): Promise<Buffer> {
    await this.command(`RETR ${n}`);
    return this.readMultiline();
  }

  /** The header of message n (TOP n 0). */
  async top(n: number): Promise<Buffer> {
    await this.command(`TOP ${n} 0`);
    return this.readMultiline();
  }

  async dele(n: number): Promise<void> {
    await this.command(`DELE ${n}`);
  }

  /** Ends the session; deletions take effect only now (the UPDATE state). */
  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } finally {
      this.destroy();
    }
  }

  destroy(): void {
    if (!this.closed) this.socket?.destroy();
  }
}

export interface Pop3SessionHooks {
  /** Whether the maildrop was read before; on the first poll only mail that arrived after addedAt is imported. */
  seeded(): boolean;
  addedAt: number;
  markSeeded(): Promise<void>;
  /** Which of these UIDLs were imported before. */
  known(uids: string[]): Promise<Set<string>>;
  remember(uid: string): Promise<void>;
  /** Reads one email into the chat; true when it became (or already was) a message. */
  ingest(uid: string, raw: Buffer, headersOnly: boolean, size: number): Promise<boolean>;
  synced(): Promise<void>;
  maxEmailBytes: number;
  settings: InboxSettings;
}

/**
 * Polls a POP3 maildrop every pollSeconds until stopped: one connection per poll (POP3
 * locks the maildrop while a session is open). Each new UIDL is imported, then
 * remembered, then (with "delete after import") deleted at QUIT. Rejects when a poll fails.
 */
export async function runPop3Session(
  inbox: { settings: InboxSettings },
  password: string,
  hooks: Pop3SessionHooks,
  signal: AbortSignal,
  onConnected: () => void,
): Promise<void> {
  let first = true;
  while (!signal.aborted) {
    const client = await Pop3Client.connect(inbox.settings.incoming, password);
    const abort = () => client.destroy();
    signal.addEventListener('abort', abort, { once: true });
    try {
      if (first) onConnected();
      first = false;
      await pollOnce(client, hooks, signal);
      if (!signal.aborted) await client.quit();
    } finally {
      signal.removeEventListener('abort', abort);
      client.destroy();
    }
    if (signal.aborted) return;
    await hooks.synced();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, inbox.settings.pollSeconds * 1000);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

async function pollOnce(client: Pop3Client, hooks: Pop3SessionHooks, signal: AbortSignal): Promise<void> {
  const listing = await client.uidl();
  const known = await hooks.known(listing.map((m) => m.uid));
  let fresh = listing.filter((m) => !known.has(m.uid));
  if (!hooks.seeded()) {
    // First poll: POP3 has no arrival dates, so read each header's newest Received date
    // (written by the receiving server; the Date header is the sender's say).
    const kept: typeof fresh = [];
    for (const m of fresh) {
      const arrived = arrivalOf(await client.top(m.n));
      if (arrived !== null && arrived >= hooks.addedAt - 60_000) kept.push(m);
      else await hooks.remember(m.uid);
    }
    fresh = kept;
  }
  if (!fresh.length) {
    if (!hooks.seeded()) await hooks.markSeeded();
    return;
  }
  const sizes = await client.list();
  for (const { n, uid } of fresh) {
    if (signal.aborted) return;
    const size = sizes.get(n) ?? 0;
    const headersOnly = size > hooks.maxEmailBytes;
    const raw = headersOnly ? await client.top(n) : await client.retr(n);
    const imported = await hooks.ingest(uid, raw, headersOnly, size);
    await hooks.remember(uid);
    if (imported && hooks.settings.afterImport === 'delete') await client.dele(n);
  }
  if (!hooks.seeded()) await hooks.markSeeded();
}

/** The arrival time of an email from its header: the topmost Received date, else Date. */
function arrivalOf(header: Buffer): number | null {
  const text = header.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const received = text.match(/^received:[^\n]*;\s*([^\r\n]+)/im);
  const date = received?.[1] ?? text.match(/^date:\s*([^\r\n]+)/im)?.[1];
  const t = date ? Date.parse(date.replace(/\s*\([^)]*\)\s*$/, '')) : NaN;
  return Number.isNaN(t) ? null : t;
}
