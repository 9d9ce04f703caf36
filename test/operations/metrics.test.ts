/**
 * GET /metrics (docs/api.md Operations, issue #21): Prometheus text with the request histogram by
 * route template, sign-ins by method and outcome, refresh reuse, rate-limit refusals and the
 * scrape-time gauges (live sessions, outbox, DB pool, hash queue); METRICS_TOKEN guards it when
 * set; nothing secret is in it. Runs on either engine pair (PGlite + memory, PostgreSQL + Redis).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, cookieValue, expectProblem, login, refresh, register, WRONG_PASSWORD } from '../helpers/factories.js';
import { parseScrape, sampleValue } from '../helpers/metrics-text.js';

const METRICS_TOKEN = 'metrics-secret-0123456789abcdef';

describe('GET /metrics', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { PRODUCTS: 'on', RATE_LIMIT_LOGIN_ID: '3/60', METRICS_TOKEN } });
  });
  after(async () => {
    await t.close();
  });

  const scrape = () => t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) });

  it('needs METRICS_TOKEN when it is set: 401 problem+json without it or with another, 200 with it', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/metrics' }), 401, 'unauthorized');
    expectProblem(await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer('metrics-secret-0123456789abcdeX') }), 401, 'unauthorized');
    expectProblem(await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Basic ${METRICS_TOKEN}` } }), 401, 'unauthorized');
    const res = await scrape();
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /^# HELP /m);
    assert.match(res.body, /^process_cpu_user_seconds_total /m, 'prom-client default process metrics');
  });

  it('counts sign-ins, rate limits and refresh reuse; shows live sessions, the outbox, the pool and the hash queue', async () => {
    const u = await register(t.app); // queues the verification mail, opens a session
    assert.equal((await login(t.app, u.email)).statusCode, 200);
    const cookie = cookieValue(await login(t.app, u.email));
    assert.ok(cookie);
    assert.equal((await login(t.app, u.email, WRONG_PASSWORD)).statusCode, 401);
    // RATE_LIMIT_LOGIN_ID 3/60: the fourth try on this login is refused
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 429, 'rate_limited');
    // refresh reuse: a rotated token presented after the grace window
    assert.equal((await refresh(t.app, { refresh_token: u.refreshToken })).statusCode, 200);
    clock.advance(10_001);
    expectProblem(await refresh(t.app, { refresh_token: u.refreshToken }), 401, 'refresh_token_reused');

    const res = await scrape();
    const samples = parseScrape(res.body);
    assert.equal(sampleValue(samples, 'gatehouse_sign_ins_total', { method: 'password', outcome: 'success' }), 2);
    assert.equal(sampleValue(samples, 'gatehouse_sign_ins_total', { method: 'password', outcome: 'failure', reason: 'wrong_password' }), 1);
    assert.equal(sampleValue(samples, 'gatehouse_rate_limited_total', { limit: 'login-id' }), 1);
    assert.equal(sampleValue(samples, 'gatehouse_refresh_reuse_detected_total'), 1);

    const depth = await t.services.mail.depth();
    assert.ok(depth.pending >= 1, 'the verification mail is queued');
    assert.equal(sampleValue(samples, 'gatehouse_mail_outbox_pending'), depth.pending);
    assert.equal(sampleValue(samples, 'gatehouse_mail_outbox_dead'), 0);
    // register + 2 sign-ins = 3 sessions, the reused one revoked
    assert.equal(sampleValue(samples, 'gatehouse_sessions_active'), 2);
    assert.ok((sampleValue(samples, 'gatehouse_db_pool_total') ?? 0) >= 1);
    assert.notEqual(sampleValue(samples, 'gatehouse_db_pool_idle'), undefined);
    assert.notEqual(sampleValue(samples, 'gatehouse_db_pool_waiting'), undefined);
    assert.equal(sampleValue(samples, 'gatehouse_hash_queue_length'), 0);

    // the request histogram saw the sign-ins, labelled by route and status
    assert.ok((sampleValue(samples, 'gatehouse_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/auth/login', status: '200' }) ?? 0) >= 2);
    assert.equal(sampleValue(samples, 'gatehouse_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/auth/login', status: '429' }), 1);

    // nothing secret: no token, cookie, password or address
    for (const secret of [METRICS_TOKEN, u.accessToken, u.refreshToken, cookie, u.password, WRONG_PASSWORD, u.email, u.id]) {
      assert.ok(!res.body.includes(secret), `the scrape contains ${secret.slice(0, 12)}…`);
    }
  });

  it('counts the live sessions with one query at most once a second', async () => {
    const before = sampleValue(parseScrape((await scrape()).body), 'gatehouse_sessions_active')!;
    await register(t.app);
    assert.equal(sampleValue(parseScrape((await scrape()).body), 'gatehouse_sessions_active'), before, 'cached within the second');
    clock.advance(1001);
    assert.equal(sampleValue(parseScrape((await scrape()).body), 'gatehouse_sessions_active'), before + 1);
  });

  it('labels requests by route template; ids and unknown paths add no label values', async () => {
    const u = await register(t.app);
    for (let i = 0; i < 3; i++) {
      expectProblem(await t.app.inject({ method: 'GET', url: `/api/v1/products/${randomUUID()}`, headers: bearer(u.accessToken) }), 404, 'not_found');
    }
    const unknown = [`/nope/${randomUUID()}`, `/api/v1/${randomUUID()}`, `/${randomUUID()}?x=1`];
    for (const url of unknown) assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 404);

    const res = await scrape();
    const samples = parseScrape(res.body).filter((s) => s.name === 'gatehouse_http_request_duration_seconds_count');
    assert.equal(sampleValue(samples, 'gatehouse_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/products/:id', status: '404' }), 3);
    assert.ok((sampleValue(samples, 'gatehouse_http_request_duration_seconds_count', { method: 'GET', route: '(unmatched)', status: '404' }) ?? 0) >= 3);
    const histogram = parseScrape(res.body);
    const productLabels = { method: 'GET', route: '/api/v1/products/:id', status: '404' };
    assert.equal(sampleValue(histogram, 'gatehouse_http_request_duration_seconds_bucket', { ...productLabels, le: '+Inf' }), 3, 'the +Inf bucket holds every observation');
    assert.ok(sampleValue(histogram, 'gatehouse_http_request_duration_seconds_bucket', { ...productLabels, le: '0.001' })! <= sampleValue(histogram, 'gatehouse_http_request_duration_seconds_bucket', { ...productLabels, le: '5' })!, 'buckets are cumulative');
    assert.ok(sampleValue(histogram, 'gatehouse_http_request_duration_seconds_sum', productLabels)! > 0);
    for (const s of samples) {
      assert.doesNotMatch(s.labels.route!, /[0-9a-f]{8}-[0-9a-f]{4}-/, `a raw URL became a label: ${s.labels.route}`);
      assert.doesNotMatch(s.labels.route!, /\?/);
    }

    // more unknown paths: the set of label values does not grow
    const routes = () => t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) }).then((r) => new Set(parseScrape(r.body).filter((s) => s.name === 'gatehouse_http_request_duration_seconds_count').map((s) => `${s.labels.method} ${s.labels.route} ${s.labels.status}`)));
    const known = await routes();
    for (let i = 0; i < 5; i++) await t.app.inject({ method: 'GET', url: `/some/${randomUUID()}` });
    assert.deepEqual(await routes(), known);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('is open (the proxy keeps it private), and counts failures of other methods by their method', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^# TYPE gatehouse_sign_ins_total counter/m);
    // an unknown login is a failure of the password method, with its reason
    assert.equal((await login(t.app, 'nobody@example.com', WRONG_PASSWORD)).statusCode, 401);
    const samples = parseScrape((await t.app.inject({ method: 'GET', url: '/metrics' })).body);
    assert.equal(sampleValue(samples, 'gatehouse_sign_ins_total', { method: 'password', outcome: 'failure', reason: 'unknown_login' }), 1);
    assert.ok(!(await t.app.inject({ method: 'GET', url: '/metrics' })).body.includes('nobody@example.com'));
  });
});
