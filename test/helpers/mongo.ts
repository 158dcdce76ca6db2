// A MongoDB-compatible server for the mongo store's tests: a real MongoDB when
// MONGODB_TEST_URI is set, otherwise a throwaway FerretDB (SQLite backend) on a free
// loopback port. Each call gets a database name of its own, so tests never see each
// other's data. Returns null when neither is available; the caller skips and says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild } from './process';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface MongoServer {
  /** A connection URI whose path names this server's own fresh database. */
  uri: string;
  stop(): Promise<void>;
}

/** A database name no other test uses: `parley_test_<random>`. */
export function freshDbName(): string {
  return `parley_test_${randomBytes(6).toString('hex')}`;
}

export async function startMongo(): Promise<MongoServer | null> {
  const external = process.env.MONGODB_TEST_URI;
  if (external) return { uri: withDatabase(external, freshDbName()), stop: async () => {} };
  const bin = await findFerretDb();
  if (!bin) return null;
  return startFerretDb(bin);
}

/**
 * Puts `db` in the URI's path. A URI with credentials but no authSource authenticated
 * against its path's database (or admin): keep that, or changing the path breaks the login.
 */
export function withDatabase(uri: string, db: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri);
  if (!m) throw new Error('MONGODB_TEST_URI must look like mongodb://host[:port][/db][?options]');
  const [, base, path, query] = m;
  const params = new URLSearchParams(query ?? '');
  if (base!.includes('@') && !params.has('authSource')) params.set('authSource', path || 'admin');
  const q = params.toString();
  return `${base}/${db}${q ? `?${q}` : ''}`;
}

/** FERRETDB_BIN, else the cache dir `npm run setup:test` fills, else a local build in /tmp. */
async function findFerretDb(): Promise<string | null> {
  const candidates = [process.env.FERRETDB_BIN ?? join(root, '.cache/ferretdb/ferretdb'), '/tmp/ferret/bin/ferretdb'];
  for (const bin of candidates) {
    try {
      await access(bin, constants.X_OK);
      return bin;
    } catch {
      // try the next one
    }
  }
  return null;
}

async function startFerretDb(bin: string): Promise<MongoServer> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-ferretdb-'));
  await mkdir(join(dir, 'data'));
  await mkdir(join(dir, 'state'));
  let lastError: unknown;
  // The free port can be taken between probing and FerretDB's bind: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ferretArgs(dir, port), { stdio: ['ignore', 'ignore', 'pipe'] });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    try {
      await waitForPort(child, port, 20_000);
    } catch (err) {
      lastError = err;
      process.removeListener('exit', killOnExit);
      await stopChild(child);
      continue;
    }
    // A server shared by a whole test process (PARLEY_TEST_STORE=mongo) must not keep that
    // process alive once its tests are done: the exit hook above still kills it.
    // (stderr keeps being drained by waitForPort's listener; unref, not destroy: FerretDB
    // would die of EPIPE on its next log line.)
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    child.unref();
    return {
      uri: `mongodb://127.0.0.1:${port}/${freshDbName()}`,
      stop: async () => {
        process.removeListener('exit', killOnExit);
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

/** The exact command line: `ferretdb <these>`. */
export function ferretArgs(dir: string, port: number): string[] {
  return [
    '--handler=sqlite',
    `--sqlite-url=file:${join(dir, 'data')}/`,
    `--state-dir=${join(dir, 'state')}`,
    `--listen-addr=127.0.0.1:${port}`,
    // No metrics/pprof listener: its fixed default port would clash between instances.
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

/** Resolves once something accepts TCP connections on the port; rejects if the child exits first. */
function waitForPort(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 8_000) stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      child.removeListener('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`FerretDB exited (${signal ?? code}) before accepting connections:\n${stderr}`));
    child.once('exit', onExit);
    const probe = () => {
      if (done) return;
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        finish();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) finish(new Error(`FerretDB did not listen on ${port} within ${timeoutMs} ms:\n${stderr}`));
        else setTimeout(probe, 50);
      });
    };
    probe();
  });
}


