/**
 * Redeeming an authorization code at the token endpoint (#27): what it costs in database
 * statements, and the rules that must hold however few they are — a code buys tokens at most
 * once, even when two redemptions of it arrive at the same moment (on one instance or on two:
 * the loser gets invalid_grant and, as for any replay, the grant's tokens are revoked); a failed
 * redemption (wrong code_verifier) does not use the code up, one that fails after the library
 * used it up (invalid_target) does; a code bound to the provider's
 * browser session is refused once that session ended (RP-initiated logout).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import type { FastifyInstance } from 'fastify';
import { buildTestContext, redisUrl, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { api } from '../admin/admin-helpers.js';
import { authorization, browse, configFor, consentAction, local, REDIRECT } from './oidc-helpers.js';

/** the budget: what one redemption costs today (the client and the account come from their caches) */
const BUDGET = {
  /** read the code with its grant and provider session; use the code up and store the access token */
  code: 2,
  /** the same, and the refresh token stored (an offline_access code is not bound to the session) */
  offline: 3,
};

type Client = { client_id: string; client_secret: string };

/** a signed-in browser that has consented to `client` for `scope`, and a way to get codes through it */
async function consentedBrowser(app: FastifyInstance, client: Client, user: TestUser, scope: string) {
  const config = await configFor(app, client);
  const browser = new PageClient(app);
  await browser.signIn(user.email, user.password);
  // offline_access is granted only through the consent page (prompt=consent)
  const extra: Record<string, string> = scope.split(' ').includes('offline_access') ? { prompt: 'consent' } : {};
  return {
    browser,
    config,
    /** a fresh code and its verifier (consenting when asked) */
    async code(): Promise<{ code: string; verifier: string }> {
      const flow = await authorization(config, scope, extra);
      let step = await browse(browser, await browser.get(local(flow.url.href)!));
      if (!step.left) step = await browse(browser, await browser.post(consentAction(step.res.body), { decision: 'allow' }));
      assert.ok(step.left?.startsWith(`${REDIRECT}?`), step.left ?? textOf(step.res.body).slice(0, 300));
      return { code: new URL(step.left!).searchParams.get('code')!, verifier: flow.verifier };
    },
  };
}

function redeem(app: FastifyInstance, client: Client, code: string, verifier: string) {
  return app.inject({
    method: 'POST',
    url: '/oidc/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
    payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
  });
}

function userinfo(app: FastifyInstance, accessToken: string) {
  return app.inject({ method: 'GET', url: '/oidc/me', headers: { authorization: `Bearer ${accessToken}` } });
}

/** two redemptions of one code at the same moment: exactly one buys tokens, and those are revoked as a replay's */
async function raceOneCode(first: FastifyInstance, second: FastifyInstance, client: Client, code: { code: string; verifier: string }) {
  const answers = await Promise.all([redeem(first, client, code.code, code.verifier), redeem(second, client, code.code, code.verifier)]);
  const won = answers.filter((a) => a.statusCode === 200);
  const lost = answers.filter((a) => a.statusCode !== 200);
  assert.equal(won.length, 1, answers.map((a) => `${a.statusCode} ${a.body}`).join('\n'));
  assert.equal(lost[0]!.statusCode, 400, lost[0]!.body);
  assert.equal(lost[0]!.json().error, 'invalid_grant');
  const accessToken = won[0]!.json().access_token as string;
  assert.ok(accessToken);
  assert.equal((await userinfo(first, accessToken)).statusCode, 401, 'the replay revoked the access token the code bought');
}

