// The comparison of issue #15's memory target: Better Auth (better-auth on npm), email and password,
// on its own fresh PostgreSQL database, served by Node's http module through its own handler. The
// bench signs a user in and loads GET /api/auth/get-session with the session cookie, as Gatehouse's
// GET /me is loaded, and samples both servers' resident memory during their loads.
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
