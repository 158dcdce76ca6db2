// Child processes, temp dirs and deadlines for the benchmarks: everything started here is
// stopped and removed on exit, on error, on Ctrl-C and when the overall deadline passes.
// Resources started elsewhere (a FerretDB, a redis-server) register an async stop with
// onCleanup(); runBench awaits those before it exits, and as a last resort every child
// process still alive at exit (they can only be ours) is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, stopChild as stopChildProcess } from '../../test/helpers/process';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
const cleanups = new Set<() => Promise<void>>();

/** Direct child processes of this process that are still alive (from /proc). */
export function childPids(): number[] {
  const pids: number[] = [];
  try {
    for (const task of readdirSync('/proc/self/task')) {
      const list = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
      if (list) pids.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    // no /proc/<pid>/task/<tid>/children on this kernel: the tracked children only
  }
  return pids.filter((pid) => {
    try {
      return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // not a zombie
    } catch {
      return false;
    }
  });
}

function cleanupSync(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  // Anything else this process spawned (through helpers that do not track here) and that
  // an async cleanup did not stop: our own children only, by pid.
  for (const pid of childPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

process.on('exit', cleanupSync);

/** Registers an async stop to run before the benchmark exits; returns its unregister function. */
export function onCleanup(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}

/**
 * Runs the registered async cleanups (at most `timeoutMs` in all), again for any registered
 * meanwhile (something that was starting when the exit began), then the synchronous one.
 */
async function cleanupAll(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((cleanups.size || starting) && Date.now() < deadline) {
    const pending = [...cleanups];
    cleanups.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending.map(async (fn) => fn())),
      new Promise<void>((ok) => { timer = setTimeout(ok, Math.max(0, deadline - Date.now())); }),
    ]);
    clearTimeout(timer);
    if (starting) await sleep(50); // a start under way registers its cleanup when it is done
  }
  cleanupSync();
}

/** Set when the exit has begun: the cleanup under way, then process.exit with the first code asked for. */
let exiting: Promise<never> | null = null;

/** Throws once the benchmark is exiting (Ctrl-C, deadline, failure): nothing new is started then. */
export function assertNotExiting(): void {
  if (exiting) throw new Error('the benchmark is exiting');
}

let starting = 0;
/**
 * Runs `start` (which spawns something and registers its cleanup with onCleanup) so that an
 * exit beginning meanwhile waits for it and then cleans it up too.
 */
export async function whileStarting<T>(start: () => Promise<T>): Promise<T> {
  assertNotExiting();
  starting++;
  try {
    return await start();
  } finally {
    starting--;
  }
}

/** Cleans up, then exits with `code`; later calls wait for the exit already under way (and its code). */
function cleanExit(code: number): Promise<never> {
  exiting ??= (async () => {
    await cleanupAll().catch(() => undefined);
    process.exit(code);
  })();
  return exiting;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (exiting) {
      console.error(`\n${sig} again: exiting without waiting for the cleanup`);
      process.exit(130);
    }
    console.error(`\n${sig}: stopping`);
    void cleanExit(130);
  });
}

/** Runs `main`; any throw or the overall deadline exits non-zero after cleanup. */
export function runBench(name: string, deadlineMs: number, main: () => Promise<void>): void {
  const timer = setTimeout(() => {
    console.error(`${name}: overall deadline of ${Math.round(deadlineMs / 1000)} s exceeded`);
    void cleanExit(2);
  }, deadlineMs);
  timer.unref();
  const crash = (what: string) => (err: unknown) => {
    console.error(`${name} failed (${what}):`, err instanceof Error ? err.stack ?? err.message : err);
    void cleanExit(1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
  main().then(
    () => cleanExit(typeof process.exitCode === 'number' ? process.exitCode : 0),
    (err: unknown) => {
      console.error(`${name} failed:`, err instanceof Error ? err.stack ?? err.message : err);
      return cleanExit(1);
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

export { freePort };

export interface Server {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Runs a full GC in the server (IPC to the gc-hook preload); resolves with its memory usage after it. */
  gc(): Promise<NodeJS.MemoryUsage>;
  /** What it printed so far (stdout and stderr, the last 64 kB). */
  output(): string;
  stop(): Promise<void>;
}

export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Starts `node --expose-gc --import tsx --import bench/lib/gc-hook.ts <script> ...` with
 * `env` and resolves when stdout matches `ready`.
 */
export async function startNode(opts: { script: string; args?: string[]; nodeArgs?: string[]; env: Record<string, string>; ready: RegExp; port: number; timeoutMs?: number }): Promise<Server> {
  assertNotExiting();
  const child = spawn(process.execPath, [
    '--expose-gc', ...(opts.nodeArgs ?? []), '--import', 'tsx', '--import', './bench/lib/gc-hook.ts', opts.script, ...(opts.args ?? []),
  ], { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  children.add(child);
  let out = '';
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${opts.script} not ready after ${opts.timeoutMs ?? 30000} ms; output:\n${out}`)), opts.timeoutMs ?? 30000);
    const onData = (b: Buffer) => {
      out = (out + b.toString()).slice(-65536);
      if (opts.ready.test(out)) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => { out = (out + b.toString()).slice(-65536); });
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
    output: () => out,
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

/** SIGTERM, then SIGKILL after 5 s; forgotten by the exit cleanup. */
export function stopChild(child: ChildProcess): Promise<void> {
  children.delete(child);
  return stopChildProcess(child);
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
