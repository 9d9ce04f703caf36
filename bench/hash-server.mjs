// The ceiling for target (b): the cheapest HTTP sign-in this machine can serve. A bare Fastify
// server whose POST /login only verifies the password with Gatehouse's own PasswordHasher (same
// worker pool, priority, admission queue and argon2id parameters) and answers a small JSON body:
// no database, no Redis, no session, no token. Gatehouse's logins/s ÷ this server's logins/s is
// what Gatehouse's own work (PostgreSQL, Redis, sessions, tokens, audit) costs; this server ÷ raw
// verifications is what HTTP and the load generator cost on the same cores.
//
// HASHER_MODULE: URL of password-hasher (dist/ or, under tsx, src/), chosen by the bench.
import Fastify, { LogController } from 'fastify';

const { PasswordHasher } = await import(process.env.HASHER_MODULE);
const env = (k) => Number(process.env[k]);
const hasher = new PasswordHasher({
  memoryKib: env('ARGON2_MEMORY_KIB'),
  timeCost: env('ARGON2_TIME_COST'),
  parallelism: env('ARGON2_PARALLELISM'),
  concurrency: env('HASH_CONCURRENCY'),
  queueMax: env('HASH_QUEUE_MAX'),
});
const stored = await hasher.hash(process.env.PASSWORD);

const app = Fastify({
  logger: { level: process.env.LOG_LEVEL ?? 'warn' },
  logController: new LogController({ disableRequestLogging: true }),
});
app.post('/login', {
  schema: { body: { type: 'object', required: ['login', 'password'], properties: { login: { type: 'string' }, password: { type: 'string' } } } },
}, async (request, reply) => {
  if (!(await hasher.verify(stored, request.body.password))) return reply.status(401).send({ ok: false });
  return { ok: true };
});
app.get('/health/ready', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void Promise.all([app.close(), hasher.close()]).then(() => process.exit(0)));
