// Runs Parley as a real child process (server/main.ts through tsx), for tests that kill
// and restart it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

export interface ParleyProcess {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** Starts `node --import tsx server/main.ts` and resolves once it prints its dashboard URL. */
export function spawnParley(env: Record<string, string>, timeoutMs = 30_000): Promise<ParleyProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`Parley did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Dashboard: (http:\/\/\S+?)\/admin\//.exec(out);
      if (match) {
        clearTimeout(timer);
        ok({ child, url: match[1]!.replace('localhost', '127.0.0.1'), output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`Parley exited with ${code}:\n${out}`));
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function killHard(proc: ParleyProcess): Promise<void> {
  return new Promise((ok) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return ok();
    proc.child.once('exit', () => ok());
    proc.child.kill('SIGKILL');
  });
}
