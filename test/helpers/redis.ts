// A private redis-server for multi-node tests: loopback, a free port, no persistence, its
// own temporary directory. Null when redis-server is not installed (apt-get install
// redis-server; or point REDIS_SERVER_BIN at a binary).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopChild } from './process';

export interface RedisServer {
  url: string;
  port: number;
  /**
   * Stops it, runs `whileDown` if given, then starts a fresh, empty one on the same port:
   * a Redis outage and restart.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export const REDIS_MISSING = 'redis-server not found: install it with "apt-get install -y redis-server" (or set REDIS_SERVER_BIN)';

export function redisServerBin(): string | null {
  const bin = process.env.REDIS_SERVER_BIN || '/usr/bin/redis-server';
  return existsSync(bin) ? bin : null;
}

/** Starts redis-server and resolves once it answers PING. */
export async function startRedis(timeoutMs = 10_000): Promise<RedisServer | null> {
  const bin = redisServerBin();
  if (!bin) return null;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  let child: ChildProcess;
  try {
    child = await launch(bin, port, dir, timeoutMs);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restart: async (whileDown) => {
      await stopChild(child, 3000);
      try {
        await whileDown?.();
      } finally {
        child = await launch(bin, port, dir, timeoutMs);
      }
    },
    stop: async () => {
      await stopChild(child, 3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(bin: string, port: number, dir: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(bin, [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    '--daemonize', 'no', '--logfile', '',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child, 3000);
      throw new Error(`redis-server did not answer PING on port ${port}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (c) => {
      reply += c.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

