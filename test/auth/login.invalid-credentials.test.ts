/**
 * No account enumeration through sign-in (docs/api.md): an unknown identifier, a wrong password and a
 * password-less (OAuth-only) account all answer 401 invalid_credentials with the same body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, login, PASSWORD, register, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';

describe('POST /auth/login: invalid credentials', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('unknown user, wrong password and password-less account: 401 invalid_credentials, identical bodies, no cookie', async () => {
    const u = await register(t.app, { username: 'known_user' });
    const passwordless = uniqueEmail('oauth-only');
    const created = await t.services.users.createByAdmin(systemContext, { email: passwordless, password: null });
    assert.equal(created.passwordHash, null);

    const attempts: [string, string, string][] = [
      ['unknown email', uniqueEmail('ghost'), PASSWORD],
      ['unknown username', 'nobody_here', PASSWORD],
      ['wrong password by email', u.email, WRONG_PASSWORD],
      ['wrong password by username', 'known_user', WRONG_PASSWORD],
      ['password-less account', passwordless, PASSWORD],
      ['password-less account, empty-ish password', passwordless, ' '],
    ];
    const bodies = new Set<string>();
    for (const [label, id, pw] of attempts) {
      const res = await login(t.app, id, pw);
      expectProblem(res, 401, 'invalid_credentials');
      assert.equal(res.cookies.length, 0, `${label}: no cookie`);
      assert.equal(res.headers['www-authenticate'], undefined, `${label}: not a bearer challenge`);
      bodies.add(res.body);
    }
    assert.equal(bodies.size, 1, `indistinguishable bodies: ${[...bodies].join(' | ')}`);
  });

  it('records login.failed with no user for an unknown identifier and with the user for a wrong password', async () => {
    const u = await register(t.app);
    await login(t.app, u.email, WRONG_PASSWORD);
    const events = await t.services.audit.list({ userId: u.id, type: 'login.failed' }, { limit: 5, cursor: null }).then((p) => p.items);
    assert.equal(events.length, 1);
  });
});
