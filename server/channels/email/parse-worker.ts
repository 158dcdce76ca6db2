// Worker thread body of the parse pool: analyzes the emails it is sent one at a time, in
// order, and says when it starts each one (the pool's time limit counts from then).
import { parentPort } from 'node:worker_threads';
import { analyzeEmail, type AnalyzeOptions } from './analyze';

interface Request { id: number; raw: Uint8Array; opts: AnalyzeOptions }

let chain: Promise<void> = Promise.resolve();

async function handle({ id, raw, opts }: Request): Promise<void> {
  parentPort!.postMessage({ id, started: true });
  try {
    const analysis = await analyzeEmail(raw, opts);
    const transfer = analysis.mail.attachments.map((a) => a.content.buffer as ArrayBuffer);
    parentPort!.postMessage({ id, analysis }, [...new Set(transfer)]);
  } catch (err) {
    parentPort!.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
}

parentPort!.on('message', (req: Request) => {
  chain = chain.then(() => handle(req));
});
