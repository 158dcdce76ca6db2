// Cluster-wide presence in Redis: the PresenceRegistry every node shares.
//
// Per presence key ('agent:ID', 'visitor:ID') a sorted set `parley:{presence}:<key>` holds
// one member per live connection, `<nodeId>:<connectionId>`, scored by the moment it
// expires (Redis server time, ms). Every node refreshes the scores of its own connections
// on a heartbeat (every ttl/3), so the connections of a node that died simply expire: only
// members whose score is still in the future count.
//
// An index sorted set `parley:{presence}:index` scores each presence key by its latest
// expiry. On each heartbeat one node (a short SET NX PX lock) sweeps the keys whose
// latest expiry has passed: their expired members are removed and, when none is left, the
// key is reported gone. The sweep is a single Lua script, so even without the lock a key
// is reported gone by exactly one node. Gone agents are announced offline, gone visitors
// get their last-seen time, exactly as if they had disconnected.
//
// All writes are Lua scripts (atomic), so connected()/disconnected() answer "first" and
// "last" correctly even when nodes race. Every key shares the `{presence}` hash tag (one
// slot), should this ever move to a Redis Cluster. Scripts use Redis' clock, not the
// nodes', so clock skew between nodes does not shorten or stretch anyone's presence.
//
// While Redis is unreachable, nothing here throws or stalls (the callers, like
// LocalPresence's, never expect a rejection): a node answers from its own connections,
// remembers which keys it answered for and which removals it could not write, and once
// Redis is back its heartbeat rewrites its connections, retries the removals and
// announces the true state of those keys.
import type { Logger } from 'pino';
import type { PresenceRegistry } from '../core/ports';
import type { RedisClient } from './redis';

const PREFIX = 'parley:{presence}:';
const INDEX = `${PREFIX}index`;
const SWEEP_LOCK = `${PREFIX}sweep-lock`;
/** Keys refreshed or swept per script call; a heartbeat sweeps at most MAX_SWEEPS batches. */
const BATCH = 500;
const MAX_SWEEPS = 20;

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function ms(n) return string.format('%.0f', n) end
local function bump(index, key, exp)
  local cur = redis.call('ZSCORE', index, key)
  if not cur or tonumber(cur) < exp then redis.call('ZADD', index, ms(exp), key) end
end
`;

/** KEYS: set, index. ARGV: member, ttl. Returns 1 when no other live member existed. */
const CONNECT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now))
local first = redis.call('ZCARD', KEYS[1]) == 0
local exp = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], ms(exp), ARGV[1])
bump(KEYS[2], KEYS[1], exp)
if first then return 1 end
return 0
`;

/** KEYS: set, index. ARGV: member. Returns 1 when that member was the last live one. */
const DISCONNECT = `${NOW}
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms(now))
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
redis.call('ZREM', KEYS[2], KEYS[1])
return 1
`;

/** KEYS: set. Live members. */
const COUNT = `${NOW}
return redis.call('ZCOUNT', KEYS[1], '(' .. ms(now), '+inf')
`;

/**
 * KEYS: index, set1..setN. ARGV: ttl, JSON array of N member arrays.
 * Pushes this node's members' expiry forward; re-adds members that were swept (after a
 * Redis outage or a stalled node). Returns the sets that had no live member before.
 */
const REFRESH = `${NOW}
local exp = now + tonumber(ARGV[1])
local groups = cjson.decode(ARGV[2])
local revived = {}
for i = 2, #KEYS do
  local key = KEYS[i]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ms(now))
  if redis.call('ZCARD', key) == 0 then revived[#revived + 1] = key end
  for _, member in ipairs(groups[i - 1]) do redis.call('ZADD', key, ms(exp), member) end
  bump(KEYS[1], key, exp)
end
return revived
`;

/** KEYS: index. ARGV: limit. Returns the sets whose members all expired (now removed). */
const SWEEP = `${NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ms(now), 'LIMIT', 0, tonumber(ARGV[1]))
local gone = {}
for _, key in ipairs(due) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ms(now))
  local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #latest == 0 then
    redis.call('ZREM', KEYS[1], key)
    gone[#gone + 1] = key
  else
    redis.call('ZADD', KEYS[1], latest[2], key)
  end
end
return gone
`;

