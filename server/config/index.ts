// Every setting Parley reads, in one schema: defaults, then the environment, then
// `<NAME>_FILE` (the file's contents win, for Docker/Kubernetes secrets). Validated once
// at boot; an invalid value stops the process with a sentence per problem.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Documented in README.md, "Configuration"; keep the two in step. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** The address browsers use to reach Parley; the widget snippet and links are built from it. */
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 32+ characters. When unset, a random key is generated once and kept in DATA_DIR/secret.key. */
  SECRET_KEY: z.string().min(32, 'SECRET_KEY must be at least 32 characters').optional(),
  /** Hops of reverse proxies to trust for the client IP (express "trust proxy"). */
  TRUST_PROXY: z.coerce.number().int().min(0).default(0),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(24 * 14),
  MAX_UPLOAD_MB: z.coerce.number().positive().max(1024).default(10),
  /** Socket events one connection may send per 10 seconds before being told to slow down. */
  SOCKET_EVENTS_PER_10S: z.coerce.number().int().positive().default(100),
  /** Requests per minute per IP on the public widget and login endpoints. */
  HTTP_PUBLIC_PER_MIN: z.coerce.number().int().positive().default(300),
  LOGIN_PER_15MIN: z.coerce.number().int().positive().default(20),
  /** Set to false only behind a proxy that already sets security headers. */
  SECURE_COOKIES: bool.optional(),
  /** When set, data lives in MongoDB (through mongoose) instead of DATA_DIR/parley.db. */
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'MONGODB_URI must start with mongodb:// or mongodb+srv://').optional(),
  /** When set, nodes share Socket.IO broadcasts and presence through Redis (several nodes behind one address). */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://').optional(),
  /** How long the outbox lease lasts unrenewed: another node takes over this long after the holder dies. */
  OUTBOX_LEASE_MS: z.coerce.number().int().min(500).default(15_000),
  /** How long a claimed delivery stays locked to its node (longer than a delivery's timeout). */
  OUTBOX_LOCK_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** With REDIS_URL: how long a silent node's connections still count as online (agents of a dead node go offline after it). */
  PRESENCE_TTL_MS: z.coerce.number().int().min(300).default(30_000),
  /** Emails larger than this are quarantined (only their header is kept; the email stays in the mailbox). */
  MAIL_MAX_MB: z.coerce.number().positive().max(1024).default(25),
  /** Parsing one email may take this long before it is quarantined. */
  MAIL_PARSE_TIMEOUT_S: z.coerce.number().positive().default(30),
  /** How often each node looks at the inboxes (takes their leases, restarts changed ones). */
  MAIL_SUPERVISE_MS: z.coerce.number().int().min(50).default(5_000),
  /** Unrenewed, an inbox's lease passes to another node after this long. */
  MAIL_LEASE_MS: z.coerce.number().int().min(500).default(30_000),
  /** First reconnection delay of a mailbox (doubles per failure, with jitter, up to 10 minutes). */
  MAIL_BACKOFF_MS: z.coerce.number().int().min(10).default(5_000),
  /** A mailbox connection that stayed up this long resets the reconnection backoff. */
  MAIL_STABLE_MS: z.coerce.number().int().min(10).default(60_000),
  /** The loop brake: at most this many automatic emails (notifications) to one address per hour; more wait (replies) or are dropped with a reason (notifications). */
  MAIL_LOOP_BRAKE_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(20),
  /** This node's name in leases and logs; defaults to host name and process id. */
  NODE_NAME: z.string().max(100).optional(),
});

export type Config = z.infer<typeof configSchema> & { PUBLIC_URL: string };

const SECRET_NAMES = ['SECRET_KEY', 'MONGODB_URI', 'REDIS_URL'] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `NAME_FILE` for each secret; the file's trimmed contents override `NAME`. */
function withFileSecrets(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_NAMES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    try {
      out[name] = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError([`${name}_FILE: cannot read ${file}: ${(err as Error).message}`]);
    }
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = withFileSecrets(env);
  // Empty strings mean "unset", as in most .env tooling.
  for (const key of Object.keys(raw)) if (raw[key] === '') delete raw[key];
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`));
  }
  const cfg = parsed.data;
  const publicUrl = (cfg.PUBLIC_URL ?? `http://localhost:${cfg.PORT}`).replace(/\/+$/, '');
  return { ...cfg, PUBLIC_URL: publicUrl };
}
