// The email channel's inbound side: the admin's inboxes, and one reader per enabled inbox
// somewhere in the cluster. A supervisor on every node takes the lease of each inbox it
// can (so exactly one node reads a mailbox), starts a reader, and restarts it when the
// settings change. A reader keeps the inbox's status truthful: Active while connected,
// Interrupted while reconnecting with capped jittered backoff, Error when retrying cannot
// help (a refused login, a bad certificate) or after maxAttempts failures in a row.
import type { Logger } from 'pino';
import { backoffDelay, type BackoffPolicy } from '../../core/backoff';
import { ParleyError } from '../../core/errors';
import { newId } from '../../core/ids';
import { DuplicateKeyError, type BlobStore, type Clock, type Store } from '../../core/ports';
import type { Inbox, InboxSettings, InboxStatus, MailItem, MailItemKind, Site } from '../../core/types';
import type { Sealer } from '../../security/sealed';
import { describeMailError } from './errors';
import { connectImap, runImapSession, type FetchedMail } from './imap';
import type { Analysis } from './analyze';
import type { IngestOutcome, MailIngest } from './ingest';
import { Pop3Client, runPop3Session } from './pop3';

export interface InboxInput {
  name: string;
  address: string;
  departmentId: string | null;
  enabled: boolean;
  settings: InboxSettings;
  /** Omitted on update: keep the stored one. */
  password?: string;
  smtpPassword?: string | null;
}

export interface EmailChannelOptions {
  /** How often the supervisor looks at the inboxes and renews its leases. */
  superviseMs: number;
  leaseMs: number;
  /** A connection that stayed up this long resets the backoff. */
  stableMs: number;
  backoff: Pick<BackoffPolicy, 'baseMs' | 'capMs'>;
  /** An email failing to import this many times in a row is quarantined, not retried forever. */
  maxIngestFailures: number;
}

export const DEFAULT_EMAIL_OPTIONS: EmailChannelOptions = {
  superviseMs: 5_000, leaseMs: 30_000, stableMs: 60_000, backoff: { baseMs: 5_000, capMs: 10 * 60_000 }, maxIngestFailures: 3,
};

interface Deps {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  sealer: Sealer;
  ingest: MailIngest;
  /** This node's name (lease holder). */
  node: string;
  maxEmailBytes: number;
  options?: Partial<EmailChannelOptions>;
}

export interface ConnectionTest {
  ok: boolean;
  message: string;
  /** IMAP folders, for the folder picker. */
  folders: string[];
  idle: boolean | null;
}

const leaseName = (inboxId: string) => `inbox:${inboxId}`;
const connecting = (): InboxStatus => ({ state: 'interrupted', lastError: null, attempts: 0, lastSyncAt: null });

export class EmailChannel {
  private readonly opts: EmailChannelOptions;
  private readonly readers = new Map<string, InboxReader>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private kicked = false;
  private stopped = true;

  constructor(private readonly deps: Deps) {
    this.opts = { ...DEFAULT_EMAIL_OPTIONS, ...deps.options };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    await Promise.all([...this.readers.values()].map((r) => this.stopReader(r)));
  }

  /** Look at the inboxes now rather than at the next tick (after an admin's change). */
  kick(): void {
    if (this.stopped) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.schedule(0);
    } else {
      this.kicked = true; // a tick is running: run another right after it
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = null;
    this.kicked = false;
    this.ticking = this.supervise().catch((err) => this.deps.logger.error({ err }, 'email supervisor failed'));
    await this.ticking;
    this.ticking = null;
    if (!this.stopped) this.schedule(this.kicked ? 0 : this.opts.superviseMs);
  }

