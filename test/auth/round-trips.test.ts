/**
 * What the hot paths cost in round trips (#15): the database statements and ephemeral-store
 * commands (Redis round trips in production) of one successful sign-in and of one GET /me, with
 * the default rate limits on. Fails when a change makes them grow; lower the numbers when a change
 * makes them shrink. The key set's once-a-second reload is not part of any request and not counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { StoreCounter } from '../helpers/counting.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { login, me, PASSWORD, register } from '../helpers/factories.js';

/** the budget: what each path costs today */
const BUDGET = {
  login: { statements: 2, store: 2 },
  meWarm: { statements: 0, store: 1 },
  meCold: { statements: 2, store: 1 },
};

describe('round trips of the hot paths', () => {
  const store = new StoreCounter();
  const statements: string[] = [];
  let t: TestContext;
  before(async () => {
    // a clock that stands still: the in-process caches keep what they hold for a second (docs/security.md),
    // and on a loaded machine more than a second can pass between two requests of one test, which
    // would count a reload of the role catalogue as part of /me
    t = await buildTestContext({ clock: new FakeClock(), wrapStore: (s) => store.wrap(s), env: { RATE_LIMIT_LOGIN_IP: '20/60', RATE_LIMIT_LOGIN_ID: '10/60', RATE_LIMIT_API_IP: '600/60' } });
  });
  after(async () => {
    await t.close();
  });

  async function count<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[]; store: string[] }> {
    statements.length = 0;
    store.calls.length = 0;
    t.services.database.observe((sql) => {
      if (!/from "signing_keys"/.test(sql)) statements.push(sql);
    });
    store.counting = true;
    try {
      const result = await work();
      return { result, statements: [...statements], store: [...store.calls] };
    } finally {
      store.counting = false;
      t.services.database.observe(null);
    }
  }

  it(`a successful sign-in: at most ${BUDGET.login.statements} statements and ${BUDGET.login.store} store commands`, async (ctx) => {
    const u = await register(t.app);
    const { result, statements, store } = await count(() => login(t.app, u.email, PASSWORD));
    assert.equal(result.statusCode, 200, result.body);
    ctx.diagnostic(`statements: ${statements.length}; store: ${store.join(', ')}`);
    assert.ok(statements.length <= BUDGET.login.statements, `${statements.length} statements:\n${statements.join('\n')}`);
    assert.ok(store.length <= BUDGET.login.store, `${store.length} store commands: ${store.join(', ')}`);
  });

  it(`GET /me: warm caches ${BUDGET.meWarm.statements} statements and ${BUDGET.meWarm.store} store command; cold at most ${BUDGET.meCold.statements} and ${BUDGET.meCold.store}`, async (ctx) => {
    const u = await register(t.app);
    // a new sign-in on a second instance would find these caches cold; here: a user and session never read yet
    const token = (await login(t.app, u.email, PASSWORD)).json().access_token as string;
    const cold = await count(() => me(t.app, token));
    assert.equal(cold.result.statusCode, 200);
    const warm = await count(() => me(t.app, token));
    assert.equal(warm.result.statusCode, 200);
    ctx.diagnostic(`cold: ${cold.statements.length} statements, store ${cold.store.join(', ')}; warm: ${warm.statements.length} statements, store ${warm.store.join(', ')}`);
    assert.ok(warm.statements.length <= BUDGET.meWarm.statements, warm.statements.join('\n'));
    assert.ok(warm.store.length <= BUDGET.meWarm.store, warm.store.join(', '));
    assert.ok(cold.statements.length <= BUDGET.meCold.statements, cold.statements.join('\n'));
    assert.ok(cold.store.length <= BUDGET.meCold.store, cold.store.join(', '));
  });
});
