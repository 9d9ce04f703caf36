/**
 * /dashboard and /account (issue 20 item 3): the profile form (inline 409 for a taken username,
 * markup in a name shown as text), no sample "hello" panel, sessions with browser/OS names and "this
 * device", revoking another session (its API token is refused at once) and this one (signed out);
 * changing the password (wrong current password inline, other sessions ended, this browser kept),
 * the email change's first step, and deleting the account only with the confirmation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, CHROME_MAC_UA, IPHONE_UA, login, OTHER_PASSWORD, userWithRoles, WRONG_PASSWORD, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';

describe('console pages: dashboard and account', () => {
  let t: TestContext;

  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  async function browserOf(user: TestUser, ua = CHROME_MAC_UA): Promise<PageClient> {
    const b = new PageClient(t.app, ua);
    await b.signIn(user.email);
    return b;
  }

  it('saves the profile, shows markup in a name as text, and a taken username next to its field', async () => {
    const taken = await userWithRoles(t.app, ['user'], 'taken');
    await t.services.users.updateProfile({ actorId: taken.id, ip: null, userAgent: null }, taken.id, { username: 'taken_name' });
    const user = await userWithRoles(t.app, ['user'], 'profile');
    const b = await browserOf(user);
    await b.get('/dashboard');
    const saved = await b.post('/dashboard/profile', { name: '<script>alert("x")</script>', username: 'Profile_User', avatar_url: 'https://cdn.example.com/me.png' });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, '/dashboard?notice=profile');
    const page = await b.get('/dashboard?notice=profile');
    assert.match(page.body, /Your profile is saved/);
    assert.doesNotMatch(page.body, /<script>alert/);
    assert.match(page.body, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    const stored = await t.services.users.get(user.id);
    assert.deepEqual([stored.username, stored.avatarUrl], ['profile_user', 'https://cdn.example.com/me.png']);

    const refused = await b.post('/dashboard/profile', { name: 'Someone', username: 'taken_name', avatar_url: '' });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /id="profile-username-error"/);
    assert.match(refused.body, /value="taken_name"/);
    const bad = await b.post('/dashboard/profile', { name: 'Someone', username: 'x', avatar_url: 'javascript:alert(1)' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="profile-avatar_url-error"/);
    assert.equal((await t.services.users.get(user.id)).username, 'profile_user');
  });

  it('shows the sessions (and no sample hello panel), and revokes another session at once', async () => {
    const user = await userWithRoles(t.app, ['user'], 'sessions');
    const b = await browserOf(user);
    const phone = (await login(t.app, user.email, user.password, { 'user-agent': IPHONE_UA })).json();
    const page = await b.get('/dashboard');
    assert.doesNotMatch(page.body, /data-hello|hello world/);
    assert.match(page.body, /Chrome on Mac OS/);
    assert.match(page.body, /Mobile Safari on iOS/);
    assert.equal((page.body.match(/this device/g) ?? []).length, 1);
    const phoneSession = (await t.services.sessions.listLive(user.id)).find((s) => s.userAgent === IPHONE_UA)!;
    const res = await b.post(`/dashboard/sessions/${phoneSession.id}/revoke`);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/dashboard?notice=revoked');
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(phone.access_token) });
    assert.equal(api.statusCode, 401);
    // someone else's session is not found, and stays
    const other = await userWithRoles(t.app, ['user'], 'other');
    const otherSession = (await t.services.sessions.listLive(other.id))[0]!;
    assert.equal((await b.post(`/dashboard/sessions/${otherSession.id}/revoke`)).statusCode, 404);
    assert.equal((await t.services.sessions.listLive(other.id)).length, 1);
  });

  it('signs this browser out when it revokes its own session', async () => {
    const user = await userWithRoles(t.app, ['user'], 'self-revoke');
    const b = await browserOf(user);
    const page = await b.get('/dashboard');
    const current = /data-session="([0-9a-f-]{36})" data-current/.exec(page.body)?.[1];
    assert.ok(current);
    const res = await b.post(`/dashboard/sessions/${current}/revoke`);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/login?notice=signed_out');
    assert.equal(b.cookies.has('gatehouse_session'), false);
    assert.equal((await b.get('/dashboard')).statusCode, 303);
  });

  it('changes the password: a wrong current one inline, then other sessions end and this one goes on', async () => {
    const user = await userWithRoles(t.app, ['user'], 'password');
    const b = await browserOf(user);
    const elsewhere = (await login(t.app, user.email, user.password)).json();
    await b.get('/account');
    const wrong = await b.post('/account/password', { current_password: WRONG_PASSWORD, new_password: OTHER_PASSWORD });
    assert.equal(wrong.statusCode, 403);
    assert.match(wrong.body, /id="pw-current_password-error"/);
    const weak = await b.post('/account/password', { current_password: user.password, new_password: 'password1' });
    assert.equal(weak.statusCode, 422);
    assert.match(weak.body, /id="pw-new_password-error"/);
    const ok = await b.post('/account/password', { current_password: user.password, new_password: OTHER_PASSWORD });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/account?notice=password_changed#password');
    assert.match((await b.follow(ok)).body, /Your password is changed/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(elsewhere.access_token) })).statusCode, 401);
    assert.equal((await b.get('/dashboard')).statusCode, 200, 'this browser continues on the fresh session');
    assert.equal((await login(t.app, user.email, OTHER_PASSWORD)).statusCode, 200);
  });

  it('starts an email change only with the password', async () => {
    const user = await userWithRoles(t.app, ['user'], 'email');
    const b = await browserOf(user);
    await b.get('/account');
    const wrong = await b.post('/account/email', { new_email: 'new-address@example.com', password: WRONG_PASSWORD });
    assert.equal(wrong.statusCode, 403);
    assert.match(wrong.body, /id="em-password-error"/);
    assert.match(wrong.body, /value="new-address@example.com"/);
    const sent = await b.post('/account/email', { new_email: 'new-address@example.com', password: user.password });
    assert.equal(sent.statusCode, 303);
    assert.equal(sent.headers.location, '/account?notice=email_code_sent#email');
    const codeForm = await b.follow(sent);
    assert.match(codeForm.body, /We sent a code to the new address/);
    assert.match(codeForm.body, /action="\/account\/email\/confirm"/);
    const badCode = await b.post('/account/email/confirm', { code: '00000000' });
    assert.equal(badCode.statusCode, 400);
    assert.match(badCode.body, /action="\/account\/email\/confirm"/, 'a wrong code: the code form again');
    assert.equal((await t.services.users.get(user.id)).email, user.email);
  });

  it('deletes the account only with the confirmation ticked and the password', async () => {
    const user = await userWithRoles(t.app, ['user'], 'delete');
    const b = await browserOf(user);
    await b.get('/account');
    const unticked = await b.post('/account/delete', { password: user.password });
    assert.equal(unticked.statusCode, 400);
    assert.match(unticked.body, /id="del-confirm-error"/);
    const wrong = await b.post('/account/delete', { password: WRONG_PASSWORD, confirm: 'yes' });
    assert.equal(wrong.statusCode, 403);
    await t.services.users.get(user.id);
    const done = await b.post('/account/delete', { password: user.password, confirm: 'yes' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/account/deleted');
    assert.equal(b.cookies.has('gatehouse_session'), false);
    assert.match((await b.follow(done)).body, /Account deleted/);
    await assert.rejects(t.services.users.get(user.id), { code: 'not_found' });
  });
});
