// The servers Parley's other deployments need, for the benchmarks: a MongoDB-compatible
// server (a real MongoDB from MONGODB_TEST_URI, else a throwaway FerretDB, exactly as the
// tests get one) and a private redis-server. Both come from the test helpers; here they
// are registered for cleanup on every exit path, and their process ids are found so the
// benchmark can report their CPU time.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { startMongo, withDatabase } from '../../test/helpers/mongo';
import { REDIS_MISSING, startRedis } from '../../test/helpers/redis';
import { childPids, onCleanup, whileStarting } from './proc';

export { REDIS_MISSING };

export const MONGO_MISSING =
  'no MongoDB-compatible server: set MONGODB_TEST_URI to a MongoDB, or build FerretDB with "npm run setup:test" (.cache/ferretdb/ferretdb)';

export interface BenchMongo {
  /** 'mongodb' when MONGODB_TEST_URI names a real server, else 'ferretdb'. */
  kind: 'mongodb' | 'ferretdb';
  /** The FerretDB process (null for an external MongoDB: not ours, not measured). */
  pid: number | null;
  /** A URI naming a database nothing else uses; on a real MongoDB, stop() drops it again. */
  freshUri(): string;
  stop(): Promise<void>;
}

export interface BenchRedis {
  url: string;
  pid: number | null;
  stop(): Promise<void>;
}

/** The one process among this process's children that was not there before `start`. */
async function spawnedBy<T>(start: () => Promise<T>): Promise<{ value: T; pid: number | null }> {
  const before = new Set(childPids());
  const value = await start();
  const fresh = childPids().filter((p) => !before.has(p));
  return { value, pid: fresh.length === 1 ? fresh[0]! : null };
}

/** Once, whoever calls it first (the caller or the exit cleanup). */
function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

/** Null when no MongoDB-compatible server is available; throws when one is but does not start. */
export function startBenchMongo(): Promise<BenchMongo | null> {
  return whileStarting(startMongoNow);
}

async function startMongoNow(): Promise<BenchMongo | null> {
  const kind = process.env.MONGODB_TEST_URI ? 'mongodb' : 'ferretdb';
  const { value: server, pid } = await spawnedBy(startMongo);
  if (!server) return null;
  const used: string[] = [];
  const stop = once(async () => {
    unregister();
    if (kind === 'mongodb') await Promise.allSettled(used.map(dropDatabase));
    await server.stop(); // FerretDB: kills it and removes its data dir
  });
  const unregister = onCleanup(stop);
  return {
    kind,
    pid: kind === 'ferretdb' ? pid : null,
    freshUri: () => {
      const uri = withDatabase(server.uri, `parley_bench_${randomBytes(6).toString('hex')}`);
      used.push(uri);
      return uri;
    },
    stop,
  };
}

async function dropDatabase(uri: string): Promise<void> {
  const conn = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await conn.asPromise();
    await conn.dropDatabase();
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Null when redis-server is not installed. */
export function startBenchRedis(): Promise<BenchRedis | null> {
  return whileStarting(startRedisNow);
}

async function startRedisNow(): Promise<BenchRedis | null> {
  const { value: server, pid } = await spawnedBy(() => startRedis());
  if (!server) return null;
  const stop = once(async () => {
    unregister();
    await server.stop();
  });
  const unregister = onCleanup(stop);
  return { url: server.url, pid, stop };
}