describe('OIDC code redemption', () => {
  let t: TestContext;
  let admin: TestUser;
  let web: Client;
  const statements: string[] = [];

  before(async () => {
    // a clock that stands still: the client and account caches keep what they hold for a second,
    // and on a loaded machine more than that can pass between the warming redemption and the counted one
    t = await buildTestContext({ clock: new FakeClock() });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    web = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Redeemer', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'] })).json();
  });
  after(async () => {
    await t.close();
  });

  /** the statements `work` runs (the signing keys' once-a-second reload is no part of a request) */
  async function count<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    statements.length = 0;
    t.services.database.observe((sql) => {
      if (!/from "signing_keys"/.test(sql)) statements.push(sql);
    });
    try {
      const result = await work();
      return { result, statements: [...statements] };
    } finally {
      t.services.database.observe(null);
    }
  }

  it(`a redemption: at most ${BUDGET.code} statements; with offline_access at most ${BUDGET.offline}`, async (ctx) => {
    const user = await userWithRoles(t.app, ['user'], 'oidc-redeem-count');
    const online = await consentedBrowser(t.app, web, user, 'openid email');
    // a first redemption warms the client and account caches, as a busy server has them
    const warm = await online.code();
    assert.equal((await redeem(t.app, web, warm.code, warm.verifier)).statusCode, 200);
    const { code, verifier } = await online.code();
    const measured = await count(() => redeem(t.app, web, code, verifier));
    assert.equal(measured.result.statusCode, 200, measured.result.body);
    assert.ok(measured.result.json().id_token);
    ctx.diagnostic(`statements: ${measured.statements.length}\n${measured.statements.join('\n')}`);
    assert.ok(measured.statements.length <= BUDGET.code, `${measured.statements.length} statements:\n${measured.statements.join('\n')}`);
    assert.equal((await userinfo(t.app, measured.result.json().access_token as string)).statusCode, 200, 'the access token was stored');

    const offline = await consentedBrowser(t.app, web, await userWithRoles(t.app, ['user'], 'oidc-redeem-offline'), 'openid offline_access');
    const o = await offline.code();
    const measuredOffline = await count(() => redeem(t.app, web, o.code, o.verifier));
    assert.equal(measuredOffline.result.statusCode, 200, measuredOffline.result.body);
    ctx.diagnostic(`offline_access statements: ${measuredOffline.statements.length}\n${measuredOffline.statements.join('\n')}`);
    assert.ok(measuredOffline.statements.length <= BUDGET.offline, `${measuredOffline.statements.length} statements:\n${measuredOffline.statements.join('\n')}`);
    const refreshed = await oidc.refreshTokenGrant(offline.config, measuredOffline.result.json().refresh_token as string);
    assert.ok(refreshed.access_token, 'the refresh token was stored');
  });

  it('a code redeemed a second time: invalid_grant, and what the first redemption bought is revoked', async () => {
    const user = await userWithRoles(t.app, ['user'], 'oidc-redeem-replay');
    const b = await consentedBrowser(t.app, web, user, 'openid');
    const { code, verifier } = await b.code();
    const first = await redeem(t.app, web, code, verifier);
    assert.equal(first.statusCode, 200, first.body);
    const again = await redeem(t.app, web, code, verifier);
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().error, 'invalid_grant');
    assert.equal((await userinfo(t.app, first.json().access_token as string)).statusCode, 401);
  });

  it('two redemptions of one code at the same moment: one gets tokens, the other invalid_grant, and the tokens are revoked', async () => {
    const user = await userWithRoles(t.app, ['user'], 'oidc-redeem-race');
    const b = await consentedBrowser(t.app, web, user, 'openid');
    for (let i = 0; i < 3; i++) await raceOneCode(t.app, t.app, web, await b.code());
  });

  it('a wrong code_verifier does not use the code up: the right one still redeems it', async () => {
    const user = await userWithRoles(t.app, ['user'], 'oidc-redeem-pkce');
    const b = await consentedBrowser(t.app, web, user, 'openid');
    const { code, verifier } = await b.code();
    const wrong = await redeem(t.app, web, code, oidc.randomPKCECodeVerifier());
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().error, 'invalid_grant');
    const right = await redeem(t.app, web, code, verifier);
    assert.equal(right.statusCode, 200, right.body);
    assert.equal((await userinfo(t.app, right.json().access_token as string)).statusCode, 200);
  });

  it('a redemption that fails after the library used the code up (a resource it was not granted for) leaves the code used up', async () => {
    const user = await userWithRoles(t.app, ['user'], 'oidc-redeem-target');
    const b = await consentedBrowser(t.app, web, user, 'openid');
    const { code, verifier } = await b.code();
    const refused = await t.app.inject({
      method: 'POST',
      url: '/oidc/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${web.client_id}:${web.client_secret}`).toString('base64')}` },
      payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, resource: 'https://api.example.com/' }).toString(),
    });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.equal(refused.json().error, 'invalid_target');
    const again = await redeem(t.app, web, code, verifier);
    assert.equal(again.statusCode, 400, again.body);
    assert.equal(again.json().error, 'invalid_grant');
  });

  it("a code bound to the provider's browser session is refused once that session ended (RP-initiated logout)", async () => {
    const user = await userWithRoles(t.app, ['user'], 'oidc-redeem-logout');
    const b = await consentedBrowser(t.app, web, user, 'openid');
    const { code, verifier } = await b.code();
    const question = await b.browser.get(`/oidc/session/end?client_id=${encodeURIComponent(web.client_id)}`);
    assert.equal(question.statusCode, 200, question.body.slice(0, 300));
    const action = /<form[^>]*action="([^"]+)"/.exec(question.body)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(question.body)![1]!;
    const confirmed = await b.browser.post(local(action)!, { xsrf, logout: 'yes', _csrf: null });
    assert.ok(confirmed.statusCode < 400, `${confirmed.statusCode} ${confirmed.body.slice(0, 300)}`);
    const answer = await redeem(t.app, web, code, verifier);
    assert.equal(answer.statusCode, 400, answer.body);
    assert.equal(answer.json().error, 'invalid_grant');
  });
});

describe('OIDC code redemption across instances', { skip: !(process.env.TEST_DATABASE_URL && redisUrl) && 'needs TEST_DATABASE_URL and TEST_REDIS_URL' }, () => {
  let t: TestContext;
  let second: FastifyInstance;
  before(async () => {
    t = await buildTestContext();
    second = await t.startInstance();
  });
  after(async () => {
    await t.close();
  });

  it('two instances redeeming one code at the same moment: one gets tokens, the other invalid_grant, and the tokens are revoked', async () => {
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    const client: Client = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Raced', redirect_uris: [REDIRECT] })).json();
    const b = await consentedBrowser(t.app, client, await userWithRoles(t.app, ['user'], 'oidc-race-multi'), 'openid');
    for (let i = 0; i < 5; i++) await raceOneCode(t.app, second, client, await b.code());
  });
});
