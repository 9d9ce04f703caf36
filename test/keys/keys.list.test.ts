/**
 * `keys list` (KeyService.list): every key with its state — active, published (retired, still in
 * JWKS until its tokens expire), retired (out of JWKS), revoked — newest first; rotations and
 * revocations are audited as key.rotated / key.revoked with { kid } and no actor.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';

describe('keys list and the audit of rotations', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock });
  });
  after(async () => {
    await t.close();
  });

  const states = async () => (await t.services.keys.list()).map((k) => [k.kid, k.state]);

  it('states follow rotation, the publication window and revocation; both changes are audited', async () => {
    const [first] = await t.services.keys.list();
    assert.equal(first?.state, 'active');
    clock.advance(1000);
    const second = await t.services.keys.rotate();
    assert.deepEqual(await states(), [[second, 'active'], [first.kid, 'published']]);
    clock.advance((t.config.accessTokenTtl + 121) * 1000);
    assert.deepEqual(await states(), [[second, 'active'], [first.kid, 'retired']], 'out of JWKS once its tokens have expired');
    assert.deepEqual(await t.services.keys.revoke(first.kid), { found: true, rotatedTo: null });
    assert.deepEqual(await states(), [[second, 'active'], [first.kid, 'revoked']]);

    const events = async (type: 'key.rotated' | 'key.revoked') => (await t.services.audit.list({ userId: null, type }, { limit: 10, cursor: null })).items;
    assert.deepEqual((await events('key.rotated')).map((e) => [e.data, e.actorId, e.userId]), [[{ kid: second }, null, null]]);
    assert.deepEqual((await events('key.revoked')).map((e) => [e.data, e.actorId]), [[{ kid: first.kid }, null]]);
    assert.equal((await t.services.audit.verify()).ok, true);
  });
});
