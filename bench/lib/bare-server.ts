// The baseline: a bare Socket.IO server with Parley's topology and options, without auth,
// store or validation. /agent sockets join one room; a /visitor `message:send` is
// broadcast to that room and acknowledged. Env PORT; prints "bare listening" when ready.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { cors: { origin: true, credentials: false }, maxHttpBufferSize: 256 * 1024 });
const agents = io.of('/agent');
agents.on('connection', (socket) => void socket.join('all'));

let seq = 0;
io.of('/visitor').on('connection', (socket) => {
  socket.on('message:send', (payload: { clientId?: unknown; text?: unknown }, ack?: unknown) => {
    const message = { id: randomUUID(), seq: ++seq, clientId: payload?.clientId, text: payload?.text, createdAt: Date.now() };
    agents.to('all').emit('message', message);
    if (typeof ack === 'function') ack({ ok: true, message, duplicate: false });
  });
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write('bare listening\n'));
process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
