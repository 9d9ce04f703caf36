/**
 * The CLI commands as a user runs them (docs/operations.md), against the data of a server that ran before:
 * migrate, create-admin (password from stdin only), keys rotate (the old key stays published and
 * its tokens keep verifying), audit verify on the chain the server wrote.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD } from '../helpers/factories.js';
import { createInstallation, post, type Installation } from '../helpers/installation.js';

describe('gatehouse CLI commands', () => {
  let inst: Installation;
  let oldToken: string;
  before(async () => {
    inst = await createInstallation();
    const server = await inst.startServer();
    assert.equal((await post(server.base, '/api/v1/auth/register', { email: 'keeper@example.com', password: PASSWORD })).status, 201);
    oldToken = ((await (await post(server.base, '/api/v1/auth/login', { login: 'keeper@example.com', password: PASSWORD })).json()) as { access_token: string }).access_token;
    assert.equal(await server.stop(), 0);
  });
  after(async () => {
    await inst.remove();
  });

  it('migrate reports an up-to-date database', () => {
    const r = inst.cli(['migrate']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /up to date|Applied/);
  });

  it('create-admin reads the password from stdin, refuses weak passwords and argv passwords', () => {
    const ok = inst.cli(['create-admin', '--email', 'Second.Admin@example.com', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /second\.admin@example\.com created/);
    const weak = inst.cli(['create-admin', '--email', 'weak@example.com', '--password-stdin'], 'password1\n');
    assert.equal(weak.status, 1);
    assert.match(weak.stderr, /weak_password/);
    const dup = inst.cli(['create-admin', '--email', 'second.admin@example.com', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(dup.status, 1);
    const argv = inst.cli(['create-admin', '--email', 'x@example.com', '--password', PASSWORD]);
    assert.notEqual(argv.status, 0, 'a password on the command line is refused');
  });

  it('keys rotate adds a key while the old one stays published; tokens of both verify', async () => {
    const r = inst.cli(['keys', 'rotate']);
    assert.equal(r.status, 0, r.stderr);
    const newKid = /New signing key (\S+)/.exec(r.stdout)?.[1];
    assert.ok(newKid);

    const server = await inst.startServer();
    try {
      const jwks = (await (await fetch(`${server.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      assert.equal(jwks.keys.length, 2);
      assert.ok(jwks.keys.some((k) => k.kid === newKid));
      const me = await fetch(`${server.base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${oldToken}` } });
      assert.equal(me.status, 200, 'a token signed by the retired key still verifies');
      const fresh = (await (await post(server.base, '/api/v1/auth/login', { login: 'keeper@example.com', password: PASSWORD })).json()) as { access_token: string };
      const header = JSON.parse(Buffer.from(fresh.access_token.split('.')[0]!, 'base64url').toString()) as { kid: string };
      assert.equal(header.kid, newKid);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('audit verify passes on the chain the server and the commands wrote', () => {
    const r = inst.cli(['audit', 'verify']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Audit chain intact: \d+ events/);
  });
});
