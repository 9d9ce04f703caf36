/**
 * Guards /setup, the first admin through the one-time link a start logs while no admin exists:
 * only that link's token opens it (else the 404 page); the form (`_csrf`, `email`, `password`)
 * applies the account rules with the errors on the form and their status; success creates an
 * admin (audited user.created) and signs the browser in (303); then /setup is 404, for the right
 * token too, on every later try.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { PASSWORD, register, uniqueEmail } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';

describe('pages: /setup creates the first admin', () => {
  let t: TestContext;
  let log = '';
  let token: string;
  before(async () => {
    const stream = new Writable({ write(chunk, _enc, cb) { log += chunk.toString(); cb(); } });
    t = await buildTestContext({ log: { level: 'warn', stream } });
    token = /\/setup\?token=([A-Za-z0-9_-]{43})/.exec(log)?.[1] ?? '';
    assert.ok(token, `the start logged a setup link: ${log}`);
  });
  after(() => t.close());

  const admins = async () => (await t.services.users.list({ q: null, role: 'admin' }, { limit: 10, cursor: null })).items;

  it('without the token, or with another one, /setup is the 404 page', async () => {
    const client = new PageClient(t.app);
    for (const url of ['/setup', '/setup?token=', `/setup?token=${randomBytes(32).toString('base64url')}`, `/setup?token=${token}x`]) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.doesNotMatch(res.body, /name="password"/);
    }
    // a form post with a valid CSRF token but not the link's token
    await client.get('/login');
    const posted = await client.post('/setup', { token: randomBytes(32).toString('base64url'), email: uniqueEmail('root'), password: PASSWORD });
    assert.equal(posted.statusCode, 404);
    assert.deepEqual(await admins(), []);
  });

  it('the form: CSRF required, the strength rules and the account rules answer on the form with their status', async () => {
    const client = new PageClient(t.app);
    const form = await client.get(`/setup?token=${token}`);
    assert.equal(form.statusCode, 200);
    assert.equal(form.headers['cache-control'], 'no-store');
    for (const name of ['_csrf', 'token', 'email', 'password']) assert.match(form.body, new RegExp(`name="${name}"`), name);
    assert.match(form.body, /<form method="post" action="\/setup"/);

    const email = uniqueEmail('root');
    assert.equal((await client.post('/setup', { _csrf: null, token, email, password: PASSWORD })).statusCode, 403, 'no CSRF token');

    const weak = await client.post('/setup', { token, email, password: 'password1' });
    assert.equal(weak.statusCode, 422);
    assert.match(String(weak.headers['content-type']), /^text\/html/);
    assert.ok(weak.body.includes(`value="${email}"`), 'the typed email is kept');
    assert.match(weak.body, /id="f-password" name="password"[^>]*aria-invalid="true"/, 'the error is on the password field');

    const malformed = await client.post('/setup', { token, email: 'not-an-email', password: PASSWORD });
    assert.equal(malformed.statusCode, 400);
    assert.match(textOf(malformed.body), /valid email address/);

    const empty = await client.post('/setup', { token, email: '', password: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(textOf(empty.body), /is required/);

    const taken = await register(t.app);
    const clash = await client.post('/setup', { token, email: taken.email, password: PASSWORD });
    assert.equal(clash.statusCode, 409);
    assert.match(textOf(clash.body), /already exists/);
    assert.deepEqual((await t.services.users.get(taken.id)).roles, ['user'], 'an existing account is not promoted');
    assert.deepEqual(await admins(), []);
  });

  it('in German (gh_lang=de): the form and its refusal; no English word left', async () => {
    const client = new PageClient(t.app);
    client.cookies.set('gh_lang', { value: 'de', path: '/' });
    const form = await client.get(`/setup?token=${token}`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<html lang="de">/);
    assert.deepEqual(englishWordsIn(readableText(form.body)), []);
    const email = uniqueEmail('root');
    const weak = await client.post('/setup', { token, email, password: 'password1' });
    assert.equal(weak.statusCode, 422);
    assert.match(weak.body, /<html lang="de">/);
    assert.deepEqual(englishWordsIn(readableText(weak.body), [email]), []);
    assert.deepEqual(await admins(), []);
  });

  it('a valid form creates the admin, audited, signs the browser in; then /setup is 404 for good', async () => {
    const client = new PageClient(t.app);
    await client.get(`/setup?token=${token}`);
    const email = uniqueEmail('root');
    const done = await client.post('/setup', { token, email, password: PASSWORD });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/admin');
    assert.ok(client.cookies.has('gatehouse_session'), 'signed in');
    const console = await client.get('/admin');
    assert.equal(console.statusCode, 200, 'the admin console opens');

    const [admin, ...others] = await admins();
    assert.equal(admin?.email, email);
    assert.equal(others.length, 0);
    assert.equal(admin.emailVerified, true);
    const events = (await t.services.audit.list({ userId: admin.id, type: 'user.created' }, { limit: 5, cursor: null })).items;
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.data.roles, ['admin']);

    // gone: the right token, a second try, another browser
    assert.equal((await client.get(`/setup?token=${token}`)).statusCode, 404);
    assert.equal((await client.post('/setup', { token, email: uniqueEmail('again'), password: PASSWORD })).statusCode, 404);
    const other = new PageClient(t.app);
    await other.get('/login');
    assert.equal((await other.get(`/setup?token=${token}`)).statusCode, 404);
    assert.equal((await other.post('/setup', { token, email: uniqueEmail('again'), password: PASSWORD })).statusCode, 404);
    assert.equal((await admins()).length, 1);
  });
});
