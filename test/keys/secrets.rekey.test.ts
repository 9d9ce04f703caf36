/**
 * `gatehouse secrets rekey` (changing SECRETS_KEY): with key A, a signing key, an OAuth provider's
 * client secret, a TOTP user and audit events exist. Switched to key B with SECRETS_KEY_PREVIOUS=A,
 * everything still opens (both keys accepted) and the chain verifies; the rekey command re-seals
 * everything and ends the chain's era under A at a sealed boundary (a second run finds nothing).
 * With B alone afterwards: old tokens verify, TOTP sign-in works, the provider secret opens, a
 * session's sealed refresh token opens (a just-rotated token's grace answer), the chain verifies — and a tampered row on either side of the boundary still fails.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../src/app.js';
import { runCommand } from '../../src/commands/commands.js';
import type { CommandIo, Workbench } from '../../src/commands/command-io.js';
import { loadConfig } from '../../src/config/load-config.js';
import { totpCode } from '../../src/mfa/totp.js';
import { systemContext } from '../../src/request-context.js';
import { createServices, type Services } from '../../src/services.js';
import { baseTestEnv, buildTestContext, redisUrl, type TestContext } from '../helpers/build-test-app.js';
import { me, refresh, register, uniqueEmail } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { enableTotp, firstStep, post, type TotpUser } from '../mfa/mfa-helpers.js';

const PROVIDER_SECRET = 'provider-client-secret-kept-across-keys';

describe('secrets rekey: from SECRETS_KEY A to B', () => {
  const clock = new FakeClock();
  const keyB = randomBytes(32).toString('base64');
  let t: TestContext;
  let u: TotpUser;
  let instances: { app: FastifyInstance; services: Services }[] = [];

  /** another instance on the same database with other keys (the database is shared, not closed by it) */
  async function instance(env: Record<string, string>) {
    const config = loadConfig({ ...baseTestEnv, DATA_DIR: t.dataDir, REDIS_KEY_PREFIX: t.redisKeyPrefix, ...(redisUrl ? { REDIS_URL: redisUrl } : {}), ...env });
    const services = await createServices(config, { database: { ...t.services.database, close: async () => {} }, hasher: t.services.hasher, clock });
    const app = await buildHttpApp(services, { logTo: false });
    instances.push({ app, services });
    return { app, services };
  }

  async function rekey(services: Services): Promise<{ code: number; out: string }> {
    let out = '';
    const io: CommandIo = { out: (s) => (out += s), err: (s) => (out += s), stdin: Readable.from([]), terminal: { stdout: false, stderr: false } };
    const wb: Workbench = { services: async () => services, audit: async () => services.audit, migrate: () => services.migrate(), ctx: { actorId: null, ip: null, userAgent: 'gatehouse-cli' } };
    const code = await runCommand(wb, { command: 'secrets rekey' }, io);
    return { code, out };
  }

  async function totpSignIn(app: FastifyInstance) {
    clock.advance(30_000);
    const { mfa_token } = await firstStep(app, u.email);
    const res = await post(app, '/api/v1/auth/login/mfa', null, { mfa_token, code: totpCode(u.secret, clock.now()) });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { access_token: string }).access_token;
  }

  let providerDouble: Server | null = null;
  before(async () => {
    t = await buildTestContext({ clock });
    u = await enableTotp(t.app, await register(t.app, { email: uniqueEmail('rekey') }), clock);
    // an enabled provider must answer when it is saved: a stand-in for GitHub's endpoints on loopback
    providerDouble = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => providerDouble!.listen(0, '127.0.0.1', () => resolve()));
    const base = `http://127.0.0.1:${(providerDouble.address() as AddressInfo).port}`;
    await t.services.oauthProviders.create(systemContext, { id: 'github', clientId: 'gh-client', clientSecret: PROVIDER_SECRET, authorizationUrl: `${base}/authorize`, tokenUrl: `${base}/token`, userinfoUrl: `${base}/user` });
    // an OpenID Connect client's secret and a webhook endpoint's secret are sealed too
    const oidc = await t.services.oidcClients.create(systemContext, { name: 'Billing job', grantTypes: ['client_credentials'] });
    oidcClient = { id: oidc.client.clientId, secret: oidc.clientSecret! };
    const hook = await t.services.webhooks.create(systemContext, { url: 'http://127.0.0.1:9/hook', events: ['*'], description: null, enabled: false });
    webhook = { id: hook.endpoint.id, secret: hook.secret };
  });
  let oidcClient: { id: string; secret: string };
  let webhook: { id: string; secret: string };
  after(async () => {
    for (const i of instances.reverse()) await i.app.close();
    instances = [];
    await t.close();
    providerDouble?.closeAllConnections();
    await new Promise<void>((resolve) => (providerDouble ? providerDouble.close(() => resolve()) : resolve()));
  });

  it('with B and SECRETS_KEY_PREVIOUS=A everything opens; rekey re-seals it, once; with B alone it all still works', async () => {
    const oldToken = (await totpSignIn(t.app));
    assert.equal((await t.services.audit.verify()).ok, true);

    const b = await instance({ SECRETS_KEY: keyB, SECRETS_KEY_PREVIOUS: t.secretsKey });
    // both keys accepted before the rekey: the signing key, the TOTP secret, the provider secret, the chain
    assert.equal((await me(b.app, oldToken)).statusCode, 200, 'a token of the key sealed under A verifies');
    const tokenBeforeRekey = await totpSignIn(b.app);
    assert.equal((await b.services.oauthProviders.resolve('github'))?.clientSecret, PROVIDER_SECRET);
    // a session whose current refresh token is sealed under A, its previous one just rotated: a
    // refresh with the previous one within REFRESH_REUSE_GRACE answers the sealed current one
    const underA = await register(t.app, { email: uniqueEmail('session-under-a') });
    const rotated = await refresh(t.app, { refresh_token: underA.refreshToken });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const currentUnderA = (rotated.json() as { refresh_token: string }).refresh_token;
    const sealedBefore = new Map((await t.services.database.db.selectFrom('sessions').select(['id', 'refresh_token_enc']).execute()).map((r) => [r.id, r.refresh_token_enc]));
    assert.deepEqual((await b.services.audit.verify()).ok, true, 'links under A and (new events) under B verify');

    const first = await rekey(b.services);
    assert.equal(first.code, 0, first.out);
    // every session sealed under A (those opened by B are already under B)
    const sealedAfter = await t.services.database.db.selectFrom('sessions').select(['id', 'refresh_token_enc']).execute();
    const resealed = sealedAfter.filter((r) => sealedBefore.get(r.id) !== r.refresh_token_enc).length;
    assert.ok(resealed >= 3, `sessions re-sealed: ${resealed}`);
    assert.match(first.out, new RegExp(`signing_keys 1, oauth_client_secrets 1, totp_secrets 1, oidc_client_secrets 1, webhook_secrets 1, session_refresh_tokens ${resealed}; audit chain re-keyed`));
    const second = await rekey(b.services);
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /Nothing to re-encrypt/);
    const events = await b.services.audit.list({ userId: null, type: 'secrets.rekeyed' }, { limit: 10, cursor: null });
    assert.equal(events.items.length, 1, 'one secrets.rekeyed event: the second run changed nothing');
    assert.equal(events.items[0]!.actorId, null);
    assert.deepEqual(events.items[0]!.data, { signing_keys: 1, oauth_client_secrets: 1, totp_secrets: 1, oidc_client_secrets: 1, webhook_secrets: 1, session_refresh_tokens: resealed, audit_chain: true });

    // B alone: nothing sealed under A is needed any more
    const c = await instance({ SECRETS_KEY: keyB });
    const grace = await refresh(c.app, { refresh_token: underA.refreshToken });
    assert.equal(grace.statusCode, 200, `the session's sealed refresh token opens under B alone: ${grace.body}`);
    assert.equal((grace.json() as { refresh_token: string }).refresh_token, currentUnderA);
    assert.equal((await me(c.app, oldToken)).statusCode, 200, 'tokens signed before the change verify');
    assert.equal((await me(c.app, tokenBeforeRekey)).statusCode, 200);
    assert.equal((await me(c.app, await totpSignIn(c.app))).statusCode, 200, 'TOTP sign-in works');
    assert.equal((await c.services.oauthProviders.resolve('github'))?.clientSecret, PROVIDER_SECRET);
    assert.equal((await c.services.oidcClients.resolve(oidcClient.id))?.clientSecret, oidcClient.secret);
    assert.deepEqual((await c.services.webhooks.forDelivery(webhook.id))?.secrets, [webhook.secret]);
    const verified = await c.services.audit.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified));
    assert.equal((await rekey(c.services)).code, 0);
  });

  it('after the rekey, a tampered row before or after the boundary fails verification', async () => {
    const c = instances.at(-1)!;
    const db = t.services.database.db;
    const [era] = await db.selectFrom('audit_chain_eras').selectAll().execute();
    assert.ok(era, 'the era under A ended at a boundary');
    const rows = await db.selectFrom('audit_events').selectAll().orderBy('seq', 'asc').execute();
    const older = rows.find((r) => BigInt(r.seq) < BigInt(era.upto_seq))!;
    const newer = rows.find((r) => BigInt(r.seq) > BigInt(era.upto_seq))!;
    for (const row of [older, newer]) {
      await db.updateTable('audit_events').set({ ip: '203.0.113.66' }).where('seq', '=', row.seq).execute();
      const result = await c.services.audit.verify();
      assert.ok(!result.ok, `seq ${row.seq} edited`);
      assert.equal(result.brokenAt.seq, String(row.seq));
      await db.updateTable('audit_events').set({ ip: row.ip }).where('seq', '=', row.seq).execute();
    }
    assert.equal((await c.services.audit.verify()).ok, true, 'restored');
    // the boundary moved one event back: its seal no longer holds
    await db.updateTable('audit_chain_eras').set({ upto_seq: String(BigInt(era.upto_seq) - 1n) }).execute();
    const moved = await c.services.audit.verify();
    assert.ok(!moved.ok);
    assert.match(moved.brokenAt.reason, /seal of a re-keying boundary/);
    await db.updateTable('audit_chain_eras').set({ upto_seq: era.upto_seq }).execute();
    // without the era's keys (the row removed) the events under A no longer verify under B
    await db.deleteFrom('audit_chain_eras').execute();
    assert.ok(!(await c.services.audit.verify()).ok);
    await db.insertInto('audit_chain_eras').values({ upto_seq: era.upto_seq, keys_enc: era.keys_enc, seal: era.seal, seal_previous: era.seal_previous }).execute();
    assert.equal((await c.services.audit.verify()).ok, true);
  });

  it('a second change, B → C: the era under A (sealed under B) is re-sealed under C, and a second boundary ends the era under B', async () => {
    const keyC = randomBytes(32).toString('base64');
    const c = await instance({ SECRETS_KEY: keyC, SECRETS_KEY_PREVIOUS: keyB });
    const token = await totpSignIn(c.app);
    assert.equal((await c.services.audit.verify()).ok, true);
    const rekeyed = await rekey(c.services);
    assert.equal(rekeyed.code, 0, rekeyed.out);
    assert.match(rekeyed.out, /signing_keys 1, oauth_client_secrets 1, totp_secrets 1, oidc_client_secrets 1, webhook_secrets 1, session_refresh_tokens [1-9]\d*; audit chain re-keyed/);
    assert.equal((await t.services.database.db.selectFrom('audit_chain_eras').select('upto_seq').execute()).length, 2);

    const alone = await instance({ SECRETS_KEY: keyC });
    const verified = await alone.services.audit.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified));
    assert.equal((await me(alone.app, token)).statusCode, 200);
    assert.equal((await me(alone.app, await totpSignIn(alone.app))).statusCode, 200);
    assert.equal((await alone.services.oauthProviders.resolve('github'))?.clientSecret, PROVIDER_SECRET);
  });
});