  private async supervise(): Promise<void> {
    const { store, clock, node } = this.deps;
    const inboxes = await store.listInboxes();
    const seen = new Set<string>();
    for (const inbox of inboxes) {
      seen.add(inbox.id);
      const reader = this.readers.get(inbox.id);
      const wanted = inbox.enabled && inbox.status.state !== 'error';
      if (!wanted) {
        if (reader) await this.stopReader(reader);
        continue;
      }
      const held = await store.acquireLease(leaseName(inbox.id), node, clock.now(), this.opts.leaseMs);
      if (!held) {
        if (reader) await this.stopReader(reader, false);
        continue;
      }
      if (reader && reader.fingerprint === fingerprint(inbox)) continue;
      if (reader) await this.stopReader(reader, false);
      const fresh = new InboxReader(inbox, this.deps, this.opts, (r) => {
        if (this.readers.get(r.inbox.id) === r) this.readers.delete(r.inbox.id);
      });
      this.readers.set(inbox.id, fresh);
      fresh.start();
    }
    for (const reader of this.readers.values()) if (!seen.has(reader.inbox.id)) await this.stopReader(reader);
  }

  private async stopReader(reader: InboxReader, release = true): Promise<void> {
    this.readers.delete(reader.inbox.id);
    await reader.stop();
    if (release) await this.deps.store.releaseLease(leaseName(reader.inbox.id), this.deps.node);
  }

  /** Whether this node reads the inbox now (for tests and status pages). */
  isReading(inboxId: string): boolean {
    return this.readers.has(inboxId);
  }

  // ---- admin operations -------------------------------------------------------------

  async create(site: Site, input: InboxInput): Promise<Inbox> {
    const { store, sealer, clock } = this.deps;
    if (!input.password) throw new ParleyError('VALIDATION_FAILED', [{ path: 'password', message: 'Enter the mailbox password.' }]);
    try {
      const inbox = await store.createInbox({
        id: newId(), siteId: site.id, name: input.name, address: input.address.toLowerCase(), departmentId: input.departmentId,
        enabled: input.enabled, settings: input.settings, passwordSealed: sealer.seal(input.password),
        smtpPasswordSealed: input.smtpPassword ? sealer.seal(input.smtpPassword) : null,
        status: input.enabled ? connecting() : { ...connecting(), state: 'disabled' },
      }, clock.now());
      this.kick();
      return inbox;
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw new ParleyError('INBOX_TAKEN');
      throw err;
    }
  }

