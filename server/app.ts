// buildApp(deps) assembles the HTTP server and Socket.IO without listening, so tests
// build it on port 0 exactly as production does.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { Server } from 'socket.io';
import { ParleyError } from './core/errors';
import type { Deps } from './deps';
import { agentOf, requireAgent } from './transport/http/auth';
import { errorHandler, notFound } from './transport/http/errors';
import { accountRoutes } from './transport/http/routes/account';
import { adminRoutes } from './transport/http/routes/admin';
import { outboundRoutes } from './transport/http/routes/outbound';
import { conversationRoutes } from './transport/http/routes/conversations';
import { fileDownloadRoutes, storeUpload, uploadMiddleware } from './transport/http/routes/files';
import { messengerAdminRoutes, messengerInboundRoutes } from './transport/http/routes/messengers';
import { outboxRoutes } from './transport/http/routes/outbox';
import { inboxRoutes } from './transport/http/routes/inboxes';
import { widgetRoutes } from './transport/http/routes/widget';
import { attachRealtime } from './transport/realtime';

export interface BuiltApp {
  app: Express;
  server: HttpServer;
  io: Server;
  /** Stops accepting connections and detaches listeners; does not close the store. */
  close(): Promise<void>;
}

/** The project root: where package.json is, from server/ (tsx) or dist/server/ (built). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

function limiter(perWindow: number, windowMs: number): RequestHandler {
  return rateLimit({
    windowMs,
    limit: perWindow,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new ParleyError('RATE_LIMITED')),
  });
}

export function buildApp(deps: Deps): BuiltApp {
  const { config, logger } = deps;
  const root = projectRoot();
  const publicDir = join(root, 'dist', 'public');
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);

  app.use(pinoHttp({ logger, autoLogging: { ignore: (req) => !req.url?.startsWith('/api/') } }));
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:', 'https:'],
          'connect-src': ["'self'", 'ws:', 'wss:'],
          'frame-ancestors': ["'none'"],
        },
      },
      // The widget's scripts and files are loaded by other sites' pages.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(cookieParser());
  const publicLimit = limiter(config.HTTP_PUBLIC_PER_MIN, 60_000);
  const loginLimit = limiter(config.LOGIN_PER_15MIN, 15 * 60_000);
  // Before the JSON parser: webhook signatures cover the raw body.
  app.use('/api/channels', publicLimit, messengerInboundRoutes(deps));
  // Inbox settings carry two email templates and maybe an inline logo: a larger limit there
  // (a body parsed here is not parsed again below).
  app.use(['/api/inboxes', '/api/sites/:siteId/inboxes'], express.json({ limit: '512kb' }));
  app.use(express.json({ limit: '100kb' }));

  app.use('/api/widget', publicLimit, widgetRoutes(deps));
  app.use('/api', accountRoutes(deps, { login: loginLimit }));
  app.use('/api', fileDownloadRoutes(deps));
  app.post('/api/attachments', requireAgent(deps.accounts), uploadMiddleware(deps), async (req, res) => {
    res.status(201).json(await storeUpload(deps, req, { kind: 'agent', id: agentOf(req).id }));
  });
  app.use('/api', outboundRoutes(deps));
  app.use('/api', conversationRoutes(deps));
  app.use('/api', outboxRoutes(deps));
  app.use('/api', messengerAdminRoutes(deps));
  app.use('/api', inboxRoutes(deps));
  app.use('/api', adminRoutes(deps));
  app.use('/api', notFound);

  app.get('/', (_req, res) => res.redirect('/admin/'));
  app.get('/demo.html', async (_req, res) => {
    const site = (await deps.store.listSites())[0];
    const html = readFileSync(join(root, 'public', 'demo.html'), 'utf8');
    res.type('html').set('Cache-Control', 'no-store').send(html.replaceAll('__SITE_KEY__', site?.widgetKey ?? 'run-setup-first'));
  });
  // The loader's URL is fixed in every snippet: keep its cache short so updates reach sites.
  app.use(express.static(publicDir, { index: false, maxAge: '5m' }));
  app.use(express.static(join(root, 'public'), { index: false, maxAge: '1h' }));
  app.get(/^\/admin(\/.*)?$/, (_req, res) => {
    const index = join(publicDir, 'admin', 'index.html');
    if (!existsSync(index)) throw new ParleyError('NOT_FOUND', undefined, 'The dashboard is not built. Run "npm run build".');
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  app.use(notFound);
  app.use(errorHandler(logger));

  const server = createServer(app);
  const io = new Server(server, {
    serveClient: false,
    cors: { origin: true, credentials: false },
    maxHttpBufferSize: 256 * 1024,
    // No connectionStateRecovery: clients catch up from their last sequence number, which
    // also survives a server restart, and the adapter does not buffer every broadcast.
  });
  const realtime = attachRealtime(io, deps);

  return {
    app,
    server,
    io,
    close: async () => {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // Disconnects above start presence bookkeeping; let it finish before the store closes.
      await realtime.drain();
      realtime.detach();
      server.closeAllConnections();
    },
  };
}
