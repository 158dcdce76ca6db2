// Relay benchmark: N visitors send acknowledged messages that fan out to M agents, on
// Parley and on a bare Socket.IO server with the same topology, in one run. Servers run
// as separate processes; the client load runs here. The last line of output is JSON.
//   npm run bench:relay -- [--visitors 90] [--agents 10] [--messages 50] [--warmup 5] [--profile DIR]
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Socket } from 'socket.io-client';
import { connect, startBare } from './lib/clients';
import { createAgent, limitsNote, setupInstallation, startParley, visitorToken } from './lib/parley';
import { cpuMs, pool, runBench, sleep, type Server } from './lib/proc';
import { intOption, percentile, round } from './lib/stats';

const { values: flags } = parseArgs({
  options: {
    visitors: { type: 'string' }, agents: { type: 'string' }, messages: { type: 'string' },
    warmup: { type: 'string' }, profile: { type: 'string' },
  },
});
const N = intOption(flags, 'visitors', 90);
const M = intOption(flags, 'agents', 10);
const MSGS = intOption(flags, 'messages', 50);
const WARMUP = intOption(flags, 'warmup', 5);
const PROFILE_DIR = flags.profile ? resolve(flags.profile) : undefined;
const ACK_TIMEOUT_MS = 15000;
const FANOUT_WAIT_MS = 15000;

interface Target {
  name: string;
  server: Server;
  agents: Socket[];
  visitors: Socket[];
}

interface Result {
  msgsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  fanoutOk: boolean;
  fanoutMs: number;
  serverCpuMsPerMsg: number;
  clientCpuMsPerMsg: number;
}