  /** Any change starts the reader afresh: status back to connecting, attempts reset. */
  async update(id: string, input: Partial<InboxInput>): Promise<Inbox> {
    const { store, sealer, clock } = this.deps;
    const current = await this.get(id);
    try {
      const updated = await store.updateInbox(id, {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.address !== undefined && { address: input.address.toLowerCase() }),
        ...(input.departmentId !== undefined && { departmentId: input.departmentId }),
        ...(input.enabled !== undefined && { enabled: input.enabled }),
        ...(input.settings !== undefined && { settings: input.settings }),
        ...(input.password && { passwordSealed: sealer.seal(input.password) }),
        ...(input.smtpPassword !== undefined && { smtpPasswordSealed: input.smtpPassword ? sealer.seal(input.smtpPassword) : null }),
      }, clock.now());
      if (!updated) throw new ParleyError('NOT_FOUND');
      const enabled = updated.enabled;
      const status: InboxStatus = enabled ? { ...connecting(), lastSyncAt: current.status.lastSyncAt } : { ...current.status, state: 'disabled' };
      const result = (await store.setInboxStatus(id, status, clock.now())) ?? updated;
      this.kick();
      return result;
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw new ParleyError('INBOX_TAKEN');
      throw err;
    }
  }

  /** After Error: try again now, with the attempts reset. */
  async reconnect(id: string): Promise<Inbox> {
    const inbox = await this.get(id);
    if (!inbox.enabled) throw new ParleyError('INBOX_DISABLED');
    const updated = await this.deps.store.setInboxStatus(id, { ...connecting(), lastSyncAt: inbox.status.lastSyncAt }, this.deps.clock.now());
    this.kick();
    return updated!;
  }

  async delete(id: string): Promise<void> {
    const reader = this.readers.get(id);
    if (reader) await this.stopReader(reader);
    const { deleted, rawBlobIds } = await this.deps.store.deleteInbox(id);
    if (!deleted) throw new ParleyError('NOT_FOUND');
    for (const blob of rawBlobIds) await this.deps.blobs.delete(blob);
  }

  async get(id: string): Promise<Inbox> {
    const inbox = await this.deps.store.getInbox(id);
    if (!inbox) throw new ParleyError('NOT_FOUND');
    return inbox;
  }

  /**
   * "Test connection": logs in with the given settings (the stored password when none is
   * given), lists the folders and checks the chosen one. Never saves anything.
   */
  async test(settings: InboxSettings, password: string | undefined, inboxId?: string): Promise<ConnectionTest> {
    let secret = password;
    if (!secret && inboxId) secret = this.deps.sealer.open((await this.get(inboxId)).passwordSealed);
    if (!secret) throw new ParleyError('VALIDATION_FAILED', [{ path: 'password', message: 'Enter the mailbox password.' }]);
    try {
      if (settings.protocol === 'pop3') {
        const client = await Pop3Client.connect(settings.incoming, secret);
        const count = (await client.uidl()).length;
        await client.quit();
        return { ok: true, message: `Connected over POP3: ${count} email${count === 1 ? '' : 's'} in the mailbox.`, folders: [], idle: null };
      }
      const client = await connectImap({ ...settings, idle: false }, secret);
      try {
        const folders = (await client.list()).map((f) => f.path).sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a.localeCompare(b)));
        const idle = client.capabilities.has('IDLE');
        const folder = settings.incoming.folder || 'INBOX';
        if (!folders.includes(folder)) {
          return { ok: false, message: `Connected, but the folder "${folder}" does not exist: choose one from the list.`, folders, idle };
        }
        const status = await client.status(folder, { messages: true });
        const n = status ? status.messages ?? 0 : 0;
        return { ok: true, message: `Connected over IMAP: ${n} email${n === 1 ? '' : 's'} in ${folder}; ${idle ? 'new mail arrives at once (IDLE)' : `the server has no IDLE, so Parley checks every ${settings.pollSeconds} s`}.`, folders, idle };
      } finally {
        await client.logout().catch(() => client.close());
      }
    } catch (err) {
      return { ok: false, message: describeMailError(err, settings).message, folders: [], idle: null };
    }
  }

  /**
   * Whether an email with this Message-ID reaches the mailbox's folder within `waitMs`
   * (IMAP only): how "Send test email" checks that mail to a plus-address is delivered.
   * The test email is deleted once found (the reader would ignore it anyway: it comes
   * from the inbox's own address).
   */
  async arrives(settings: InboxSettings, password: string, messageId: string, waitMs = 20_000): Promise<boolean> {
    const client = await connectImap({ ...settings, idle: false }, password);
    try {
      const lock = await client.getMailboxLock(settings.incoming.folder || 'INBOX');
      try {
        const until = Date.now() + waitMs;
        for (;;) {
          const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
          if (found && found.length) {
            await client.messageDelete(found, { uid: true }).catch(() => undefined);
            return true;
          }
          if (Date.now() >= until) return false;
          await new Promise((r) => setTimeout(r, 1000));
          await client.noop();
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  // ---- set-aside and quarantined emails --------------------------------------------

  async listMail(inboxId: string, kind: MailItemKind, limit: number, cursor?: string | null) {
    await this.get(inboxId);
    return this.deps.store.listMailItems(inboxId, kind, limit, cursor);
  }

  private async item(inboxId: string, itemId: string): Promise<{ inbox: Inbox; item: MailItem }> {
    const inbox = await this.get(inboxId);
    const item = await this.deps.store.getMailItem(itemId);
    if (!item || item.inboxId !== inbox.id) throw new ParleyError('NOT_FOUND');
    return { inbox, item };
  }

  async rawOf(inboxId: string, itemId: string): Promise<{ item: MailItem; stream: NodeJS.ReadableStream }> {
    const { item } = await this.item(inboxId, itemId);
    const stream = await this.deps.blobs.open(item.rawBlobId);
    if (!stream) throw new ParleyError('NOT_FOUND', undefined, 'The stored email is missing from storage.');
    return { item, stream };
  }

  /** An admin imports a set-aside or quarantined email: it becomes a conversation (or joins its thread). */
  async importItem(inboxId: string, itemId: string): Promise<IngestOutcome> {
    const { inbox, item } = await this.item(inboxId, itemId);
    const { stream } = await this.rawOf(inboxId, itemId);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    const raw = Buffer.concat(chunks);
    const outcome = await this.deps.ingest.ingest(inbox, raw, { force: true });
    if (outcome.result !== 'imported') {
      throw new ParleyError('MAIL_NOT_IMPORTABLE', undefined, `This email cannot be imported: ${outcome.reason}.`);
    }
    await this.discard(inbox.id, item.id);
    return outcome;
  }

  async discard(inboxId: string, itemId: string): Promise<void> {
    const { item } = await this.item(inboxId, itemId);
    await this.deps.store.deleteMailItem(item.id);
    await this.deps.blobs.delete(item.rawBlobId);
  }
}

/** What restarts a reader when it changes (status and counters do not). */
function fingerprint(inbox: Inbox): string {
  return JSON.stringify([inbox.address, inbox.settings, inbox.passwordSealed, inbox.departmentId]);
}

/** One inbox's reader on this node: sessions in a loop, with backoff between failures. */
class InboxReader {
  readonly fingerprint: string;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private wakeSleep: () => void = () => undefined;
  private status: InboxStatus;
  private failures = new Map<string, number>();
  /** Parses started ahead of their turn, by email key. */
  private readonly prepared = new Map<string, Promise<Analysis>>();

  constructor(
    public inbox: Inbox,
    private readonly deps: Deps,
    private readonly opts: EmailChannelOptions,
    private readonly onExit: (r: InboxReader) => void,
  ) {
    this.fingerprint = fingerprint(inbox);
    this.status = inbox.status;
  }

  start(): void {
    this.running = this.loop()
      .catch((err) => this.deps.logger.error({ err, inbox: this.inbox.id }, 'inbox reader crashed'))
      .finally(() => this.onExit(this));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeSleep();
    await this.running;
  }

  private async setStatus(patch: Partial<InboxStatus>): Promise<void> {
    const next = { ...this.status, ...patch };
    if (JSON.stringify(next) === JSON.stringify(this.status)) return;
    this.status = next;
    await this.deps.store.setInboxStatus(this.inbox.id, next, this.deps.clock.now());
  }

  private async loop(): Promise<void> {
    const { clock, sealer, logger } = this.deps;
    const signal = this.abort.signal;
    const password = sealer.open(this.inbox.passwordSealed);
    let attempts = this.status.attempts;
    while (!signal.aborted) {
      let connectedAt: number | null = null;
      this.prepared.clear();
      try {
        const onConnected = () => {
          connectedAt = clock.now();
          void this.setStatus({ state: 'active', lastError: null, attempts });
        };
        const synced = async () => {
          const now = clock.now();
          if (attempts > 0 && connectedAt !== null && now - connectedAt >= this.opts.stableMs) attempts = 0;
          await this.setStatus({ state: 'active', lastError: null, attempts, lastSyncAt: now });
        };
        if (this.inbox.settings.protocol === 'pop3') {
          await runPop3Session(this.inbox, password, { ...this.pop3Hooks(), synced }, signal, onConnected);
        } else {
          await runImapSession(this.inbox, password, this.imapHooks(synced), signal, onConnected);
        }
        return;
      } catch (err) {
        if (signal.aborted) return;
        const problem = describeMailError(err, this.inbox.settings);
        if (connectedAt !== null && clock.now() - connectedAt >= this.opts.stableMs) attempts = 0;
        attempts += 1;
        logger.warn({ inbox: this.inbox.id, attempts, err: (err as Error).message }, 'mailbox connection failed');
        if (problem.permanent || attempts >= this.inbox.settings.maxAttempts) {
          await this.setStatus({ state: 'error', lastError: problem.message, attempts });
          return;
        }
        await this.setStatus({ state: 'interrupted', lastError: problem.message, attempts });
        await this.sleep(backoffDelay({ ...this.opts.backoff, maxAttempts: Infinity }, attempts));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Imports one email; an email that keeps failing (a bug, not a parse error: those are
   * quarantined at once) is quarantined after maxIngestFailures tries instead of holding
   * the mailbox back forever.
   */
  private async ingestOne(key: string, raw: Buffer, headersOnly: boolean, size: number): Promise<boolean> {
    const { ingest } = this.deps;
    const analysis = this.prepared.get(key);
    this.prepared.delete(key);
    try {
      const outcome = headersOnly ? await ingest.tooLarge(this.inbox, raw, size) : await ingest.ingest(this.inbox, raw, { analysis });
      this.failures.delete(key);
      return outcome.result === 'imported';
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      if (n < this.opts.maxIngestFailures) throw err;
      this.failures.delete(key);
      this.deps.logger.error({ err, inbox: this.inbox.id, key }, 'email failed to import repeatedly: quarantined');
      await ingest.setAside(this.inbox, 'quarantined', key, raw, null, `importing failed ${n} times: ${(err as Error).message}`);
      return false;
    }
  }

  private uidKey(uid: number): string {
    return `uid:${this.inbox.watermark?.uidValidity}:${uid}`;
  }

  private imapHooks(synced: () => Promise<void>) {
    const { store, clock, maxEmailBytes } = this.deps;
    return {
      watermark: () => this.inbox.watermark,
      addedAt: this.inbox.createdAt,
      lastSyncAt: () => this.status.lastSyncAt,
      prepare: (mail: FetchedMail) => {
        if (!mail.headersOnly) this.prepared.set(this.uidKey(mail.uid), this.deps.ingest.analyze(this.inbox, mail.raw));
      },
      ingest: (mail: FetchedMail) => this.ingestOne(this.uidKey(mail.uid), mail.raw, mail.headersOnly, mail.size),
      // A batch's store writes go in as one unit of work (one SQLite commit), before its watermark.
      batch: <T>(fn: () => Promise<T>) => store.batch(fn),
      advance: async (watermark: NonNullable<Inbox['watermark']>) => {
        await store.setInboxWatermark(this.inbox.id, watermark, clock.now());
        this.inbox = { ...this.inbox, watermark };
      },
      synced,
      now: () => clock.now(),
      maxEmailBytes,
      settings: this.inbox.settings,
    };
  }

  private pop3Hooks() {
    const { store, clock, maxEmailBytes } = this.deps;
    const keyOf = (uid: string) => `pop3:${this.inbox.id}:${uid}`;
    const TEN_YEARS = 10 * 365 * 24 * 3600_000;
    return {
      seeded: () => this.inbox.watermark?.folder === 'pop3',
      addedAt: this.inbox.createdAt,
      markSeeded: async () => {
        const watermark = { folder: 'pop3', uidValidity: 'uidl', lastUid: 0 };
        await store.setInboxWatermark(this.inbox.id, watermark, clock.now());
        this.inbox = { ...this.inbox, watermark };
      },
      known: async (uids: string[]) => {
        const known = await store.knownKeys(uids.map(keyOf), clock.now());
        return new Set(uids.filter((u) => known.has(keyOf(u))));
      },
      remember: async (uid: string) => {
        const now = clock.now();
        await store.rememberKey(keyOf(uid), '1', now, now + TEN_YEARS);
      },
      ingest: (uid: string, raw: Buffer, headersOnly: boolean, size: number) => this.ingestOne(keyOf(uid), raw, headersOnly, size),
      maxEmailBytes,
      settings: this.inbox.settings,
    };
  }
}
