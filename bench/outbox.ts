// Outbound email benchmark (issue 5), in one run and one process, against one local SMTP
// server (test/helpers/smtp.ts: smtp-server on a free port, no TLS, no AUTH, records what it
// accepts):
// 1. outbox: a full Parley (SQLite, test/helpers/server.ts) with an inbox that sends over
//    that server (no reader runs: deps.email is never started) and debounce 0. The emails
//    are produced the way the product produces them: visitors write in the widget while
//    every agent is offline, and each visitor message notifies each agent. The loop brake
//    lets 20 emails an hour through to one address (MAIL_LOOP_BRAKE_PER_HOUR, default), so
//    1,000 emails are 50 agents (the admin and 49 more) x 20 visitor messages, each the
//    first message of its own conversation. Timed: from just before the 20 visitors send
//    (over their already connected sockets) until the SMTP server has accepted all 1,000;
//    that is the producing (message stored, policy, 1,000 enqueues), the outbox worker
//    (claims, the deliverer's store reads and checks, rendering, the sent marks) and
//    the SMTP sessions. The visitor connections and the setup are outside the window.
// 2. direct: the baseline a programmer would write without an outbox: the same 1,000
//    emails (renderEmail with the inbox's settings, the same headers) sent at once
//    (Promise.all) through one nodemailer transport configured like the Mailer's (pooled,
//    maxConnections 3). Timed: from the first render until the last send resolved. It runs
//    before and after the outbox run and the faster run counts (a noisy shared machine
//    must not flatter the ratio); both phases follow a warm-up of 100 direct emails.
// ratio = outbox_msgs_s / direct_msgs_s. Human lines per phase; the last line is JSON.
//   npm run bench:outbox -- [--emails 1000] [--breakdown]
// --breakdown: also count and time the store calls and the SMTP sends of the outbox run.
import { parseArgs } from 'node:util';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { Socket } from 'socket.io-client';
import { mailSettingsOf } from '../server/channels/email/defaults';
import { renderEmail, type EmailContext } from '../server/channels/email/templates';
import type { Inbox } from '../server/core/types';
import { ADMIN, call, connectVisitor, setupInstallation, startServer, type TestServer } from '../test/helpers/server';
import { startSmtp, type SmtpServer } from '../test/helpers/smtp';
import { onCleanup, runBench, sleep } from './lib/proc';
import { intOption, round } from './lib/stats';
import { Timings } from './lib/timing';

const { values: flags } = parseArgs({ options: { emails: { type: 'string' }, breakdown: { type: 'boolean', default: false } } });
/** The loop brake's default: emails to one address per hour. */
const PER_AGENT = 20;
const AGENTS = Math.ceil(intOption(flags, 'emails', 1000) / PER_AGENT);
const EMAILS = AGENTS * PER_AGENT;
const WARMUP = 100;
const TARGET_RATIO = 0.6;
const WAIT_MS = 120_000;

interface Setup {
  server: TestServer;
  smtp: SmtpServer;
  inbox: Inbox;
  agents: Array<{ name: string; email: string }>;
  visitors: Socket[];
}