/** Node flags that write a CPU profile of the server to PROFILE_DIR/<name>/ when it exits. */
function profileArgs(name: string): string[] {
  if (!PROFILE_DIR) return [];
  mkdirSync(resolve(PROFILE_DIR, name), { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', resolve(PROFILE_DIR, name)];
}

async function parleyTarget(): Promise<Target> {
  const server = await startParley(profileArgs('parley'));
  const { admin, siteKey } = await setupInstallation(server.url);
  const agents: Socket[] = [];
  for (let i = 0; i < M; i++) {
    const session = await createAgent(admin, i);
    agents.push(await connect(`${server.url}/agent`, { cookie: session.cookie }));
  }
  const visitors = await pool(N, 20, async () => connect(`${server.url}/visitor`, { auth: { token: await visitorToken(server.url, siteKey) } }));
  return { name: 'parley', server, agents, visitors };
}

async function bareTarget(): Promise<Target> {
  const server = await startBare(profileArgs('bare'));
  const agents = await pool(M, 20, () => connect(`${server.url}/agent`));
  const visitors = await pool(N, 20, () => connect(`${server.url}/visitor`));
  return { name: 'bare', server, agents, visitors };
}

/** Every visitor sends `count` messages one after another, all visitors at once; returns send->ack latencies. */
async function sendAll(t: Target, phase: string, count: number): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(t.visitors.map(async (socket, v) => {
    for (let i = 0; i < count; i++) {
      const payload = { clientId: `${phase}:${v}:${i}:${randomUUID()}`, text: `Hello from visitor ${v}, message ${i}. Is anyone there?` };
      const start = performance.now();
      let ack: { ok: boolean; error?: unknown };
      try {
        ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', payload);
      } catch {
        throw new Error(`${t.name}: no ack within ${ACK_TIMEOUT_MS} ms (visitor ${v}, message ${i})`);
      }
      latencies.push(performance.now() - start);
      if (!ack?.ok) throw new Error(`${t.name}: ack not ok (visitor ${v}, message ${i}): ${JSON.stringify(ack)}`);
    }
  }));
  return latencies;
}

async function measure(t: Target): Promise<Result> {
  const received = t.agents.map(() => new Map<string, number>());
  t.agents.forEach((socket, a) => socket.on('message', (m: { clientId?: string }) => {
    const phase = m?.clientId?.split(':')[0] ?? '?';
    received[a]!.set(phase, (received[a]!.get(phase) ?? 0) + 1);
  }));
  let dropped = 0;
  for (const s of [...t.agents, ...t.visitors]) s.on('disconnect', () => { dropped++; });
  /** Waits until every agent has `expected` messages of `phase`; true when exactly that many arrived. */
  let fanoutAt = 0;
  const fanout = async (phase: string, expected: number): Promise<boolean> => {
    const until = Date.now() + FANOUT_WAIT_MS;
    const done = () => received.every((r) => (r.get(phase) ?? 0) >= expected);
    while (!done() && Date.now() < until) await sleep(2);
    fanoutAt = performance.now();
    await sleep(50); // late duplicates would show up here
    return received.every((r) => r.get(phase) === expected);
  };

  await sendAll(t, 'w', WARMUP);
  if (!(await fanout('w', N * WARMUP))) console.log(`  ${t.name}: warm-up fan-out incomplete`);

  const cpu0 = cpuMs(t.server.pid);
  const client0 = process.cpuUsage();
  const start = performance.now();
  const latencies = await sendAll(t, 'm', MSGS);
  const elapsed = performance.now() - start;
  const fanoutOk = await fanout('m', N * MSGS);
  const fanoutMs = fanoutAt - start;
  const client = process.cpuUsage(client0);
  const serverCpu = cpuMs(t.server.pid) - cpu0;
  if (dropped) throw new Error(`${t.name}: ${dropped} sockets disconnected during the run`);

  const total = N * MSGS;
  const r: Result = {
    msgsPerSec: total / (elapsed / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    fanoutOk,
    fanoutMs,
    serverCpuMsPerMsg: serverCpu / total,
    clientCpuMsPerMsg: (client.user + client.system) / 1000 / total,
  };
  const counts = received.map((x) => x.get('m') ?? 0);
  console.log(`  ${t.name.padEnd(6)} ${round(r.msgsPerSec, 0)} msg/s  ack p50 ${round(r.p50)} ms  p99 ${round(r.p99)} ms  max ${round(r.max)} ms`);
  console.log(`         all acks in ${round(elapsed, 0)} ms, fan-out complete at ${round(fanoutMs, 0)} ms: ${fanoutOk ? 'ok' : 'INCOMPLETE'} (per agent min ${Math.min(...counts)} / max ${Math.max(...counts)} of ${total})`);
  console.log(`         server CPU ${round(r.serverCpuMsPerMsg, 3)} ms/msg, client CPU ${round(r.clientCpuMsPerMsg, 3)} ms/msg`);
  return r;
}

async function run(make: () => Promise<Target>): Promise<Result> {
  const t = await make();
  try {
    return await measure(t);
  } finally {
    for (const s of [...t.agents, ...t.visitors]) {
      s.removeAllListeners('disconnect');
      s.close();
    }
    await t.server.stop();
  }
}

runBench('bench:relay', 10 * 60_000, async () => {
  const total = N * MSGS;
  console.log(`relay: ${N} visitors + ${M} agents = ${N + M} clients on 127.0.0.1, ${MSGS} acknowledged messages per visitor (${total} total, sequential per visitor, visitors concurrent), warm-up ${WARMUP} per visitor`);
  console.log(`Parley: ${limitsNote}`);
  console.log('bare: Socket.IO server, same namespaces and options, broadcast to one room of all agents + ack; no auth, no store');
  const bare = await run(bareTarget);
  const parley = await run(parleyTarget);
  if (PROFILE_DIR) console.log(`CPU profiles of both servers written under ${PROFILE_DIR}`);

  const ratio = parley.msgsPerSec / bare.msgsPerSec;
  const p99Ratio = parley.p99 / bare.p99;
  const targets = { ratio_min: 0.5, p99_ratio_max: 2 };
  const ok = ratio >= targets.ratio_min && p99Ratio <= targets.p99_ratio_max && parley.fanoutOk;
  if (!bare.fanoutOk) console.log('warning: the bare baseline did not deliver every message to every agent');
  console.log(`throughput ratio ${round(ratio)} (target >= ${targets.ratio_min}), p99 ratio ${round(p99Ratio)} (target <= ${targets.p99_ratio_max}), fan-out ${parley.fanoutOk ? 'complete' : 'INCOMPLETE'}: ${ok ? 'targets met' : 'targets MISSED'}`);
  console.log(JSON.stringify({
    visitors: N, agents: M, messages: total,
    parley_msgs_s: round(parley.msgsPerSec, 1), bare_msgs_s: round(bare.msgsPerSec, 1), ratio: round(ratio, 3),
    parley_p99_ms: round(parley.p99, 2), bare_p99_ms: round(bare.p99, 2), p99_ratio: round(p99Ratio, 3),
    fanout_ok: parley.fanoutOk, targets, ok,
  }));
  // Lost fan-out is a functional failure, not a missed target.
  if (!parley.fanoutOk) process.exitCode = 1;
});
