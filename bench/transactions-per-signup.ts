/**
 * Database transactions per sign-up, with and without a webhook endpoint subscribed — a figure the
 * host's load does not move (unlike sign-ups/s), for comparing outbox changes (bench/RESULTS.md,
 * scenario (w)). PostgreSQL only: `pg_stat_database.xact_commit` of the test's own database, read
 * before and after N sign-ups sent 8 at a time, every delivery received and verified first.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/transactions-per-signup.ts [N]
 */
import pg from 'pg';
import { api } from '../test/admin/admin-helpers.js';
import { buildTestContext } from '../test/helpers/build-test-app.js';
import { eventually, register, userWithRoles } from '../test/helpers/factories.js';
import { WebhookReceiver } from '../test/helpers/webhook-receiver.js';

const N = Number(process.argv[2] ?? 200);
if (!process.env.TEST_DATABASE_URL) throw new Error('set TEST_DATABASE_URL (PostgreSQL): PGlite keeps no statistics');

const t = await buildTestContext();
const admin = api(t.app, (await userWithRoles(t.app, ['admin'])).accessToken);
const receiver = await WebhookReceiver.start();
// as in scenario (w): the webhook worker runs, mail stays queued (no SMTP_URL in production)
await t.services.webhookWorker.start({ info() {}, warn() {}, error() {} });
const stats = new pg.Client({ connectionString: t.db.url ?? undefined });
await stats.connect();
/** committed transactions so far (the statistics collector is asked to flush first) */
const commits = async (): Promise<number> => {
  // each backend flushes its counts at most every second, and an idle one within 10 s
  await new Promise((r) => setTimeout(r, 11_000));
  await stats.query('select pg_stat_force_next_flush()').catch(() => {});
  await stats.query('select pg_stat_clear_snapshot()');
  const { rows } = await stats.query('select xact_commit::bigint as n from pg_stat_database where datname = current_database()');
  return Number(rows[0].n);
};
async function signUps(): Promise<number> {
  const before = await commits();
  for (let i = 0; i < N; i += 8) await Promise.all(Array.from({ length: Math.min(8, N - i) }, () => register(t.app)));
  return before;
}
try {
  let before = await signUps();
  const without = ((await commits()) - before) / N;
  const res = await admin('POST', '/admin/webhooks', { url: receiver.url, events: ['user.created'] });
  if (res.statusCode !== 201) throw new Error(res.body);
  receiver.secrets = [res.json().secret];
  before = await signUps();
  await eventually(async () => receiver.received.length >= N, `${N} deliveries`, 30_000);
  const withEndpoint = ((await commits()) - before) / N;
  const verified = receiver.received.filter((r) => r.verifiedBy.length > 0).length;
  console.log(JSON.stringify({ signUps: N, transactionsPerSignUp: { noEndpoint: +without.toFixed(2), oneEndpoint: +withEndpoint.toFixed(2), extraPerDelivery: +(withEndpoint - without).toFixed(2) }, delivered: receiver.received.length, verified }));
} finally {
  await stats.end();
  await t.services.webhookWorker.stop();
  await receiver.down();
  await t.close();
}