async function setup(smtp: SmtpServer): Promise<Setup> {
  const server = await startServer({ MONGODB_URI: '', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' });
  onCleanup(() => server.close());
  const { admin, site } = await setupInstallation(server.url);
  const res = await admin.post(`/api/sites/${site.id}/inboxes`, {
    name: 'Support', address: 'support@example.test', password: 'unused',
    settings: {
      protocol: 'imap', incoming: { host: smtp.host, port: smtp.port, security: 'none', username: 'support' },
      outgoing: { host: smtp.host, port: smtp.port, security: 'none' },
      outbound: { debounceSeconds: 0, notifyAgents: true },
    },
  });
  if (res.status !== 201) throw new Error(`creating the inbox failed: ${res.status} ${JSON.stringify(res.body)}`);
  const agents = [{ name: ADMIN.name, email: ADMIN.email }];
  for (let i = 1; i < AGENTS; i++) {
    const agent = { name: `Agent ${i}`, email: `agent${i}@example.test` };
    const created = await admin.post('/api/agents', { role: 'agent', ...agent, password: 'agent password 123' });
    if (created.status !== 201) throw new Error(`creating an agent failed: ${created.status} ${JSON.stringify(created.body)}`);
    agents.push(agent);
  }
  const visitors: Socket[] = [];
  for (let i = 0; i < PER_AGENT; i++) {
    const v = await connectVisitor(server.url, site.widgetKey);
    onCleanup(async () => void v.socket.close());
    await call(v.socket, 'visitor:update', { name: `Visitor ${i}` });
    visitors.push(v.socket);
  }
  if (server.deps.config.MAIL_LOOP_BRAKE_PER_HOUR < PER_AGENT) throw new Error(`MAIL_LOOP_BRAKE_PER_HOUR is under ${PER_AGENT}: the loop brake would drop notifications`);
  const inbox = await server.deps.store.getInbox(res.body.id);
  server.deps.outbox.start();
  return { server, smtp, inbox: inbox!, agents, visitors };
}

const textOf = (i: number) => `Hello, I ordered item ${1000 + i} last week and it has not arrived yet. Could you tell me where it is?`;

async function untilReceived(smtp: SmtpServer, count: number): Promise<boolean> {
  const deadline = Date.now() + WAIT_MS;
  while (smtp.received.length < count) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

async function outboxRun(s: Setup) {
  const before = s.smtp.received.length;
  const timings = flags.breakdown ? new Timings().wrap('store', s.server.deps.store).wrap('mailer', s.server.deps.mailer, ['send']).wrap('outbox', s.server.deps.outbox, ['enqueue']) : null;
  const t0 = performance.now();
  const acks = await Promise.all(s.visitors.map((v, i) => call(v, 'message:send', { clientId: crypto.randomUUID(), text: textOf(i) }, 30_000)));
  const producedMs = performance.now() - t0;
  if (acks.some((a) => !a.ok)) throw new Error(`a visitor message failed: ${JSON.stringify(acks.find((a) => !a.ok))}`);
  const complete = await untilReceived(s.smtp, before + EMAILS);
  const ms = performance.now() - t0;
  timings?.unwrap();
  return { ms, producedMs, complete, timings, sent: s.smtp.received.length - before, bytes: bytesOf(s.smtp, before) };
}

/** The notification the deliverer would build for agent `a` and visitor message `i`. */
function email(s: Setup, i: number, a: { name: string; email: string }): SendMailOptions {
  const { inbox } = s;
  const ctx: EmailContext = {
    site: { name: 'Acme' },
    inbox: { name: inbox.name, address: inbox.address },
    visitor: { name: `Visitor ${i}`, email: null },
    agent: { name: a.name },
    conversation: { name: `Visitor ${i}`, url: `${s.server.url}/admin/#/inbox/${crypto.randomUUID()}` },
    message: { text: textOf(i), author: `Visitor ${i}` },
    messages: [{ text: textOf(i), author: `Visitor ${i}`, time: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC' }],
  };
  const body = renderEmail('agentNotification', mailSettingsOf(inbox.settings), ctx, { delimiter: inbox.settings.delimiter });
  return {
    from: { name: `Visitor ${i} (${inbox.name})`, address: inbox.address },
    to: a.email,
    replyTo: { name: `${inbox.name} [#${i}]`, address: inbox.address },
    subject: `Re: Visitor ${i} [#${crypto.randomUUID().slice(0, 8)}]`,
    messageId: `<${crypto.randomUUID()}@example.test>`,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    text: body.text,
    html: body.html,
  };
}

async function directRun(s: Setup, count: number) {
  const transport = nodemailer.createTransport({
    pool: true, maxConnections: 3, host: s.smtp.host, port: s.smtp.port, secure: false, ignoreTLS: true,
    disableFileAccess: true, disableUrlAccess: true,
  });
  const before = s.smtp.received.length;
  const t0 = performance.now();
  try {
    await Promise.all(Array.from({ length: count }, (_, n) => transport.sendMail(email(s, n % PER_AGENT, s.agents[Math.floor(n / PER_AGENT) % s.agents.length]!))));
  } finally {
    transport.close();
  }
  const ms = performance.now() - t0;
  return { ms, sent: s.smtp.received.length - before, bytes: bytesOf(s.smtp, before) };
}

function bytesOf(smtp: SmtpServer, from: number): number {
  return smtp.received.slice(from).reduce((sum, m) => sum + m.raw.length, 0);
}

/** --breakdown: where the outbox run's time went (store calls, SMTP sends: wall time, overlapping). */
function printBreakdown(t: Timings, wallMs: number): void {
  const line = ([k, v]: [string, { calls: number; ms: number }]) => `${k.replace(/^\w+\./, '')} ${v.calls}x ${round(v.ms, 0)} ms`;
  console.log(`  breakdown of ${round(wallMs, 0)} ms (--breakdown; concurrent calls overlap): store ${t.top('store', 14).map(line).join(', ')}`);
  console.log(`    ${[...t.top('mailer'), ...t.top('outbox')].map(line).join(', ')}`);
}

const rateOf = (r: { sent: number; ms: number }) => (r.sent / r.ms) * 1000;
const avgKb = (r: { sent: number; bytes: number }) => round(r.bytes / Math.max(1, r.sent) / 1024, 2);

runBench('bench:outbox', 240_000, async () => {
  const smtp = await startSmtp({ secure: 'plain' });
  onCleanup(() => smtp.stop());
  const s = await setup(smtp);
  console.log(`outbox: ${EMAILS} notification emails (${AGENTS} offline agents x ${PER_AGENT} visitor messages, debounce 0) to a local smtp-server`);
  await directRun(s, WARMUP); // warm-up (JIT, both ends of SMTP), not reported

  const directs = [await directRun(s, EMAILS)];
  const outbox = await outboxRun(s);
  directs.push(await directRun(s, EMAILS));
  directs.forEach((d, i) => console.log(`  direct ${i + 1}: nodemailer pool (3 connections), Promise.all: ${d.sent} in ${round(d.ms, 0)} ms = ${round(rateOf(d), 1)} msgs/s, ${avgKb(d)} KiB/email`));
  const direct = directs.reduce((a, b) => (rateOf(b) > rateOf(a) ? b : a));
  console.log(`  outbox:   ${outbox.sent} in ${round(outbox.ms, 0)} ms = ${round(rateOf(outbox), 1)} msgs/s, ${avgKb(outbox)} KiB/email` +
    ` (the ${PER_AGENT} visitor messages acknowledged after ${round(outbox.producedMs, 0)} ms)${outbox.complete ? '' : ` INCOMPLETE after ${WAIT_MS} ms`}`);
  if (outbox.timings) printBreakdown(outbox.timings, outbox.ms);
  const ratio = rateOf(outbox) / rateOf(direct);
  console.log(`  ratio ${round(ratio, 3)} against the faster direct run (target >= ${TARGET_RATIO})`);
  console.log(JSON.stringify({
    emails: EMAILS, agents: AGENTS, visitor_messages: PER_AGENT,
    outbox_msgs_s: round(rateOf(outbox), 1), direct_msgs_s: round(rateOf(direct), 1), ratio: round(ratio, 3),
    outbox_ms: round(outbox.ms, 0), outbox_produced_ms: round(outbox.producedMs, 0), direct_ms: round(direct.ms, 0),
    direct_runs_msgs_s: directs.map((d) => round(rateOf(d), 1)), outbox_sent: outbox.sent, complete: outbox.complete,
    target_ratio: TARGET_RATIO, ok: outbox.complete && ratio >= TARGET_RATIO,
  }));
  if (!outbox.complete) process.exitCode = 1;
});
