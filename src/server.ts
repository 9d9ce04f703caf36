/**
 * Entry point of `npm start` / `gatehouse serve`: reads .env and the environment, validates the
 * configuration, builds the app, listens, and shuts down gracefully on SIGINT/SIGTERM.
 */
import 'dotenv/config';
import { buildHttpApp } from './app.js';
import { createServices } from './services.js';
import { ConfigError, loadConfig } from './config/load-config.js';

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
  const services = await createServices(config);
  const app = await buildHttpApp(services);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  // mail delivery (SPEC §6); stopped by app.close(), after the message in progress
  if (config.mailWorker === 'on' && services.outboxWorker) await services.outboxWorker.start(app.log);
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
