// Redis clients for the cluster (node-redis). They reconnect by themselves with a capped,
// jittered exponential backoff and never crash the process: an outage is logged once when
// it starts and once when it ends. While a client is down its commands wait in node-redis'
// offline queue and run, in order, once it is back, unless their command timeout
// (node-redis' default, 5 s, or `commandTimeoutMs`) fails them first.
import { createClient } from 'redis';
import type { Logger } from 'pino';

export type RedisClient = ReturnType<typeof newClient>;

/**
 * Short: a Redis restart is usually over in a moment, and every client (including the
 * adapter's stream reader, whose lag delays every broadcast from other nodes) waits out
 * its current delay before it reconnects.
 */
const MAX_BACKOFF_MS = 2_000;

/** Delay before reconnect attempt `retries` (0-based): 100 ms doubling, capped at 2 s, jittered by up to half. */
export function reconnectDelay(retries: number): number {
  const capped = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(retries, 20));
  return Math.round(capped / 2 + Math.random() * (capped / 2));
}

/** A connected client named `role` in logs. Resolves once Redis first answers (retrying meanwhile). */
export async function connectRedis(url: string, logger: Logger, role: string, opts: { commandTimeoutMs?: number } = {}): Promise<RedisClient> {
  const client = newClient(url, opts.commandTimeoutMs);
  watch(client, logger, role);
  await client.connect();
  return client;
}

function newClient(url: string, commandTimeoutMs?: number) {
  return createClient({
    url,
    socket: { reconnectStrategy: (retries: number) => reconnectDelay(retries), connectTimeout: 5_000 },
    ...(commandTimeoutMs ? { commandOptions: { timeout: commandTimeoutMs } } : {}),
  });
}

/** Logs the start and the end of each outage of `client` instead of every failed retry. */
export function watch(client: RedisClient, logger: Logger, role: string): void {
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return logger.debug({ err, role }, 'redis still unreachable');
    down = true;
    logger.warn({ err, role }, 'redis connection lost; reconnecting');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ role }, 'redis connection restored');
  });
}

/** Closes `client` gracefully (pending commands finish), or drops it if Redis is unreachable. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) {
    client.destroy();
    return;
  }
  await client.close();
}
