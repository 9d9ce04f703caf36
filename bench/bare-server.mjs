// The reference for target (a): a tiny Fastify server returning a small JSON object, with
// Gatehouse's logger settings (pino at LOG_LEVEL, no per-request lines; nothing is written at
// `warn`). Same Fastify package, same Node, started like the Gatehouse child.
import Fastify, { LogController } from 'fastify';

const app = Fastify({
  logger: { level: process.env.LOG_LEVEL ?? 'warn' },
  logController: new LogController({ disableRequestLogging: true }),
});
app.get('/bare', async () => ({ id: 'bench', ok: true, permissions: ['a', 'b'] }));
app.get('/health/ready', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
