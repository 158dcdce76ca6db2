// Composition root: config -> store -> app -> listen. The only module with side effects
// at import.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import cron from 'node-cron';
import { pino } from 'pino';
import { buildApp } from './app';
import { startCluster } from './cluster';
import { ConfigError, loadConfig } from './config';
import { createDeps } from './deps';
import { loadOrCreateSecretKey } from './security/keys';
import { openBlobs, openStore } from './store/open';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = pino({ level: config.LOG_LEVEL });
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const store = await openStore({ ...config, DATA_DIR: dataDir });
  // Several nodes: Socket.IO broadcasts and presence shared through Redis (server/cluster).
  const cluster = config.REDIS_URL ? await startCluster(config, logger) : null;
  if (cluster) logger.info({ node: cluster.nodeId, presenceTtlMs: cluster.ttlMs }, 'cluster: redis');
  const deps = createDeps({
    config: { ...config, DATA_DIR: dataDir },
    store,
    blobs: openBlobs({ DATA_DIR: dataDir }, store),
    logger,
    secretKey: loadOrCreateSecretKey(dataDir, config.SECRET_KEY),
    ...(cluster ? { presence: cluster.presence } : {}),
  });
  const built = buildApp(deps);
  cluster?.attach(built.io, deps);

  const sweep = cron.schedule('17 * * * *', async () => {
    const removed = await store.deleteExpiredSessions(Date.now());
    if (removed) logger.info({ removed }, 'expired sessions removed');
  });

  await new Promise<void>((ok, fail) => {
    built.server.once('error', fail);
    built.server.listen(config.PORT, config.HOST, ok);
  });
  // Runs on every node; only the holder of the 'outbox' lease in the store delivers.
  deps.outbox.start();
  // Every node supervises the inboxes; each mailbox is read by the holder of its lease.
  deps.email.start();
  const address = built.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const publicUrl = config.PUBLIC_URL.replace(/:0$/, `:${port}`);
  logger.info({ port, dataDir, store: store.kind }, 'Parley is listening');
  const needsSetup = await deps.accounts.needsSetup();
  // One plain line for humans, whatever LOG_LEVEL says.
  process.stdout.write(`\nParley is running. Dashboard: ${publicUrl}/admin/${needsSetup ? '  (first run: create the administrator there)' : ''}\n\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await sweep.stop();
    await cluster?.drain();
    await deps.email.stop();
    await deps.outbox.stop();
    await built.close();
    await new Promise<void>((ok) => built.server.close(() => ok()));
    await cluster?.close();
    await deps.mailPool.close();
    deps.mailer.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
