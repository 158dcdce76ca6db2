// Runs analyzeEmail in a worker thread, one email at a time per worker, with a time limit:
// mailparser on a hostile email (deep MIME nesting, megabytes of HTML, a 2 MiB paragraph)
// can take long, and it must neither stall the event loop nor hold the mailbox forever.
// A worker that runs past the limit is terminated and replaced; the email is quarantined.
import { Worker } from 'node:worker_threads';
import type { Analysis, AnalyzeOptions } from './analyze';

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

interface Pending { resolve: (a: Analysis) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }

// In the bundle the worker is dist/server/parse-worker.js beside main.js (scripts/build.mjs
// builds both). Under tsx (tests, `npm run parley`) it is the TypeScript source, and a
// worker does not inherit tsx's loader: a small bootstrap registers it first.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './parse-worker.ts' : './parse-worker.js', import.meta.url);

function spawnWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(code, { eval: true });
}

export class ParsePool {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: { timeoutMs: number }) {}

  /** Analyzes one email; rejects with ParseError when it cannot be parsed in time. Calls are serialized. */
  analyze(raw: Uint8Array, opts: AnalyzeOptions): Promise<Analysis> {
    const run = this.queue.then(() => this.run(raw, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private run(raw: Uint8Array, opts: AnalyzeOptions): Promise<Analysis> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<Analysis>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ParseError(`parsing took longer than ${Math.round(this.opts.timeoutMs / 1000)} s`));
        void this.replaceWorker();
      }, this.opts.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, raw, opts });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnWorker();
    worker.unref();
    worker.on('message', (msg: { id: number; analysis?: Analysis; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.analysis) p.resolve(msg.analysis);
      else p.reject(new ParseError(msg.error ?? 'the email could not be parsed'));
    });
    worker.on('error', (err) => this.failAll(new ParseError(`the parser crashed: ${err.message}`), worker));
    worker.on('exit', () => this.failAll(new ParseError('the parser stopped'), worker));
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error, worker: Worker): void {
    if (this.worker === worker) this.worker = null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  private async replaceWorker(): Promise<void> {
    const old = this.worker;
    this.worker = null;
    if (old) await old.terminate();
  }

  async close(): Promise<void> {
    await this.replaceWorker();
  }
}
