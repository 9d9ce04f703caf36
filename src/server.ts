/**
 * Entry point of `npm start` / `gatehouse serve`: reads .env and the environment, validates the
 * configuration, builds the app, listens, and shuts down gracefully on SIGINT/SIGTERM.
 */
import 'dotenv/config';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { buildHttpApp, closeGracefully } from './app.js';
import { createServices, type Services } from './services.js';
import { ConfigError, loadConfig, type Config } from './config/load-config.js';
import { isConnectionFailure } from './db/sql-errors.js';
import { startControlSocket, type ControlSocket } from './commands/control-server.js';

/**
 * The services, waiting for PostgreSQL/Redis when they are not up yet (a compose file or a reboot
 * starts everything at once): connection failures are retried with a backoff from 0.5 s doubling
 * to 10 s, each logged; any other failure (bad credentials, a wrong SECRETS_KEY) stops the start.
 */
async function servicesWhenReachable(config: Config, log: pino.Logger, stopping: () => boolean): Promise<Services | null> {
  let delayMs = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await createServices(config);
    } catch (error) {
      if (!isConnectionFailure(error) || stopping()) throw error;
      const e = error as { code?: string; message?: string };
      log.warn({ attempt, retry_in_ms: delayMs, cause: e.code ?? e.message }, `${config.databaseUrl ? 'PostgreSQL' : 'the database'}${config.redisUrl ? ' or Redis' : ''} is not reachable yet; retrying`);
      await sleep(delayMs);
      if (stopping()) return null;
      delayMs = Math.min(10_000, delayMs * 2);
    }
  }
}

export async function serve(env: Record<string, string | undefined>): Promise<void> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const startLog = pino({ level: config.logLevel });
  let closing = false;
  let app: Awaited<ReturnType<typeof buildHttpApp>> | null = null;
  let control: ControlSocket | null = null;
  const timeoutMs = config.shutdownTimeoutSeconds * 1000;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    // the last resort: whatever is still running at the deadline does not keep the process alive
    const force = setTimeout(() => process.exit(1), timeoutMs);
    force.unref();
    if (!app) return; // still starting: the start-up sees `closing` and exits
    app.log.info({ signal, timeout_seconds: config.shutdownTimeoutSeconds }, 'shutting down: draining requests in flight');
    const stopping = app;
    Promise.resolve(control?.close())
      .then(() => closeGracefully(stopping, { drainMs: config.shutdownDrainSeconds * 1000, timeoutMs }))
      .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Gatehouse did not close cleanly:', error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  const services = await servicesWhenReachable(config, startLog, () => closing);
  if (!services) process.exit(0);
  app = await buildHttpApp(services);
  if (closing) {
    await closeGracefully(app, { drainMs: 0, timeoutMs });
    process.exit(0);
  }
  await app.listen({ port: config.port, host: config.host });
  // embedded engine: this process alone holds DATA_DIR, so the command line's commands come here
  if (services.database.engine === 'pglite') {
    try {
      control = await startControlSocket({ dataDir: config.dataDir, services, log: app.log });
    } catch (error) {
      app.log.warn({ cause: error instanceof Error ? error.message : String(error) }, 'no command line socket: commands must wait until this server stops');
    }
  }
  // mail delivery (docs/operations.md); stopped by app.close(), after the message in progress
  if (config.mailWorker === 'on' && services.outboxWorker) await services.outboxWorker.start(app.log);
  // webhook delivery (its own worker: a slow endpoint never delays mail)
  await services.webhookWorker.start(app.log);
  app.log.info(
    { engine: services.database.engine, store: config.redisUrl ? 'redis' : 'memory', public_url: config.publicUrl },
    'Gatehouse is ready',
  );
}

// `node dist/server.js` runs the server; importing this module (the CLI) does not
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/server.js') || process.argv[1]?.endsWith('/server.ts')) {
  serve(process.env).catch((error: unknown) => {
    console.error('Gatehouse failed to start:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
