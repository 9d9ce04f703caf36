/**
 * Emergency key revocation (#16, docs/operations.md): `gatehouse keys revoke <kid>` takes a signing key out
 * of JWKS at once and its tokens are refused — on every instance within a second; the active key
 * is replaced first, so signing never stops. On PostgreSQL + Redis the real CLI revokes a key that
 * two running instances use.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { buildTestContext, redisUrl, type TestContext } from '../helpers/build-test-app.js';
import { eventually, expectProblem, me, register, signIn } from '../helpers/factories.js';
import { assertBuilt, CLI } from '../helpers/entry-points.js';

const jwksOf = async (app: FastifyInstance) => ((await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet).keys.map((k) => k.kid);

assertBuilt();

describe('keys revoke', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('the active key: a new one signs first, the old one leaves JWKS and its tokens are refused', async () => {
    const u = await register(t.app);
    const kid = decodeProtectedHeader(u.accessToken).kid!;
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200, 'verified (and cached) before');
    const { found, rotatedTo } = await t.services.keys.revoke(kid);
    assert.equal(found, true);
    assert.ok(rotatedTo && rotatedTo !== kid);
    assert.deepEqual(await jwksOf(t.app), [rotatedTo]);
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    const again = await signIn(t.app, u.email);
    assert.equal(decodeProtectedHeader(again.access_token).kid, rotatedTo);
    assert.equal((await me(t.app, again.access_token)).statusCode, 200);
  });

  it('a retired key: no rotation, it simply goes; an unknown kid is reported as such', async () => {
    const u = await register(t.app);
    const oldKid = decodeProtectedHeader(u.accessToken).kid!;
    const newKid = await t.services.keys.rotate();
    assert.deepEqual((await jwksOf(t.app)).sort(), [oldKid, newKid].sort());
    assert.deepEqual(await t.services.keys.revoke(oldKid), { found: true, rotatedTo: null });
    assert.deepEqual(await jwksOf(t.app), [newKid]);
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    assert.deepEqual(await t.services.keys.revoke('no-such-kid'), { found: false, rotatedTo: null });
  });
});

describe('keys revoke across instances (the CLI)', { skip: redisUrl ? false : 'needs TEST_DATABASE_URL and TEST_REDIS_URL' }, () => {
  let t: TestContext;
  let b: FastifyInstance;
  before(async () => {
    t = await buildTestContext();
    b = await t.startInstance();
  });
  after(async () => {
    await t.close();
  });

  it('every instance refuses the key within a second of `gatehouse keys revoke`', async () => {
    const u = await register(t.app);
    const kid = decodeProtectedHeader(u.accessToken).kid!;
    for (const app of [t.app, b]) assert.equal((await me(app, u.accessToken)).statusCode, 200);
    const root = new URL('../../', import.meta.url).pathname;
    const cli = spawnSync(process.execPath, [CLI, 'keys', 'revoke', kid], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: t.db.url!, REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: t.redisKeyPrefix, SECRETS_KEY: t.secretsKey, DATA_DIR: t.dataDir },
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`Signing key ${kid} revoked`));
    for (const app of [t.app, b]) {
      await eventually(async () => (await me(app, u.accessToken)).statusCode === 401, 'the revoked key refused', 1000);
      assert.ok(!(await jwksOf(app)).includes(kid));
    }
  });
});
