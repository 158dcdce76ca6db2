// A real HTTP receiver on loopback that records what it got, and can be told to fail.
import { createServer, type Server } from 'node:http';

export interface Received {
  key: string;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

export class Receiver {
  received: Received[] = [];
  /** Status to answer with; 200 by default. */
  status = 200;
  delayMs = 0;
  private server?: Server;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Distinct idempotency keys, in first-arrival order: what an idempotent receiver stores. */
  uniqueKeys(): string[] {
    return [...new Set(this.received.map((r) => r.key))];
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        setTimeout(() => {
          if (this.status >= 200 && this.status < 300) {
            this.received.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(raw || 'null'), headers: req.headers });
          }
          res.writeHead(this.status, { 'content-type': 'application/json' }).end('{}');
        }, this.delayMs);
      });
    });
    await new Promise<void>((ok) => this.server!.listen(port, '127.0.0.1', ok));
    this.port = (this.server!.address() as { port: number }).port;
    return this;
  }

  /** Stops listening (connections refused) but keeps what it received. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