export interface PresenceHooks {
  /** The key has no live connection left (e.g. its node died): announce it offline. */
  expired(key: string): Promise<void>;
  /** The key is live again, or may have been announced wrongly during an outage: announce it online. */
  revived(key: string): Promise<void>;
}

export interface RedisPresenceOptions {
  /** This node's name; members are `<nodeId>:<connectionId>`. */
  nodeId: string;
  /** How long a connection counts without a refresh. Heartbeats run every ttlMs / 3. */
  ttlMs: number;
  logger: Logger;
}

export class RedisPresence implements PresenceRegistry {
  readonly #redis: RedisClient;
  readonly #opts: RedisPresenceOptions;
  /**
   * This node's connections per key. `settled` turns true once connected() has had its
   * answer from Redis: only settled connections are refreshed by the heartbeat, so a
   * connection's first write is always its own connected() (which then answers "first").
   */
  readonly #local = new Map<string, Map<string, { settled: boolean }>>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #hooks: PresenceHooks | undefined;
  /** Set while the node shuts down: connections are left to expire (see drain()). */
  #draining = false;
  #failing = false;
  /** Keys answered from this node alone during an outage: their true state is announced later. */
  readonly #unsure = new Set<string>();
  /** Removals that could not be written: [key, member]. */
  #unwritten: [string, string][] = [];

  constructor(redis: RedisClient, opts: RedisPresenceOptions) {
    this.#redis = redis;
    this.#opts = opts;
  }

