/**
 * What a new deployment starts with: the roles `admin` (every permission) and `user` (none, the
 * default DEFAULT_ROLE); with PRODUCTS=on also `seller` and `buyer`, and DEFAULT_ROLE defaults to
 * `buyer`. And what an existing deployment that ran the shop sees after upgrading with PRODUCTS
 * unset: roles its users hold are kept with their grants (inert while the module is off), products
 * stay stored, and the start warns that they are not served.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { AuditRepository } from '../../src/audit/audit-repository.js';
import { AuditService } from '../../src/audit/audit-service.js';
import { InvalidationBus } from '../../src/cache/invalidation-bus.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { loadConfig } from '../../src/config/load-config.js';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.js';
import { systemContext } from '../../src/request-context.js';
import { PermissionsRepository } from '../../src/roles/permissions-repository.js';
import { RolesRepository } from '../../src/roles/roles-repository.js';
import { RolesService } from '../../src/roles/roles-service.js';
import { createServices } from '../../src/services.js';
import { baseTestEnv, buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { register, userWithRoles } from '../helpers/factories.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { api, me } from './admin-helpers.js';

const roleNames = async (t: TestContext) => (await t.services.roles.list()).map((r) => [r.name, r.permissions]);

describe('DEFAULT_ROLE defaults', () => {
  it('is user, buyer with PRODUCTS=on, and an explicit value wins', () => {
    assert.equal(loadConfig({ ...baseTestEnv }).defaultRole, 'user');
    assert.equal(loadConfig({ ...baseTestEnv, PRODUCTS: 'off' }).defaultRole, 'user');
    assert.equal(loadConfig({ ...baseTestEnv, PRODUCTS: 'on' }).defaultRole, 'buyer');
    assert.equal(loadConfig({ ...baseTestEnv, PRODUCTS: 'on', DEFAULT_ROLE: 'member' }).defaultRole, 'member');
    assert.throws(() => loadConfig({ ...baseTestEnv, PRODUCTS: 'yes' }), /PRODUCTS: must be one of on, off/);
  });
});

describe('seeded roles, PRODUCTS off (the default)', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('admin (every permission) and user (none); a new account gets user and no permission', async () => {
    assert.deepEqual(await roleNames(t), [['admin', ['users:admin']], ['user', []]]);
    const u = await register(t.app);
    assert.deepEqual(u.roles, ['user']);
    const body = (await me(t.app, u.accessToken)).json();
    assert.deepEqual([body.roles, body.permissions], [['user'], []]);
  });

  it('the user role is the DEFAULT_ROLE: it cannot be deleted; admin stays protected', async () => {
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    const as = api(t.app, admin.accessToken);
    const res = await as('DELETE', '/admin/roles/user');
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'role_in_use');
    assert.equal((await as('PATCH', '/admin/roles/admin', { description: 'x' })).json().code, 'role_protected');
  });
});

describe('seeded roles, PRODUCTS=on', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
  });
  after(async () => {
    await t.close();
  });

  it('admin, buyer (products:read), seller (products:read, products:write), user; a new account gets buyer', async () => {
    assert.deepEqual(await roleNames(t), [
      ['admin', ['products:read', 'products:write', 'products:write:any', 'users:admin']],
      ['buyer', ['products:read']],
      ['seller', ['products:read', 'products:write']],
      ['user', []],
    ]);
    const u = await register(t.app);
    assert.deepEqual((await me(t.app, u.accessToken)).json().permissions, ['products:read']);
    assert.deepEqual(u.roles, ['buyer']);
  });
});

describe('upgrading a database that ran the shop (migration 0008)', () => {
  it('keeps the roles users hold and their grants, removes the unheld untouched seeds, adds user; PRODUCTS off: grants inert, a warning', async () => {
    const database = await createTestDatabase();
    const handle = await database.open();
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-upgrade-'));
    try {
      const db = handle.db;
      await sql`drop schema public cascade`.execute(db);
      await sql`create schema public`.execute(db);
      await migrateTo(db, '0007-mfa');
      const userId = randomUUID();
      await sql`insert into users (id, email, email_verified, disabled, created_at, updated_at) values (${userId}, 'shopper@example.com', true, false, now(), now())`.execute(db);
      await sql`insert into user_roles (user_id, role_name) values (${userId}, 'buyer')`.execute(db);
      await sql`insert into products (id, seller_id, title, price, currency, created_at, updated_at) values (${randomUUID()}, ${userId}, 'Lamp', 19.99, 'EUR', now(), now())`.execute(db);

      assert.ok((await migrateToLatest(db)).includes('0008-permissions'));
      const roles = await db.selectFrom('roles').select(['name', 'permissions']).orderBy('name').execute();
      assert.deepEqual(roles.map((r) => [r.name, r.permissions]), [
        ['admin', ['products:read', 'products:write', 'products:write:any', 'users:admin']],
        ['buyer', ['products:read']],
        ['user', []],
      ], 'buyer is held, so kept with its grant; seller was held by nobody');

      // switched on, the module's missing role comes back and buyer grants products:read again
      const clock = { now: () => Date.now() };
      const bus = new InvalidationBus(new MemoryStore());
      await bus.start();
      const audit = new AuditService(db, new AuditRepository(), clock, randomBytes(32));
      const on = new RolesService({ db, roles: new RolesRepository(), permissions: new PermissionsRepository(), audit, bus, clock, defaultRole: 'buyer', products: true });
      assert.deepEqual(await on.seedModuleRoles(), ['seller']);
      assert.deepEqual([...(await on.permissionsFor(['buyer']))], ['products:read']);

      // started with PRODUCTS unset: nothing is deleted, the grant is inert, the start says why
      const config = loadConfig({ ...baseTestEnv, DATA_DIR: dataDir, SECRETS_KEY: randomBytes(32).toString('base64') });
      const services = await createServices(config, { database: handle, store: new MemoryStore() });
      try {
        assert.equal(config.defaultRole, 'user');
        assert.ok(services.warnings.some((w) => /PRODUCTS is off but the database holds products/.test(w)), services.warnings.join('\n'));
        assert.deepEqual([...(await services.roles.permissionsFor(['buyer']))], []);
        assert.deepEqual((await services.users.get(userId)).roles, ['buyer']);
        // the role can be sent back as it was read: its stored products:read is not refused
        const buyer = (await services.roles.list()).find((r) => r.name === 'buyer')!;
        assert.deepEqual(buyer.permissions, ['products:read']);
        await services.roles.update(systemContext, 'buyer', { description: 'Shoppers', permissions: buyer.permissions });
        await assert.rejects(services.roles.create(systemContext, { name: 'shopper', description: null, permissions: ['products:read'] }), /Unknown permission/);
      } finally {
        await services.close();
      }
    } finally {
      await handle.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
