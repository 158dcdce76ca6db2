// Preloaded into benchmarked servers (node --expose-gc --import tsx --import ./bench/lib/gc-hook.ts):
// the IPC message 'gc' runs a full collection and answers with process.memoryUsage().
// Changes nothing else.
process.on('message', (msg) => {
  if (msg !== 'gc') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.send?.({ gc: Boolean(gc), memory: process.memoryUsage() });
});
// The IPC channel must not keep a server alive that would otherwise exit.
process.channel?.unref();
