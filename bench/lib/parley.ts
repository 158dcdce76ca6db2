// Parley as a separate process for the benchmarks, and the HTTP calls that set up an
// installation (the same calls the dashboard and the widget make).
import { freePort, startNode, tempDir, removeDir, type Server } from './proc';

/** Rate limits raised so the benchmark measures the relay, not the limiter. */
export const RAISED_LIMITS = { SOCKET_EVENTS_PER_10S: '1000000', HTTP_PUBLIC_PER_MIN: '1000000', LOGIN_PER_15MIN: '100000' };

/**
 * Starts `node server/main.ts` on 127.0.0.1. Without `existingDir` the data directory is a
 * fresh temp dir removed by stop(); with it, the caller owns the directory. `env` adds
 * settings (MONGODB_URI, REDIS_URL, SECRET_KEY, NODE_NAME...).
 */
export async function startParley(nodeArgs: string[] = [], existingDir?: string, env: Record<string, string> = {}): Promise<Server & { dataDir: string }> {
  const port = await freePort();
  const dataDir = existingDir ?? tempDir('parley-bench-');
  const srv = await startNode({
    script: 'server/main.ts',
    nodeArgs,
    port,
    env: { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...RAISED_LIMITS, ...env },
    ready: /Dashboard: http/,
  });
  return {
    ...srv,
    dataDir,
    stop: async () => {
      await srv.stop();
      if (!existingDir) removeDir(dataDir);
    },
  };
}

export const limitsNote = `rate limits raised for benchmarking: ${Object.entries(RAISED_LIMITS).map(([k, v]) => `${k}=${v}`).join(' ')}`;

/** A dashboard session: the session cookie and the CSRF token. */
export class Dashboard {
  cookie = '';
  csrf = '';
  constructor(readonly base: string) {}

  async call<T = any>(method: string, path: string, body?: unknown, expect = [200, 201]): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const m = /parley_session=([^;]*)/.exec(res.headers.get('set-cookie') ?? '');
    if (m?.[1]) this.cookie = `parley_session=${m[1]}`;
    const text = await res.text();
    if (!expect.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    const parsed = text ? JSON.parse(text) : null;
    if (parsed && typeof parsed.csrfToken === 'string') this.csrf = parsed.csrfToken;
    return parsed as T;
  }
}

const PASSWORD = 'bench password 123';

/** First-run setup; returns the admin session and the first site's widget key. */
export async function setupInstallation(base: string): Promise<{ admin: Dashboard; siteKey: string }> {
  const admin = new Dashboard(base);
  await admin.call('POST', '/api/setup', { name: 'Bench Admin', email: 'admin@bench.test', password: PASSWORD, siteName: 'Bench' });
  const sites = await admin.call<{ widgetKey: string }[]>('GET', '/api/sites');
  if (!sites[0]) throw new Error('setup created no site');
  return { admin, siteKey: sites[0].widgetKey };
}

/**
 * Creates an agent (role agent, no departments: sees every conversation) and logs in as
 * them, on `loginBase` when given (another node of the same installation).
 */
export async function createAgent(admin: Dashboard, i: number, loginBase = admin.base): Promise<Dashboard> {
  const email = `agent${i}@bench.test`;
  await admin.call('POST', '/api/agents', { name: `Agent ${i}`, email, password: PASSWORD, role: 'agent' });
  const agent = new Dashboard(loginBase);
  await agent.call('POST', '/api/auth/login', { email, password: PASSWORD });
  return agent;
}

export async function visitorToken(base: string, siteKey: string): Promise<string> {
  const res = await fetch(`${base}/api/widget/visitor`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ site: siteKey }),
  });
  if (res.status !== 200) throw new Error(`visitor session: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
