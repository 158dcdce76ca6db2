// Several Parley nodes behind one address, sharing one Redis (config.REDIS_URL):
// - Socket.IO broadcasts go through the Redis Streams adapter, so every `io` broadcast in
//   transport/realtime/listeners.ts reaches the sockets of every node. Streams (not plain
//   PUB/SUB) let a node that lost Redis for a moment resume where it stopped.
// - Presence is cluster-wide (presence.ts): a visitor on one node sees an agent connected
//   to another, and when a node dies its connections expire and a surviving node
//   announces them gone.
//
// config.PRESENCE_TTL_MS: how long a connection of a silent node still counts; each node
// refreshes its own every PRESENCE_TTL_MS / 3.
import { hostname } from 'node:os';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { Config } from '../config';
import type { PresenceRegistry } from '../core/ports';
import type { Deps } from '../deps';
import { closeRedis, connectRedis, type RedisClient } from './redis';
import { RedisPresence } from './presence';

export interface Cluster {
  nodeId: string;
  /** Presence expiry (PRESENCE_TTL_MS). */
  ttlMs: number;
  presence: PresenceRegistry;
  /** Puts `io` on the Redis adapter and starts the presence heartbeat. Call before listening. */
  attach(io: Server, deps: Deps): void;
  /**
   * Call before closing the app: stops the heartbeat and leaves this node's connections
   * to expire, so agents reconnecting to another node are never seen leaving.
   */
  drain(): Promise<void>;
  /** Call after the app is closed: closes the Redis clients. */
  close(): Promise<void>;
}

/**
 * The adapter publishes a broadcast before delivering it locally, so while Redis is down
 * each local broadcast waits for its publish to fail: keep that short. Its stream reads
 * (XREAD BLOCK) must return before their own command timeout.
 */
const ADAPTER_COMMAND_TIMEOUT_MS = 3_000;
const ADAPTER_BLOCK_MS = 2_000;
/** Presence scripts are small; past this a node answers from its own connections (presence.ts). */
const PRESENCE_COMMAND_TIMEOUT_MS = 2_000;

export async function startCluster(config: Pick<Config, 'REDIS_URL' | 'NODE_NAME' | 'PRESENCE_TTL_MS'>, logger: Logger): Promise<Cluster> {
  const url = config.REDIS_URL;
  if (!url) throw new Error('startCluster needs REDIS_URL');
  const nodeId = config.NODE_NAME ?? `${hostname()}:${process.pid}`; // as in deps.ts and the README
  const ttlMs = config.PRESENCE_TTL_MS;
  const log = logger.child({ node: nodeId });

  // One client for presence, one the adapter publishes with (it duplicates it, options
  // included, for its blocking stream reads and its subscriptions).
  const [presenceClient, adapterClient] = await Promise.all([
    connectRedis(url, log, 'presence', { commandTimeoutMs: PRESENCE_COMMAND_TIMEOUT_MS }),
    connectRedis(url, log, 'socket.io adapter', { commandTimeoutMs: ADAPTER_COMMAND_TIMEOUT_MS }),
  ]);
  guardPublish(adapterClient, log);
  const presence = new RedisPresence(presenceClient, { nodeId, ttlMs, logger: log });

  return {
    nodeId,
    ttlMs,
    presence,
    attach(io, deps) {
      io.adapter(createAdapter(adapterClient, {
        streamName: 'parley:socket.io',
        channelPrefix: 'parley:socket.io',
        blockTimeInMs: ADAPTER_BLOCK_MS,
      }));
      presence.start({
        async expired(key) {
          const [kind, id] = split(key);
          if (kind === 'agent') deps.events.emit('agent.presence', { agentId: id, status: 'offline' });
          if (kind === 'visitor') {
            const visitor = await deps.store.updateVisitor(id, { lastSeenAt: deps.clock.now() });
            if (visitor) deps.events.emit('visitor.updated', { visitor });
          }
        },
        async revived(key) {
          const [kind, id] = split(key);
          if (kind === 'agent') {
            const agent = await deps.store.getAgent(id);
            if (agent) deps.events.emit('agent.presence', { agentId: id, status: agent.status });
          }
          if (kind === 'visitor') {
            const visitor = await deps.store.getVisitor(id);
            if (visitor) deps.events.emit('visitor.updated', { visitor });
          }
        },
      });
    },
    drain: () => presence.drain(),
    async close() {
      await presence.drain();
      await Promise.all([closeRedis(presenceClient), closeRedis(adapterClient)]);
    },
  };
}

/**
 * The streams adapter sends some messages (fetchSockets requests, broadcasts with acks)
 * with a PUBLISH whose promise it drops: during a Redis outage its rejection would be
 * unhandled and end the process. This attaches a handler; callers that wait still get it.
 */
function guardPublish(client: RedisClient, log: Logger): void {
  const publish = client.publish.bind(client);
  const guarded = (...args: Parameters<typeof publish>) => {
    const reply = publish(...args);
    reply.catch((err: unknown) => log.debug({ err }, 'socket.io adapter publish failed'));
    return reply;
  };
  Object.defineProperty(client, 'publish', { value: guarded, configurable: true, writable: true });
}

function split(key: string): [string, string] {
  const at = key.indexOf(':');
  return [key.slice(0, at), key.slice(at + 1)];
}
