/**
 * /admin/permissions: the console does what POST/DELETE /api/v1/admin/permissions do — the
 * catalogue with built-in permissions marked, a create form (malformed or taken names refused next
 * to the field), delete buttons (built-in ones have none; one still held by a role is refused on
 * the page), CSRF on every form, users:admin only, and a link from the console's navigation. A
 * role holding a permission that left the catalogue keeps it when saved from the roles page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';
import { systemContext } from '../../src/request-context.js';

describe('console pages: permissions', () => {
  let t: TestContext;
  let admin: TestUser;
  let root: PageClient;

  before(async () => {
    t = await buildTestContext();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    root = new PageClient(t.app);
    await root.signIn(admin.email);
  });
  after(async () => {
    await t.close();
  });

  it('lists the catalogue with the built-in marker, linked from the console navigation', async () => {
    const console = await root.get('/admin/roles');
    assert.match(console.body, /<a href="\/admin\/permissions"[^>]*>Permissions<\/a>/);
    const page = await root.get('/admin/permissions');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<tr data-permission="users:admin">[\s\S]*?built-in[\s\S]*?<\/tr>/);
    assert.doesNotMatch(page.body, /name="name" value="users:admin"/, 'a built-in permission has no delete button');
  });

  it('adds a permission (303, then listed as yours and offered on the roles page); a taken or malformed name is refused next to the field', async () => {
    await root.get('/admin/permissions');
    const created = await root.post('/admin/permissions', { name: 'invoices:read', description: 'Read <b>invoices</b>' });
    assert.equal(created.statusCode, 303, created.body.slice(0, 300));
    assert.equal(created.headers.location, '/admin/permissions?notice=permission_created');
    const page = await root.get('/admin/permissions?notice=permission_created');
    assert.match(page.body, /<tr data-permission="invoices:read">[\s\S]*?Read &lt;b&gt;invoices&lt;\/b&gt;[\s\S]*?yours[\s\S]*?<\/tr>/);
    assert.match(page.body, /The permission is added/);
    assert.match((await root.get('/admin/roles')).body, /value="invoices:read"/, 'roles may hold it');

    const taken = await root.post('/admin/permissions', { name: 'invoices:read' });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /id="new-permission-name-error"/);
    const builtin = await root.post('/admin/permissions', { name: 'users:admin' });
    assert.equal(builtin.statusCode, 409);
    const malformed = await root.post('/admin/permissions', { name: 'Not A Name', description: 'kept' });
    assert.equal(malformed.statusCode, 400);
    assert.match(malformed.body, /id="new-permission-name-error"/);
    assert.match(malformed.body, /value="Not A Name"/, 'what was typed comes back');
  });

  it('deletes a permission no role holds; one still held is refused on the page; a form without CSRF is 403', async () => {
    await t.services.roles.createPermission(systemContext, { name: 'wiki:edit', description: null });
    await t.services.roles.create(systemContext, { name: 'editor', description: null, permissions: ['wiki:edit'] });
    await root.get('/admin/permissions');
    const held = await root.post('/admin/permissions/delete', { name: 'wiki:edit' });
    assert.equal(held.statusCode, 409);
    assert.match(held.body, /editor/);
    assert.equal((await root.post('/admin/permissions/delete', { name: 'users:admin' })).statusCode, 409);
    assert.equal((await root.post('/admin/permissions/delete', { name: 'wiki:edit', _csrf: null })).statusCode, 403);

    await t.services.roles.update(systemContext, 'editor', { permissions: [] });
    const deleted = await root.post('/admin/permissions/delete', { name: 'wiki:edit' });
    assert.equal(deleted.statusCode, 303);
    assert.ok(!(await t.services.roles.catalogue()).some((p) => p.name === 'wiki:edit'));
  });

  it('a role keeping a permission that left the catalogue (a shop role, PRODUCTS off) is saved with it', async () => {
    await t.services.database.db.insertInto('roles').values({ name: 'buyer', description: 'Buyers', permissions: ['products:read'], created_at: new Date(), updated_at: new Date() }).execute();
    const page = await root.get('/admin/roles');
    assert.match(page.body, /<section class="card" data-role="buyer"[\s\S]*?value="products:read" checked[\s\S]*?grants nothing[\s\S]*?<\/section>/);
    const saved = await root.post('/admin/roles/buyer', { description: 'Shoppers', permissions: ['products:read'] });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 300));
    const buyer = (await t.services.roles.list()).find((r) => r.name === 'buyer')!;
    assert.deepEqual([buyer.description, buyer.permissions], ['Shoppers', ['products:read']]);
    assert.deepEqual([...(await t.services.roles.permissionsFor(['buyer']))], [], 'inert while the module is off');
  });

  it('users:admin only: a signed-in user gets a 403 page', async () => {
    const user = await userWithRoles(t.app, ['user'], 'plain');
    const b = new PageClient(t.app);
    await b.signIn(user.email);
    assert.equal((await b.get('/admin/permissions')).statusCode, 403);
    assert.equal((await b.post('/admin/permissions', { name: 'x:y' })).statusCode, 403);
  });
});
