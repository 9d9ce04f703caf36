/**
 * `gatehouse worker`: delivers the outbox — mail and webhooks — and serves nothing, beside instances
 * run with MAIL_WORKER=off, or as one more worker: claims skip what another worker holds, so any
 * number may run. Stops on SIGTERM/SIGINT after the message being sent.
 */
import type { Config } from '../config/load-config.js';
import { createLogging } from '../http/logging.js';
import { createServices } from '../services.js';

export async function worker(config: Config): Promise<number> {
  const services = await createServices(config);
  const { logger } = createLogging(config.logLevel);
  for (const warning of services.warnings) logger.warn(warning);
  if (!services.outboxWorker) {
    logger.error('no mail transport: set SMTP_URL (NODE_ENV=production keeps mail queued without one)');
    await services.close();
    return 1;
  }
  await services.outboxWorker.start(logger);
  await services.webhookWorker.start(logger);
  logger.info({ engine: services.database.engine, transport: config.smtpUrl ? 'smtp' : 'development outbox' }, 'mail worker running');
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info({ signal }, 'mail worker stopping after the message in progress');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await services.close();
  return 0;
}
