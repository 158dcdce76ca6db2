// Child processes, temp dirs and deadlines for the benchmarks: everything started here is
// stopped and removed on exit, on error, on Ctrl-C and when the overall deadline passes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

function cleanupSync(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping`);
    process.exit(130);
  });
}

/** Runs `main`; any throw or the overall deadline exits non-zero after cleanup. */
export function runBench(name: string, deadlineMs: number, main: () => Promise<void>): void {
  const timer = setTimeout(() => {
    console.error(`${name}: overall deadline of ${Math.round(deadlineMs / 1000)} s exceeded`);
    process.exit(2);
  }, deadlineMs);
  timer.unref();
  main().then(
    () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
    (err: unknown) => {
      console.error(`${name} failed:`, err instanceof Error ? err.stack ?? err.message : err);
      process.exit(1);
    },
  );
}

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(d);
  return d;
}

export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  dirs.delete(d);
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

export interface Server {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Runs a full GC in the server (IPC to the gc-hook preload); resolves with its memory usage after it. */
  gc(): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Starts `node --expose-gc --import tsx --import bench/lib/gc-hook.ts <script> ...` with
 * `env` and resolves when stdout matches `ready`.
 */
export async function startNode(opts: { script: string; args?: string[]; nodeArgs?: string[]; env: Record<string, string>; ready: RegExp; port: number; timeoutMs?: number }): Promise<Server> {
  const child = spawn(process.execPath, [
    '--expose-gc', ...(opts.nodeArgs ?? []), '--import', 'tsx', '--import', './bench/lib/gc-hook.ts', opts.script, ...(opts.args ?? []),
  ], { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  children.add(child);
  let out = '';
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${opts.script} not ready after ${opts.timeoutMs ?? 30000} ms; output:\n${out}`)), opts.timeoutMs ?? 30000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (opts.ready.test(out)) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      fail(new Error(`${opts.script} exited (${code ?? sig}) before it was ready; output:\n${out}`));
    });
  });
  child.removeAllListeners('exit');
  child.on('exit', (code, sig) => {
    if (children.has(child)) console.error(`${opts.script} exited unexpectedly (${code ?? sig}); output:\n${out.slice(-2000)}`);
  });
  return {
    child,
    pid: child.pid!,
    url: `http://127.0.0.1:${opts.port}`,
    gc: () => new Promise<NodeJS.MemoryUsage>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('no gc answer')), 10000);
      child.once('message', (m: { gc: boolean; memory: NodeJS.MemoryUsage }) => {
        clearTimeout(timer);
        if (!m.gc) fail(new Error('gc not exposed in the server process'));
        else ok(m.memory);
      });
      child.send('gc');
    }),
    stop: () => stopChild(child),
  };
}

/** SIGTERM, then SIGKILL after 5 s. */
export function stopChild(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      ok();
    });
    child.kill('SIGTERM');
  });
}

/** Resident set size of `pid` in kB (VmRSS). */
export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** User + system CPU time of `pid` in ms (from /proc/<pid>/stat, 100 ticks per second). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The soft limit on open files of this process. */
export function openFilesLimit(): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

export const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** `await fn(i)` for i in [0, n) with at most `width` in flight. */
export async function pool<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}
