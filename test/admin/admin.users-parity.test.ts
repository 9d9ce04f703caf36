/**
 * The admin API does what the console's user page does (docs/api.md Admin): a new email address
 * (unverified unless said otherwise, a sensitive change that needs a fresh session), the
 * verification mail sent again, one session of a user revoked. Only users:admin may; malformed ids
 * are 400, unknown ones 404; each change is audited as the console's is.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, login, me, register, uniqueEmail, userWithRoles, type TestUser } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { PageClient } from '../helpers/page-client.js';
import { api, type Api } from './admin-helpers.js';

const ELEVEN_MINUTES = 11 * 60 * 1000;

const sidOf = (accessToken: string) => (JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sid: string }).sid;

describe('admin API: parity with the console', () => {
  let t: TestContext;
  let admin: TestUser;
  let as: Api;
  const clock = new FakeClock(Date.now());

  const auditOf = (userId: string) => t.services.audit.list({ userId, type: null }, { limit: 100, cursor: null }).then((p) => p.items);
  const outboxFor = (userId: string, template: string) =>
    t.services.database.db.selectFrom('outbox').select(['id', 'to_address']).where('user_id', '=', userId).where('template', '=', template).execute();
  /** the admin signed in again: a session younger than ten minutes */
  const freshAdmin = async () => {
    const res = await login(t.app, admin.email, admin.password);
    assert.equal(res.statusCode, 200, res.body);
    return api(t.app, res.json().access_token as string);
  };

  before(async () => {
    t = await buildTestContext({ clock, env: { ACCESS_TOKEN_TTL: '3600' } });
    admin = await userWithRoles(t.app, ['admin'], 'parity-api-admin');
    as = api(t.app, admin.accessToken);
  });
  after(async () => {
    await t.close();
  });

  describe('PATCH /admin/users/{id} with email', () => {
    it('sets a new address, unverified unless email_verified says so; records user.updated with the domain only', async () => {
      const u = await register(t.app);
      await t.services.users.updateByAdmin({ ip: null, userAgent: null, actorId: admin.id }, u.id, { emailVerified: true });
      const next = uniqueEmail('Moved');
      const res = await as('PATCH', `/admin/users/${u.id}`, { email: `  ${next.toUpperCase()} `, name: 'Moved' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().email, next.toLowerCase());
      assert.equal(res.json().email_verified, false, 'a changed address is not verified');
      assert.equal(res.json().name, 'Moved');
      assert.equal((await login(t.app, next)).statusCode, 200, 'the user signs in with the new address');
      assert.equal((await login(t.app, u.email)).statusCode, 401, 'and no longer with the old one');
      const event = (await auditOf(u.id)).find((e) => e.type === 'user.updated' && (e.data.fields as string[]).includes('email'));
      assert.equal(event?.actorId, admin.id);
      assert.deepEqual(event?.data, { fields: ['name', 'email'], email_verified: false, email_domain: 'example.com' });
      assert.doesNotMatch(JSON.stringify(event?.data), /moved-/i, 'the address itself is not in the audit trail');

      const ticked = uniqueEmail('ticked');
      const verified = await as('PATCH', `/admin/users/${u.id}`, { email: ticked, email_verified: true });
      assert.equal(verified.statusCode, 200, verified.body);
      assert.equal(verified.json().email, ticked);
      assert.equal(verified.json().email_verified, true);
    });

    it('refuses a malformed address (400 naming email), a taken one (409 email_taken) and changes nothing', async () => {
      const u = await register(t.app);
      const bad = expectProblem(await as('PATCH', `/admin/users/${u.id}`, { email: 'not an address' }), 400, 'validation_error');
      assert.deepEqual(bad.errors?.map((e) => e.field), ['email']);
      expectProblem(await as('PATCH', `/admin/users/${u.id}`, { email: 42 }), 400, 'validation_error');
      expectProblem(await as('PATCH', `/admin/users/${u.id}`, { email: admin.email.toUpperCase() }), 409, 'email_taken');
      assert.equal((await t.services.users.get(u.id)).email, u.email);
      expectProblem(await as('PATCH', `/admin/users/${randomUUID()}`, { email: uniqueEmail() }), 404, 'not_found');
    });

    it('a new address needs a fresh session (403, sign in again), on the API and the console alike; the same address does not', async () => {
      const u = await register(t.app);
      const root = new PageClient(t.app);
      await root.signIn(admin.email);
      await root.get(`/admin/users/${u.id}`);
      clock.advance(ELEVEN_MINUTES);

      const problem = expectProblem(await as('PATCH', `/admin/users/${u.id}`, { email: uniqueEmail('stale') }), 403, 'forbidden');
      assert.match(problem.detail ?? '', /Sign in again .*to change a user's email address/);
      const page = await root.post(`/admin/users/${u.id}/profile`, { name: '', email: uniqueEmail('stale-console') });
      assert.equal(page.statusCode, 403);
      assert.match(page.body, /Sign in again \(within the last 10 minutes\) to change a user(&#39;|&#x27;|')s email address/);
      assert.equal((await t.services.users.get(u.id)).email, u.email, 'neither changed the address');

      // the address the user has, however spelled, is no change
      assert.equal((await as('PATCH', `/admin/users/${u.id}`, { email: u.email.toUpperCase(), name: 'Same' })).statusCode, 200);
      const same = (await auditOf(u.id)).find((e) => e.type === 'user.updated'); // newest first
      assert.deepEqual(same?.data, { fields: ['name'] }, 'the address it already had is not listed as changed');
      const fresh = await freshAdmin();
      const next = uniqueEmail('fresh');
      const res = await fresh('PATCH', `/admin/users/${u.id}`, { email: next });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().email, next);
    });
  });

  describe('POST /admin/users/{id}/verification-email', () => {
    it('sends a new verification mail to the address (202, empty body); a verified address is 400 naming email', async () => {
      const u = await register(t.app);
      const before = await outboxFor(u.id, 'verify_email');
      const res = await as('POST', `/admin/users/${u.id}/verification-email`);
      assert.equal(res.statusCode, 202, res.body);
      assert.equal(res.body, '');
      const after = await outboxFor(u.id, 'verify_email');
      assert.equal(after.length, before.length + 1, 'one verification mail reached the outbox');
      assert.ok(after.every((m) => m.to_address === u.email));

      await t.services.users.updateByAdmin({ ip: null, userAgent: null, actorId: admin.id }, u.id, { emailVerified: true });
      const verified = expectProblem(await as('POST', `/admin/users/${u.id}/verification-email`), 400, 'validation_error');
      assert.deepEqual(verified.errors, [{ field: 'email', message: 'is verified already' }]);
      assert.equal((await outboxFor(u.id, 'verify_email')).length, after.length, 'nothing more was sent');
    });

    it('unknown user 404, malformed id 400', async () => {
      expectProblem(await as('POST', `/admin/users/${randomUUID()}/verification-email`), 404, 'not_found');
      expectProblem(await as('POST', '/admin/users/not-a-uuid/verification-email'), 400, 'validation_error');
    });
  });

  describe('DELETE /admin/users/{id}/sessions/{session_id}', () => {
    it("revokes that session only (its token 401 at once, the other lives); records session.revoked by the admin", async () => {
      const u = await register(t.app);
      const second = (await login(t.app, u.email)).json();
      const sid = sidOf(second.access_token as string);
      const res = await as('DELETE', `/admin/users/${u.id}/sessions/${sid}`);
      assert.equal(res.statusCode, 204, res.body);
      assert.equal(res.body, '');
      assert.equal((await me(t.app, second.access_token as string)).statusCode, 401);
      assert.equal((await me(t.app, u.accessToken)).statusCode, 200, 'the other session lives');
      const refreshed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: second.refresh_token } });
      assert.equal(refreshed.statusCode, 401, 'its refresh token is dead too');
      const live = (await as('GET', `/admin/users/${u.id}/sessions`)).json().items.map((s: { id: string }) => s.id);
      assert.deepEqual(live, [sidOf(u.accessToken)]);
      const event = (await auditOf(u.id)).find((e) => e.type === 'session.revoked');
      assert.equal(event?.actorId, admin.id);
      assert.deepEqual(event?.data, { session_id: sid });

      expectProblem(await as('DELETE', `/admin/users/${u.id}/sessions/${sid}`), 404, 'not_found');
    });

    it("another user's session is 404 and stays live; unknown user or session 404; malformed ids 400", async () => {
      const u = await register(t.app);
      const other = await register(t.app);
      const othersSid = sidOf(other.accessToken);
      expectProblem(await as('DELETE', `/admin/users/${u.id}/sessions/${othersSid}`), 404, 'not_found');
      assert.equal((await me(t.app, other.accessToken)).statusCode, 200, "the other user's session was not touched");
      expectProblem(await as('DELETE', `/admin/users/${u.id}/sessions/${randomUUID()}`), 404, 'not_found');
      expectProblem(await as('DELETE', `/admin/users/${randomUUID()}/sessions/${othersSid}`), 404, 'not_found');
      assert.equal((await me(t.app, other.accessToken)).statusCode, 200);
      for (const url of [`/admin/users/${u.id}/sessions/nope`, `/admin/users/nope/sessions/${othersSid}`, `/admin/users/${u.id}/sessions/${othersSid.toUpperCase()}x`]) {
        expectProblem(await as('DELETE', url), 400, 'validation_error');
      }
    });
  });

  describe('access and documentation', () => {
    it('anonymous 401, signed in without users:admin 403 (before validation), and nothing happens', async () => {
      const buyer = await userWithRoles(t.app, ['user'], 'not-admin');
      const target = await register(t.app);
      const sid = sidOf(target.accessToken);
      const calls: ['PATCH' | 'POST' | 'DELETE', string, unknown?][] = [
        ['PATCH', `/admin/users/${target.id}`, { email: uniqueEmail() }],
        ['POST', `/admin/users/${target.id}/verification-email`],
        ['DELETE', `/admin/users/${target.id}/sessions/${sid}`],
        ['DELETE', '/admin/users/bad/sessions/bad'],
      ];
      const sentBefore = (await outboxFor(target.id, 'verify_email')).length;
      for (const [method, url, payload] of calls) {
        expectProblem(await api(t.app, null)(method, url, payload), 401, 'unauthorized');
        expectProblem(await api(t.app, buyer.accessToken)(method, url, payload), 403, 'forbidden');
      }
      assert.equal((await t.services.users.get(target.id)).email, target.email);
      assert.equal((await outboxFor(target.id, 'verify_email')).length, sentBefore);
      assert.equal((await me(t.app, target.accessToken)).statusCode, 200);
    });

    it('the new endpoints are in the OpenAPI document with their parameters and statuses', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      const patch = doc.paths['/api/v1/admin/users/{id}'].patch;
      assert.ok(patch.requestBody.content['application/json'].schema.properties.email, 'PATCH takes email');
      const resend = doc.paths['/api/v1/admin/users/{id}/verification-email']?.post;
      assert.ok(resend, 'verification-email documented');
      assert.deepEqual(Object.keys(resend.responses).sort(), ['202', '400', '401', '403', '404', '429']);
      const revoke = doc.paths['/api/v1/admin/users/{id}/sessions/{session_id}']?.delete;
      assert.ok(revoke, 'one session documented');
      assert.deepEqual(revoke.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort(), ['path:id', 'path:session_id']);
      assert.ok(revoke.parameters.every((p: { schema: { format?: string } }) => p.schema.format === 'uuid'));
      assert.deepEqual(Object.keys(revoke.responses).sort(), ['204', '400', '401', '403', '404']);
    });
  });
});
