// Idle-memory benchmark: resident memory per idle connected visitor socket, Parley vs a
// bare Socket.IO server, each in its own process. The last line of output is JSON.
//   npm run bench:idle-memory -- [--conns 1000]
import { parseArgs } from 'node:util';
import type { Socket } from 'socket.io-client';
import { connect, startBare } from './lib/clients';
import { limitsNote, setupInstallation, startParley, visitorToken } from './lib/parley';
import { openFilesLimit, pool, removeDir, rssKb, runBench, sleep, tempDir, type Server } from './lib/proc';
import { intOption, median, round } from './lib/stats';

const { values: flags } = parseArgs({ options: { conns: { type: 'string' } } });
const WARM = 20;
const SAMPLES = 5;
const SETTLE_MS = 5000;
/**
 * Both servers get a fixed 1 MB young generation: otherwise V8 grows it up to 16 MB x 2
 * under the connection burst and shrinks it whenever its memory reducer runs, which moves
 * RSS by more than the 1000 connections themselves. Old space (where idle sockets live)
 * is untouched.
 */
const V8_ARGS = ['--min-semi-space-size=1', '--max-semi-space-size=1'];
/** Descriptors one process needs besides its K sockets (stdio, SQLite, epoll, libuv...). */
const FD_SPARE = 200;

interface Sample {
  rssKb: number;
  heapKb: number;
}

/** Median over SAMPLES of (full GC in the server, then its VmRSS and heap used). */
async function sample(server: Server): Promise<Sample> {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const mem = await server.gc();
    await sleep(300);
    rss.push(rssKb(server.pid));
    heap.push(mem.heapUsed / 1024);
  }
  return { rssKb: median(rss), heapKb: median(heap) };
}

interface Measured {
  kbPerConn: number;
  heapKbPerConn: number;
  before: Sample;
  after: Sample;
}

/** `connectOne(i)` for i < WARM warms up; WARM <= i < WARM + K are the measured idle sockets. */
async function measure(name: string, server: Server, k: number, connectOne: (i: number) => Promise<Socket>): Promise<Measured> {
  const sockets: Socket[] = [];
  try {
    sockets.push(...await pool(WARM, 10, connectOne));
    await sleep(SETTLE_MS);
    const before = await sample(server);
    sockets.push(...await pool(k, 50, (i) => connectOne(WARM + i)));
    await sleep(SETTLE_MS);
    const after = await sample(server);
    const dropped = sockets.filter((s) => !s.connected).length;
    if (dropped) throw new Error(`${name}: ${dropped} sockets disconnected while idle`);
    const m = { kbPerConn: (after.rssKb - before.rssKb) / k, heapKbPerConn: (after.heapKb - before.heapKb) / k, before, after };
    console.log(`  ${name.padEnd(6)} RSS ${before.rssKb} kB -> ${after.rssKb} kB: ${round(m.kbPerConn)} kB/conn; JS heap used ${round(before.heapKb, 0)} kB -> ${round(after.heapKb, 0)} kB: ${round(m.heapKbPerConn)} kB/conn`);
    return m;
  } finally {
    for (const s of sockets) s.close();
    await server.stop();
  }
}

runBench('bench:idle-memory', 5 * 60_000, async () => {
  let k = intOption(flags, 'conns', 1000);
  const limit = openFilesLimit();
  if (k + WARM + FD_SPARE > limit) {
    const lowered = Math.max(1, limit - WARM - FD_SPARE);
    console.log(`open files limit (ulimit -n) is ${limit}: lowering --conns from ${k} to ${lowered}`);
    k = lowered;
  }
  console.log(`idle-memory: ${k} idle visitor sockets (websocket only, 127.0.0.1) after ${WARM} warm-up sockets; each server in its own process`);
  console.log(`RSS = median of ${SAMPLES} VmRSS readings, each after a full GC in the server (--expose-gc, IPC), ${SETTLE_MS / 1000} s after connecting; servers run with ${V8_ARGS.join(' ')}`);
  console.log(`Parley: ${limitsNote}; every visitor has its own session from POST /api/widget/visitor, created by a first Parley process; a second process on the same data directory is measured`);

  const bareServer = await startBare(V8_ARGS);
  const bare = await measure('bare', bareServer, k, () => connect(`${bareServer.url}/visitor`));

  // Sessions are created by a first Parley process; a second one on the same data directory
  // (same secret key, same visitors) is measured, so its baseline carries no garbage of
  // the ~1000 HTTP requests.
  const dataDir = tempDir('parley-bench-');
  const setup = await startParley([], dataDir);
  const { siteKey } = await setupInstallation(setup.url);
  const tokens = await pool(WARM + k, 20, () => visitorToken(setup.url, siteKey));
  await setup.stop();
  const parleyServer = await startParley(V8_ARGS, dataDir);
  const parley = await measure('parley', parleyServer, k, (i) => connect(`${parleyServer.url}/visitor`, { auth: { token: tokens[i]! } }));

  removeDir(dataDir);

  const ratio = parley.kbPerConn / bare.kbPerConn;
  const target = 1.5;
  const ok = ratio <= target;
  console.log(`ratio ${round(ratio)} (target <= ${target}): ${ok ? 'target met' : 'target MISSED'}`);
  console.log(JSON.stringify({
    conns: k, parley_kb_per_conn: round(parley.kbPerConn), bare_kb_per_conn: round(bare.kbPerConn),
    ratio: round(ratio, 3), target_ratio_max: target, ok,
  }));
});
