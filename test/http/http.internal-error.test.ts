/**
 * A 500 (docs/api.md) is internal_error problem+json with a request id and nothing about the cause:
 * no stack, no message, no file paths. Provoked by closing the database under a running app.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, PASSWORD, register } from '../helpers/factories.js';

describe('internal errors', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('500 internal_error carries a request id and no stack', async () => {
    const u = await register(t.app);
    await t.services.database.close();
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: u.email, password: PASSWORD } });
    const body = expectProblem(res, 500, 'internal_error');
    assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'request_id', 'status', 'title', 'type'].filter((k) => k in body).sort());
    for (const k of Object.keys(body)) assert.ok(['type', 'title', 'status', 'detail', 'code', 'request_id'].includes(k), `unexpected field ${k}`);
    assert.ok(typeof body.request_id === 'string' && body.request_id.length > 0, 'a request id to find the log line');
    assert.doesNotMatch(res.body, /\bat .+\(|\.ts:\d+|\.js:\d+|node_modules|\/src\/|stack/i, 'no stack or paths');
  });
});
