// The peer of the bench (issue #15's memory target, issue #21's peer section): Better Auth
// (better-auth on npm), email and password, on its own fresh PostgreSQL database through its
// built-in Kysely/pg adapter, served by Node's http module through its own handler, with
// NODE_ENV=production from the bench. Its defaults otherwise: passwords hashed with its default
// scrypt (N=16384, r=16, p=1 on node:crypto, i.e. libuv's thread pool), sessions in the database,
// the cookie cache off — BA_COOKIE_CACHE=1 turns it on (5 min, its documented default maxAge): then
// get-session trusts a signed cookie and does not see a revoked session until the cache expires.
// Rate limiting is off, as it is for Gatehouse in the bench.
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import pg from 'pg';

const port = Number(process.env.PORT);
const auth = betterAuth({
  database: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }),
  emailAndPassword: { enabled: true },
  secret: process.env.BETTER_AUTH_SECRET,
  baseURL: `http://127.0.0.1:${port}`,
  telemetry: { enabled: false },
  // as Gatehouse's bench runs: no rate limiting in the way of the load
  rateLimit: { enabled: false },
  logger: { level: 'error' },
  ...(process.env.BA_COOKIE_CACHE === '1' ? { session: { cookieCache: { enabled: true, maxAge: 5 * 60 } } } : {}),
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const handler = toNodeHandler(auth);
const server = createServer((req, res) => {
  if (req.url === '/health/ready') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  void handler(req, res);
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
