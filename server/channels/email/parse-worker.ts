// Worker thread body of the parse pool: analyzes one email per request.
import { parentPort } from 'node:worker_threads';
import { analyzeEmail, type AnalyzeOptions } from './analyze';

interface Request { id: number; raw: Uint8Array; opts: AnalyzeOptions }

parentPort!.on('message', async ({ id, raw, opts }: Request) => {
  try {
    const analysis = await analyzeEmail(raw, opts);
    const transfer = analysis.mail.attachments.map((a) => a.content.buffer as ArrayBuffer);
    parentPort!.postMessage({ id, analysis }, [...new Set(transfer)]);
  } catch (err) {
    parentPort!.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
