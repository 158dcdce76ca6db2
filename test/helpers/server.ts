// Starts a real Parley (the same composition as main.ts) on 127.0.0.1:0 with a fresh
// data directory, and clients that talk to it like the dashboard and the widget do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import { buildApp, type BuiltApp } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { createDeps, type Deps } from '../../server/deps';
import { openBlobs, openStore } from '../../server/store/open';
import { freshDbName, startMongo, withDatabase, type MongoServer } from './mongo';
import type { AgentClientEvents, AgentServerEvents, VisitorClientEvents, VisitorServerEvents } from '../../server/transport/realtime/events';
import type { AuthView, SiteView, VisitorSession } from '../../server/transport/views';

export interface TestServer {
  url: string;
  deps: Deps;
  built: BuiltApp;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * PARLEY_TEST_STORE=mongo runs every test server on MongoDB: one FerretDB (or
 * MONGODB_TEST_URI) per test process, a fresh database per server.
 */
let sharedMongo: Promise<MongoServer | null> | undefined;
export async function mongoUriForTest(): Promise<Record<string, string>> {
  if (process.env.PARLEY_TEST_STORE !== 'mongo') return {};
  sharedMongo ??= startMongo().then((m) => {
    if (!m) throw new Error('PARLEY_TEST_STORE=mongo but no MongoDB-compatible server: run npm run setup:test, or set MONGODB_TEST_URI');
    return m; // stopped with the test process (see startMongo)
  });
  const server = (await sharedMongo)!;
  return { MONGODB_URI: withDatabase(server.uri, freshDbName()) };
}

export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-test-'));
  const config: Config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    SOCKET_EVENTS_PER_10S: '100000',
    HTTP_PUBLIC_PER_MIN: '100000',
    LOGIN_PER_15MIN: '100000',
    ...(await mongoUriForTest()),
    ...env,
  });
  const store = await openStore(config);
  const deps = createDeps({
    config,
    store,
    blobs: openBlobs(config, store),
    logger: pino({ level: config.LOG_LEVEL }),
    secretKey: Buffer.alloc(32, 7),
  });
  const built = buildApp(deps);
  await new Promise<void>((ok) => built.server.listen(0, '127.0.0.1', ok));
  const address = built.server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    deps,
    built,
    dataDir,
    close: async () => {
      await deps.email.stop();
      await deps.outbox.stop();
      await built.close();
      await new Promise<void>((ok) => built.server.close(() => ok()));
      await deps.mailPool.close();
      deps.mailer.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A dashboard session: cookie jar of one cookie, CSRF header, JSON in and out. */
export class AgentClient {
  cookie = '';
  csrf = '';
  auth?: AuthView;

  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
      redirect: 'manual',
    });
    const setCookie = res.headers.get('set-cookie');
    const match = setCookie && /parley_session=([^;]*)/.exec(setCookie);
    if (match) this.cookie = match[1] ? `parley_session=${match[1]}` : '';
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch { /* not JSON: keep the text */ }
    if (parsed && typeof parsed === 'object' && 'csrfToken' in parsed) {
      this.auth = parsed as AuthView;
      this.csrf = this.auth.csrfToken;
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body?: unknown) => this.request('POST', path, body ?? {});
  patch = (path: string, body: unknown) => this.request('PATCH', path, body);
  del = (path: string) => this.request('DELETE', path);

  async login(email: string, password: string): Promise<this> {
    const res = await this.post('/api/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return this;
  }

  socket(): Socket<AgentServerEvents, AgentClientEvents> {
    return ioClient(`${this.base}/agent`, { extraHeaders: { cookie: this.cookie }, transports: ['websocket'], forceNew: true });
  }
}

export const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' };

/** First-run setup: the first admin and the first site. */
export async function setupInstallation(base: string): Promise<{ admin: AgentClient; site: SiteView }> {
  const admin = new AgentClient(base);
  const res = await admin.post('/api/setup', { ...ADMIN, siteName: 'Acme' });
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${JSON.stringify(res.body)}`);
  const sites = await admin.get('/api/sites');
  return { admin, site: sites.body[0] };
}

export async function createAgent(admin: AgentClient, input: { name: string; email: string; role?: 'admin' | 'agent'; departments?: string[] }): Promise<AgentClient> {
  const password = 'agent password 123';
  const res = await admin.post('/api/agents', { role: 'agent', ...input, password });
  if (res.status !== 201) throw new Error(`create agent failed: ${res.status} ${JSON.stringify(res.body)}`);
  return new AgentClient(admin.base).login(input.email, password);
}

export interface TestVisitor {
  session: VisitorSession;
  socket: Socket<VisitorServerEvents, VisitorClientEvents>;
}

export async function visitorSession(base: string, siteKey: string, token?: string, origin?: string): Promise<VisitorSession> {
  const res = await fetch(`${base}/api/widget/visitor`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ site: siteKey, token }),
  });
  if (res.status !== 200) throw new Error(`visitor session failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as VisitorSession;
}

export async function connectVisitor(base: string, siteKey: string, token?: string): Promise<TestVisitor> {
  const session = await visitorSession(base, siteKey, token);
  const socket: TestVisitor['socket'] = ioClient(`${base}/visitor`, { auth: { token: session.token }, transports: ['websocket'], forceNew: true });
  await connected(socket);
  return { session, socket };
}

export function connected(socket: Socket<any, any>): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((ok, fail) => {
    socket.once('connect', () => ok());
    socket.once('connect_error', (err) => fail(err));
  });
}

/** Resolves with the first `event` whose payload passes `test`, or fails after `ms`. */
export function nextEvent<T = any>(socket: Socket<any, any>, event: string, test: (payload: T) => boolean = () => true, ms = 5000): Promise<T> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      fail(new Error(`timed out waiting for ${event}`));
    }, ms);
    const handler = (payload: T) => {
      if (!test(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      ok(payload);
    };
    socket.on(event, handler);
  });
}

/** emitWithAck with a timeout, for typed sockets. */
export function call<T = any>(socket: Socket<any, any>, event: string, payload: unknown, ms = 5000): Promise<T> {
  return socket.timeout(ms).emitWithAck(event, payload) as Promise<T>;
}
