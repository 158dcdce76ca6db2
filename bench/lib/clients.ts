// Socket.IO client connections for the benchmarks: websocket only, one engine per socket,
// no silent reconnects (a dropped connection is a failure, not a retry).
import { io, type Socket } from 'socket.io-client';
import { freePort, startNode, type Server } from './proc';

export function connect(url: string, opts: { auth?: Record<string, string>; cookie?: string } = {}, timeoutMs = 15000): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.cookie ? { extraHeaders: { cookie: opts.cookie } } : {}),
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      socket.close();
      fail(new Error(`connect ${url}: timed out`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      ok(socket);
    });
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      clearTimeout(timer);
      socket.close();
      fail(new Error(`connect ${url}: ${err.message} ${err.data ? JSON.stringify(err.data) : ''}`));
    });
  });
}

/** The baseline server of bare-server.ts, started like Parley (tsx, --expose-gc, gc hook). */
export async function startBare(nodeArgs: string[] = []): Promise<Server> {
  const port = await freePort();
  return startNode({ script: 'bench/lib/bare-server.ts', nodeArgs, port, env: { PORT: String(port) }, ready: /bare listening/ });
}
