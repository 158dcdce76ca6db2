// Wires the core services from their adapters. main.ts and the tests both use it, so
// a test server is composed exactly like a production one.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { httpDeliverer } from './channels/http/deliver';
import { MessengerChannel } from './channels/messenger/service';
import { MailIngest, type IngestDeps } from './channels/email/ingest';
import { ParsePool } from './channels/email/parse-pool';
import { Mailer } from './channels/email/mailer';
import { EMAIL_JOB, OutboundEmail } from './channels/email/outbound';
import { EmailChannel } from './channels/email/service';
import { MailThreading } from './channels/email/threading';
import { Sealer } from './security/sealed';
import type { Config } from './config';
import { Accounts } from './core/accounts';
import { Conversations } from './core/conversations';
import { DomainEvents } from './core/events';
import type { BlobStore, Clock, PresenceRegistry, Store } from './core/ports';
import { LocalPresence } from './core/presence';
import { deriveKey } from './security/keys';
import { burnPasswordCheck, hashPassword, verifyPassword } from './security/passwords';
import { SignedUrls, VisitorTokens } from './security/tokens';
import { Outbox, type Deliverer } from './jobs/outbox';
import { Presenter } from './transport/present';

export interface Deps {
  config: Config;
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  events: DomainEvents;
  presence: PresenceRegistry;
  accounts: Accounts;
  conversations: Conversations;
  visitorTokens: VisitorTokens;
  urls: SignedUrls;
  presenter: Presenter;
  /** Durable deliveries to the outside world; its worker runs where main.ts starts it. */
  outbox: Outbox;
  /** This node's name in leases and job claims. */
  node: string;
  sealer: Sealer;
  messengers: MessengerChannel;
  /** The email threading contract (tokens, Message-IDs), one key for both directions. */
  threading: MailThreading;
  /** Inbound email: inboxes and their readers; the readers run where main.ts starts them. */
  email: EmailChannel;
  mailIngest: MailIngest;
  mailPool: ParsePool;
  /** Outbound email: notifications and replies through the outbox, sent by the mailer. */
  mailer: Mailer;
  outboundEmail: OutboundEmail;
}

export const systemClock: Clock = { now: () => Date.now() };

export function createDeps(opts: {
  config: Config;
  store: Store;
  blobs: BlobStore;
  logger: Logger;
  secretKey: Buffer;
  clock?: Clock;
  presence?: PresenceRegistry;
  outboxOptions?: Partial<ConstructorParameters<typeof Outbox>[1]>;
  /** Tests only: DNS answers for DKIM checks (the machine has no DNS to ask). */
  dnsResolver?: IngestDeps['resolver'];
}): Deps {
  const { config, store, blobs, logger, secretKey } = opts;
  const clock = opts.clock ?? systemClock;
  const presence = opts.presence ?? new LocalPresence();
  const events = new DomainEvents((err, where) => logger.error({ err, where }, 'domain event listener failed'));
  const urls = new SignedUrls(deriveKey(secretKey, 'file-urls'));
  const passwords = { hash: hashPassword, verify: verifyPassword, burn: burnPasswordCheck };
  const node = config.NODE_NAME ?? `${hostname()}:${process.pid}`;
  const conversations = new Conversations({ store, clock, events });
  const deliverers: Record<string, Deliverer> = { http: httpDeliverer() };
  const outbox = new Outbox({ store, clock, logger }, {
    node, deliverers, leaseMs: config.OUTBOX_LEASE_MS, lockMs: config.OUTBOX_LOCK_MS, ...opts.outboxOptions,
  });
  const sealer = new Sealer(deriveKey(secretKey, 'secrets-at-rest'));
  const messengers = new MessengerChannel({
    store, blobs, maxUploadBytes: config.MAX_UPLOAD_MB * 1024 * 1024, fileUrl: (id) => config.PUBLIC_URL + urls.fileUrl(id, clock.now()),
    clock, conversations, sealer, outbox, logger,
  });
  deliverers.messenger = messengers.deliverer();
  events.on('message.created', ({ message, conversation }) => messengers.onMessageCreated(message, conversation));
  const threadingKey = deriveKey(secretKey, 'email-threading');
  const threading = new MailThreading(threadingKey);
  const mailPool = new ParsePool({ timeoutMs: config.MAIL_PARSE_TIMEOUT_S * 1000 });
  const maxEmailBytes = config.MAIL_MAX_MB * 1024 * 1024;
  const mailIngest = new MailIngest({
    store, blobs, clock, conversations, threading, threadingKey, pool: mailPool, logger,
    maxEmailBytes, maxAttachmentBytes: config.MAX_UPLOAD_MB * 1024 * 1024, resolver: opts.dnsResolver,
  });
  const email = new EmailChannel({
    store, blobs, clock, logger, sealer, ingest: mailIngest, node, maxEmailBytes,
    options: {
      superviseMs: config.MAIL_SUPERVISE_MS, leaseMs: config.MAIL_LEASE_MS, stableMs: config.MAIL_STABLE_MS,
      backoff: { baseMs: config.MAIL_BACKOFF_MS, capMs: 10 * 60_000 },
    },
  });
  const mailer = new Mailer({ sealer, logger });
  const outboundEmail = new OutboundEmail({
    store, blobs, clock, logger, outbox, presence, threading, mailer, conversations, ingest: mailIngest,
    publicUrl: config.PUBLIC_URL, brakePerHour: config.MAIL_LOOP_BRAKE_PER_HOUR,
  });
  deliverers[EMAIL_JOB] = outboundEmail.deliverer();
  events.on('message.created', ({ message, conversation }) => outboundEmail.onMessageCreated(message, conversation));
  return {
    config,
    store,
    blobs,
    clock,
    logger,
    events,
    presence,
    accounts: new Accounts({ store, clock, passwords, sessionTtlMs: config.SESSION_TTL_HOURS * 3600_000 }),
    conversations,
    visitorTokens: new VisitorTokens(deriveKey(secretKey, 'visitor-tokens')),
    urls,
    presenter: new Presenter({ store, presence, urls, clock, publicUrl: config.PUBLIC_URL }),
    outbox,
    node,
    sealer,
    messengers,
    threading,
    email,
    mailIngest,
    mailPool,
    mailer,
    outboundEmail,
  };
}
