/**
 * Start-up checks that name what is wrong instead of failing later or opaquely (docs/operations.md):
 * ADMIN_EMAIL of an existing account is left alone whatever ADMIN_PASSWORD says, a malformed
 * ADMIN_EMAIL or a weak ADMIN_PASSWORD names the variable, and a DEFAULT_ROLE that names no role
 * refuses the start (every sign-up would otherwise fail on a field the client never sent).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/app.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { loadConfig } from '../../src/config/load-config.js';
import { baseTestEnv, buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { PASSWORD, register } from '../helpers/factories.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { systemContext } from '../../src/request-context.js';

/** builds an app on a fresh database with this environment; resolves to the start-up error, if any */
async function startWith(env: Record<string, string>): Promise<Error | null> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
  try {
    const config = loadConfig({ ...baseTestEnv, DATA_DIR: dataDir, SECRETS_KEY: randomBytes(32).toString('base64'), ...env });
    const app = await buildApp(config, { database: await database.open(), store: new MemoryStore(), logTo: false });
    await app.close();
    return null;
  } catch (error) {
    return error as Error;
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('start-up checks', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('ADMIN_EMAIL of an existing account: left alone, whatever ADMIN_PASSWORD is (even a weak one)', async () => {
    const u = await register(t.app);
    const result = await t.services.users.ensureAdmin(systemContext, { email: u.email.toUpperCase(), password: 'weak' }, 'bootstrap');
    assert.equal(result.created, false);
    assert.match(result.reason ?? '', /already exists/);
    assert.deepEqual((await t.services.users.get(u.id)).roles, ['user'], 'not promoted');
  });

  it('a weak ADMIN_PASSWORD or a malformed ADMIN_EMAIL refuses the start, naming the variable', async () => {
    const weak = await startWith({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'password1' });
    assert.match(weak?.message ?? '', /^ADMIN_PASSWORD: /);
    const malformed = await startWith({ ADMIN_EMAIL: 'not-an-email', ADMIN_PASSWORD: PASSWORD });
    assert.match(malformed?.message ?? '', /ADMIN_EMAIL/);
  });

  it('a DEFAULT_ROLE that names no role refuses the start; an existing one is fine', async () => {
    const unknown = await startWith({ DEFAULT_ROLE: 'customer' });
    assert.match(unknown?.message ?? '', /DEFAULT_ROLE=customer names no role/);
    assert.equal(await startWith({ PRODUCTS: 'on', DEFAULT_ROLE: 'seller' }), null);
    // the products module's roles exist only with the module
    assert.match((await startWith({ DEFAULT_ROLE: 'seller' }))?.message ?? '', /DEFAULT_ROLE=seller names no role/);
  });
});
