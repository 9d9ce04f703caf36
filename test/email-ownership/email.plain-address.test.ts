/**
 * Guards that an email is one plain address everywhere one enters (docs/security.md "Inputs that decide
 * who receives mail"): list, group, display-name, quoted, spaced and bracketed forms are 400
 * validation_error naming the field (register, reset request and confirmation, email change,
 * admin create, users import, create-admin), a social sign-in never stores one, and the SMTP
 * transport hands nodemailer one address it cannot read as a list; an address is NFC-normalised,
 * so `josé` spelled precomposed or with a combining accent is one account (409 email_taken).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { spawnSync } from 'node:child_process';
import { CLI } from '../helpers/entry-points.js';
import { smtpTransport } from '../../src/mail/mail-transport.js';
import { bearer, expectProblem, login, PASSWORD, register, sleep, uniqueEmail, userWithRoles } from '../helpers/factories.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { OffsetClock, oidcEnv, runFlow, startOidcPeer, type OidcPeer } from '../social/social-helpers.js';
import { withMail } from './email-helpers.js';

const HOSTILE = [
  'x@evil.example,corp.example',
  'x@evil.example, y@corp.example',
  'x@evil.example;y@corp.example',
  'Eve <x@evil.example>',
  '<x@evil.example>',
  '"x@evil.example"@corp.example',
  'x y@corp.example',
  'team: x@evil.example;',
  'x(comment)@corp.example',
  'x@[10.0.0.1]',
];

describe('an email is one plain address', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  let peer: OidcPeer;
  before(async () => {
    peer = await startOidcPeer();
    env = await withMail({ clock: new OffsetClock(), env: { RATE_LIMIT_RESET_IP: 'off', RATE_LIMIT_RESET_ID: 'off', ...oidcEnv('acme', peer) } });
  });
  after(async () => {
    await env.close();
    await peer.stop();
  });

  const app = () => env.t.app;
  const naming = (res: LightMyRequestResponse, field: string) => {
    const body = expectProblem(res, 400, 'validation_error');
    assert.ok(body.errors?.some((e) => e.field === field), JSON.stringify(body));
  };

  for (const hostile of HOSTILE) {
    it(`refuses ${JSON.stringify(hostile)} wherever an email enters`, async () => {
      naming(await app().inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: hostile, password: PASSWORD } }), 'email');
      naming(await app().inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: hostile } }), 'email');
      naming(await app().inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email: hostile, code: '12345678', new_password: PASSWORD } }), 'email');
      const u = await register(app());
      naming(await app().inject({ method: 'POST', url: '/api/v1/auth/email/change', headers: bearer(u.accessToken), payload: { new_email: hostile, password: PASSWORD } }), 'new_email');
      const admin = await userWithRoles(app(), ['admin'], 'admin');
      naming(await app().inject({ method: 'POST', url: '/api/v1/admin/users', headers: bearer(admin.accessToken), payload: { email: hostile, password: PASSWORD } }), 'email');
      const imported = await env.t.services.userImport.check(1, { email: hostile });
      assert.equal('reason' in imported ? imported.reason : null, 'email: must be a valid email address');
      assert.equal(await env.t.services.users.findByLogin(hostile.toLowerCase()), null, 'nothing stored');
    });
  }

  it('create-admin refuses it before asking for a password', () => {
    // no database is touched: the address is refused first (stdin is not a terminal, so a prompt would fail too, with another message)
    const r = spawnSync(process.execPath, [CLI, 'create-admin', '--email', HOSTILE[0]!], { env: { ...process.env, DATA_DIR: env.t.dataDir, DATABASE_URL: '', REDIS_URL: '' }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--email must be one plain email address/);
  });

  it('a social sign-in whose profile email is a list stores no address', async () => {
    const subject = `list-${randomBytes(4).toString('hex')}`;
    peer.claims = { sub: subject, email: 'x@evil.example,corp.example', email_verified: true };
    const flow = await runFlow(app(), 'acme');
    assert.equal(flow.callback!.statusCode, 302, flow.callback!.body);
    assert.equal(await env.t.services.users.findByLogin('x@evil.example,corp.example'), null);
  });

  it('josé precomposed and with a combining accent is one account: 409 email_taken; either spelling signs in', async () => {
    const tag = randomBytes(4).toString('hex');
    const precomposed = `jos\u00e9-${tag}@example.com`;
    const combining = `jose\u0301-${tag}@example.com`;
    assert.notEqual(precomposed, combining);
    const u = await register(app(), { email: combining });
    assert.equal(u.email, precomposed, 'stored NFC');
    expectProblem(await app().inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: precomposed, password: PASSWORD } }), 409, 'email_taken');
    assert.equal((await login(app(), precomposed)).statusCode, 200);
    assert.equal((await login(app(), combining.toUpperCase())).statusCode, 200);
  });
});

describe('the SMTP transport', () => {
  let sink: SmtpSink;
  before(async () => {
    sink = await SmtpSink.start();
  });
  after(() => sink.down());

  it('hands nodemailer one address: a list-shaped recipient is refused, nothing reaches its first address', async () => {
    const transport = smtpTransport(sink.url);
    try {
      const plain = uniqueEmail('plain');
      await transport.send({ messageId: '<plain@gatehouse>', from: 'Gatehouse <no-reply@localhost>', to: plain, subject: 'plain', text: 'hello', html: '<p>hello</p>' });
      await sink.waitFor(plain, /plain/);
      await assert.rejects(transport.send({ messageId: '<list@gatehouse>', from: 'Gatehouse <no-reply@localhost>', to: 'x@evil.example,corp.example', subject: 'list', text: 'code 12345678', html: '<p>code</p>' }));
      await sleep(100);
      assert.equal(sink.to('x@evil.example').length, 0);
    } finally {
      transport.close();
    }
  });
});
