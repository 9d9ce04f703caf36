/**
 * `npm start` as a user runs it (docs/operations.md): the compiled server as a process on a fresh
 * DATA_DIR (embedded PGlite) or a fresh PostgreSQL database, the first-start admin, data and keys
 * surviving a restart, graceful shutdown, and refused starts that say why.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PASSWORD } from '../helpers/factories.js';
import { createInstallation, post, type Installation } from '../helpers/installation.js';

describe('gatehouse serve', () => {
  let inst: Installation;
  before(async () => {
    inst = await createInstallation({ fresh: true }); // a user's first start: the server creates the database
  });
  after(async () => {
    await inst.remove();
  });

  it('starts, creates the ADMIN_EMAIL admin before ready, keeps data across a restart, stops gracefully', async () => {
    const adminEnv = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: PASSWORD };
    const first = await inst.startServer(adminEnv);
    const adminLogin = await post(first.base, '/api/v1/auth/login', { login: 'root@example.com', password: PASSWORD });
    assert.equal(adminLogin.status, 200);
    assert.deepEqual(((await adminLogin.json()) as { user: { roles: string[] } }).user.roles, ['admin']);
    const reg = await post(first.base, '/api/v1/auth/register', { email: 'keeper@example.com', password: PASSWORD });
    assert.equal(reg.status, 201);
    const jwks1 = (await (await fetch(`${first.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    assert.equal(await first.stop(), 0);
    assert.doesNotMatch(first.output(), new RegExp(PASSWORD));

    // an active admin exists: ADMIN_PASSWORD is not used, so a weak one does not stop the start
    const second = await inst.startServer({ ...adminEnv, ADMIN_PASSWORD: 'weak' });
    const login = await post(second.base, '/api/v1/auth/login', { login: 'keeper@example.com', password: PASSWORD });
    assert.equal(login.status, 200, 'the account survived the restart');
    const jwks2 = (await (await fetch(`${second.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    assert.deepEqual(jwks2.keys.map((k) => k.kid), jwks1.keys.map((k) => k.kid), 'the signing key survived the restart');
    assert.doesNotMatch(second.output(), /created the first admin/, 'an active admin exists: no second one');
    assert.equal(await second.stop(), 0);
  });

  it('a SECRETS_KEY that does not open the stored signing keys refuses the start and says so', () => {
    const r = inst.runServer({ SECRETS_KEY: randomBytes(32).toString('base64') });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /SECRETS_KEY does not decrypt signing key/);
  });

  it('refuses to start with an invalid configuration, naming every bad key', () => {
    const r = inst.runServer({ PORT: 'eighty', RATE_LIMIT_LOGIN_IP: 'lots' }, 30_000);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /PORT/);
    assert.match(r.stderr, /RATE_LIMIT_LOGIN_IP/);
  });
});
