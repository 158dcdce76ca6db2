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

interface Pending {
  raw: Uint8Array;
  opts: AnalyzeOptions;
  resolve: (a: Analysis) => void;
  reject: (e: Error) => void;
  /** Armed when the worker starts on this email: time spent queued does not count. */
  timer: NodeJS.Timeout | null;
}

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

/**
 * Requests are posted as they come, so the worker parses the next email while the main
 * thread stores the previous one; the worker takes them one at a time, in order.
 */
export class ParsePool {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly opts: { timeoutMs: number }) {}

  /** Analyzes one email; rejects with ParseError when it cannot be parsed in time. */
  analyze(raw: Uint8Array, opts: AnalyzeOptions): Promise<Analysis> {
    // A slice of a larger buffer (imapflow's sources) would copy the whole buffer.
    const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : new Uint8Array(raw);
    const id = this.nextId++;
    return new Promise<Analysis>((resolve, reject) => {
      this.pending.set(id, { raw: own, opts, resolve, reject, timer: null });
      this.ensureWorker().postMessage({ id, raw: own, opts });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnWorker();
    worker.unref();
    worker.on('message', (msg: { id: number; started?: boolean; analysis?: Analysis; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.started) {
        p.timer = setTimeout(() => this.timedOut(msg.id), this.opts.timeoutMs);
        return;
      }
      this.pending.delete(msg.id);
      if (p.timer) clearTimeout(p.timer);
      if (msg.analysis) p.resolve(msg.analysis);
      else p.reject(new ParseError(msg.error ?? 'the email could not be parsed'));
    });
    worker.on('error', (err) => this.lost(worker, `the parser crashed: ${err.message}`));
    worker.on('exit', () => this.lost(worker, 'the parser stopped'));
    this.worker = worker;
    return worker;
  }

  private timedOut(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.reject(new ParseError(`parsing took longer than ${Math.round(this.opts.timeoutMs / 1000)} s`));
    void this.restart();
  }

  /**
   * The worker died: the email it was parsing (the one with an armed timer) is the
   * culprit and fails; the queued ones go to a fresh worker.
   */
  private lost(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const [id, p] of this.pending) {
      if (p.timer) {
        clearTimeout(p.timer);
        this.pending.delete(id);
        p.reject(new ParseError(reason));
      }
    }
    this.repost();
  }

  private async restart(): Promise<void> {
    const old = this.worker;
    this.worker = null;
    if (old) await old.terminate();
    this.repost();
  }

  private repost(): void {
    if (!this.pending.size) return;
    const worker = this.ensureWorker();
    for (const [id, p] of this.pending) worker.postMessage({ id, raw: p.raw, opts: p.opts });
  }

  async close(): Promise<void> {
    const old = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new ParseError('the parser was shut down'));
    }
    this.pending.clear();
    if (old) await old.terminate();
  }
}