  get heartbeatMs(): number {
    return Math.max(100, Math.floor(this.#opts.ttlMs / 3));
  }

  async connected(key: string, connectionId: string): Promise<boolean> {
    let conns = this.#local.get(key);
    if (!conns) this.#local.set(key, (conns = new Map()));
    const entry = { settled: false };
    conns.set(connectionId, entry);
    const firstHere = conns.size === 1;
    try {
      if (!this.#redis.isReady) return this.#unsureAnswer(key, firstHere);
      // Sent in the same tick as the local bookkeeping: one connection keeps commands in
      // order, so a heartbeat snapshot and this write can never cross each other.
      return (await this.#run(CONNECT, [redisKey(key), INDEX], [this.#member(connectionId), String(this.#opts.ttlMs)])) === 1;
    } catch (err) {
      this.#opts.logger.warn({ err, key }, 'presence not written; the heartbeat will retry');
      return this.#unsureAnswer(key, firstHere);
    } finally {
      entry.settled = true; // even on failure: the heartbeat then writes it when Redis is back
    }
  }

  async disconnected(key: string, connectionId: string): Promise<boolean> {
    const conns = this.#local.get(key);
    if (conns?.delete(connectionId) && conns.size === 0) this.#local.delete(key);
    // Shutting down: leave the member to expire. If the client reconnects to another node
    // meanwhile nobody sees it go; otherwise a surviving node announces it gone.
    if (this.#draining) return false;
    const member = this.#member(connectionId);
    const lastHere = !this.#local.has(key);
    try {
      if (!this.#redis.isReady) {
        this.#unwritten.push([key, member]);
        return this.#unsureAnswer(key, lastHere);
      }
      return (await this.#run(DISCONNECT, [redisKey(key), INDEX], [member])) === 1;
    } catch (err) {
      this.#opts.logger.warn({ err, key }, 'presence removal not written; the heartbeat will retry');
      this.#unwritten.push([key, member]);
      return this.#unsureAnswer(key, lastHere);
    }
  }

  #unsureAnswer(key: string, answer: boolean): boolean {
    this.#unsure.add(key);
    return answer;
  }

  /**
   * While Redis is unreachable this node answers from its own connections rather than
   * failing (or stalling) every view and broadcast that shows presence.
   */
  async isConnected(key: string): Promise<boolean> {
    if (!this.#redis.isReady) return this.#local.has(key);
    try {
      return Number(await this.#run(COUNT, [redisKey(key)], [])) > 0;
    } catch (err) {
      this.#opts.logger.debug({ err, key }, 'presence read failed; answering from this node');
      return this.#local.has(key);
    }
  }

  /** Starts the heartbeat (refresh + sweep). */
  start(hooks: PresenceHooks): void {
    this.#hooks = hooks;
    this.#timer ??= setInterval(() => void this.beat(), this.heartbeatMs);
    this.#timer.unref();
  }

  /**
   * Stops the heartbeat and stops writing: from now on disconnections only update this
   * node's bookkeeping, and this node's members expire within ttlMs.
   */
  async drain(): Promise<void> {
    this.#draining = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#beating;
  }

  /** One heartbeat; runs on the timer, exposed for tests. Never throws. */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    return this.#beating;
  }

  async #beat(): Promise<void> {
    try {
      if (!this.#redis.isReady) throw new Error('redis is not connected');
      const revived = await this.#refresh();
      const removed = await this.#retryRemovals();
      const gone = await this.#sweep();
      if (this.#failing) this.#opts.logger.info('presence heartbeat works again');
      this.#failing = false;
      // Keys answered locally during an outage: announce what is true now.
      const unsure = [...this.#unsure];
      this.#unsure.clear();
      for (const key of unsure) await this.#hook((await this.isConnected(key)) ? 'revived' : 'expired', key);
      for (const key of revived) if (!unsure.includes(key)) await this.#hook('revived', key);
      for (const key of [...removed, ...gone]) if (!unsure.includes(key)) await this.#hook('expired', key);
    } catch (err) {
      if (!this.#failing) this.#opts.logger.warn({ err }, 'presence heartbeat failed; retrying on the next one');
      this.#failing = true;
    }
  }

  /** Writes the removals that failed; returns the keys they left without a live connection. */
  async #retryRemovals(): Promise<string[]> {
    const pending = this.#unwritten;
    this.#unwritten = [];
    const emptied: string[] = [];
    for (let i = 0; i < pending.length; i++) {
      const [key, member] = pending[i]!;
      try {
        if ((await this.#run(DISCONNECT, [redisKey(key), INDEX], [member])) === 1) emptied.push(key);
      } catch (err) {
        this.#unwritten.push(...pending.slice(i));
        throw err;
      }
    }
    return emptied;
  }

  async #refresh(): Promise<string[]> {
    // Snapshot and send in one synchronous step (see connected()).
    const groups: [string, string[]][] = [];
    for (const [key, conns] of this.#local) {
      const members = [...conns].filter(([, c]) => c.settled).map(([id]) => this.#member(id));
      if (members.length) groups.push([key, members]);
    }
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < groups.length; i += BATCH) {
      const batch = groups.slice(i, i + BATCH);
      calls.push(this.#run(REFRESH, [INDEX, ...batch.map(([k]) => redisKey(k))], [String(this.#opts.ttlMs), JSON.stringify(batch.map(([, m]) => m))]));
    }
    return (await Promise.all(calls)).flatMap((r) => (r as string[]).map(presenceKey));
  }

  async #sweep(): Promise<string[]> {
    // One sweeper per heartbeat period is plenty; the script alone already guarantees that
    // each gone key is reported by one node only.
    const lock = await this.#redis.set(SWEEP_LOCK, this.#opts.nodeId, { NX: true, PX: Math.max(50, this.heartbeatMs - 50) });
    if (lock !== 'OK') return [];
    const gone: string[] = [];
    for (let round = 0; round < MAX_SWEEPS; round++) {
      const batch = (await this.#run(SWEEP, [INDEX], [String(BATCH)])) as string[];
      gone.push(...batch.map(presenceKey));
      if (batch.length < BATCH) break;
    }
    return gone;
  }

  async #hook(kind: keyof PresenceHooks, key: string): Promise<void> {
    try {
      await this.#hooks?.[kind](key);
    } catch (err) {
      this.#opts.logger.error({ err, key, kind }, 'presence change could not be announced');
    }
  }

  #member(connectionId: string): string {
    return `${this.#opts.nodeId}:${connectionId}`;
  }

  /**
   * EVAL, not EVALSHA: the script text travels each time, so there is no NOSCRIPT retry
   * after a Redis restart that could reorder this node's writes. (Redis caches the
   * compiled script; the cost is a few hundred bytes per call.)
   */
  #run(script: string, keys: string[], args: string[]): Promise<unknown> {
    return this.#redis.eval(script, { keys, arguments: args });
  }
}

const redisKey = (key: string) => PREFIX + key;
const presenceKey = (redis: string) => redis.slice(PREFIX.length);
