/**
 * The dashboard, account and products pages in German (issue #30, second pass): each page asked for
 * with the language switch's cookie (gh_lang=de) or with Accept-Language says `<html lang="de">`,
 * shows no English word (the user's own name, email and product titles aside) and writes its dates
 * as German does; each successful form answers 303 to a page that shows its notice in the reader's
 * language (Post/Redirect/Get), and the English reader gets the same notices in English.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { withMail } from '../email-ownership/email-helpers.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { IPHONE_UA, login, OTHER_PASSWORD, userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { codeIn } from '../helpers/smtp-sink.js';
import { translator } from '../../src/i18n/translator.js';
import { dashboardPage, connectProviderPage } from '../../src/pages/views/dashboard-views.js';

const DE = translator('de', 'Gatehouse');

/** a browser that asks for German by Accept-Language only (no cookie) */
class AcceptGerman extends PageClient {
  override get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return super.get(url, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.4', ...headers });
  }
  override post(url: string, form: Parameters<PageClient['post']>[1] = {}, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return super.post(url, form, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.4', ...headers });
  }
}

/** the page is German: its language, no English word, every date as German writes it */
function assertGerman(res: LightMyRequestResponse, allowed: string[], what: string): void {
  assert.equal(res.statusCode, 200, `${what}: ${res.body.slice(0, 300)}`);
  assert.match(res.body, /<html lang="de">/, what);
  // the two-step section of /account belongs to the MFA pages and is checked with them
  const mine = res.body.replace(/<section class="card" id="mfa"[\s\S]*?<\/section>\s*(?=<section class="card" id="password")/, '');
  assert.deepEqual(englishWordsIn(readableText(mine), allowed), [], what);
  for (const [, iso, shown] of res.body.matchAll(/<time datetime="([^"]+)">([^<]*)<\/time>/g)) {
    assert.equal(shown, DE.dateTime(new Date(iso!)), `${what}: ${iso}`);
    assert.match(shown!, /^\d{1,2}\. \S+ \d{4}, \d{2}:\d{2} UTC$/, what);
  }
}

function noticeShown(res: LightMyRequestResponse, text: string, what: string): void {
  assert.equal(res.statusCode, 200, what);
  assert.match(res.body, /<div class="alert ok" role="status">/, what);
  assert.ok(textOf(res.body).includes(text), `${what}: "${text}" in ${textOf(res.body).slice(0, 600)}`);
}

describe('dashboard, account and products pages in German', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  let seller: TestUser;

  before(async () => {
    env = await withMail({ env: { PRODUCTS: 'on' } });
    seller = await userWithRoles(env.t.app, ['seller'], 'de-seller');
    await env.t.services.users.updateProfile({ actorId: seller.id, ip: null, userAgent: null }, seller.id, { name: 'Greta Gärtner' });
  });
  after(() => env.close());

  async function german(user: TestUser, how: 'cookie' | 'accept-language'): Promise<PageClient> {
    const b = how === 'cookie' ? new PageClient(env.t.app) : new AcceptGerman(env.t.app);
    if (how === 'cookie') b.cookies.set('gh_lang', { value: 'de', path: '/' });
    await b.signIn(user.email, user.password);
    return b;
  }

  for (const how of ['cookie', 'accept-language'] as const) {
    it(`renders every page in German (${how})`, async () => {
      const b = await german(seller, how);
      // a second session, so the sessions table has a row that is not "this device"
      await login(env.t.app, seller.email, seller.password, { 'user-agent': IPHONE_UA });
      const product = await env.t.services.products.create({ actorId: seller.id, ip: null, userAgent: null }, { userId: seller.id, permissions: new Set(['products:write']) }, { title: 'Gießkanne', description: 'Blech, zehn Liter', price: '12.50', currency: 'EUR' });
      const allowed = [seller.email, 'Greta Gärtner', 'Gießkanne', 'Blech, zehn Liter', seller.id];

      const dashboard = await b.get('/dashboard');
      assertGerman(dashboard, allowed, '/dashboard');
      assert.match(dashboard.body, /<table class="stack">/);
      assert.match(textOf(dashboard.body), /Willkommen, Greta Gärtner/);
      assert.match(textOf(dashboard.body), /Mobile Safari unter iOS/);
      assert.ok((dashboard.body.match(/<time datetime=/g) ?? []).length >= 4, 'last use and sign-in of both sessions');
      for (const notice of ['profile', 'revoked', 'unlinked', 'app_revoked']) assertGerman(await b.get(`/dashboard?notice=${notice}`), allowed, `/dashboard?notice=${notice}`);

      assertGerman(await b.get('/account'), allowed, '/account');
      for (const notice of ['password_changed', 'email_code_sent', 'current_code_sent', 'email_changed']) assertGerman(await b.get(`/account?notice=${notice}`), allowed, `/account?notice=${notice}`);
      assertGerman(await new PageClient(env.t.app).get('/account/deleted', { cookie: 'gh_lang=de' }), allowed, '/account/deleted');

      const list = await b.get('/products');
      assertGerman(list, allowed, '/products');
      assert.match(list.body, /<td data-label="Titel" class="wrap">/);
      assertGerman(await b.get('/products?q=nichts-passt'), allowed, '/products (nothing found)');
      assertGerman(await b.get('/products/new'), allowed, '/products/new');
      assertGerman(await b.get(`/products/${product.id}`), allowed, '/products/{id}');
      assertGerman(await b.get(`/products/${product.id}/edit`), allowed, '/products/{id}/edit');
    });
  }

  it('the dashboard’s connected accounts and apps, and the connect step, in German', async () => {
    const user = await env.t.services.users.get(seller.id);
    const sessions = await env.t.services.sessions.listLive(seller.id);
    const at = new Date('2026-03-01T08:30:00Z');
    const body = dashboardPage({ csrf: 'x', user: { label: 'Greta Gärtner' }, t: DE }, {
      user,
      sessions,
      currentSessionId: sessions[0]!.id,
      identities: [{ id: randomUUID(), userId: seller.id, provider: 'acme', subject: 'acme-42', email: 'greta@acme.example', emailVerified: true, createdAt: at }],
      providers: [{ id: 'acme', name: 'Acme ID' }, { id: 'other', name: 'Zweiter Anbieter' }],
      notice: null,
      profile: null,
      error: null,
      apps: [{ clientId: 'billing', clientName: 'Rechnungen', scopes: ['openid', 'email'], createdAt: at }],
    });
    assertGerman({ statusCode: 200, body } as LightMyRequestResponse, [seller.email, 'Greta Gärtner', 'greta@acme.example', 'Acme ID', 'openid email'], 'dashboard rows');
    assert.ok(body.includes(`<time datetime="${at.toISOString()}">${DE.dateTime(at)}</time>`));
    assert.match(body, /data-label="Anbieter"/);
    assert.match(body, /data-label="Anwendung"/);
    const connect = connectProviderPage({ csrf: 'x', user: { label: 'Greta Gärtner' }, t: DE }, { providerName: 'Acme ID', location: 'https://id.acme.example/authorize' });
    assertGerman({ statusCode: 200, body: connect } as LightMyRequestResponse, ['Acme ID'], 'connect step');
  });

  it('every successful form answers 303 to a page that shows its notice in German', async () => {
    const user = await userWithRoles(env.t.app, ['seller'], 'de-prg');
    const b = await german(user, 'cookie');
    const allowed = [user.email];

    await b.get('/dashboard');
    const profile = await b.post('/dashboard/profile', { name: 'Hanna', username: '', avatar_url: '' });
    assert.equal(profile.statusCode, 303);
    assert.equal(profile.headers.location, '/dashboard?notice=profile');
    noticeShown(await b.follow(profile), DE.t('dashboard.notice.profile'), 'profile');

    await login(env.t.app, user.email, user.password, { 'user-agent': IPHONE_UA });
    const phone = (await env.t.services.sessions.listLive(user.id)).find((s) => s.userAgent === IPHONE_UA)!;
    await b.get('/dashboard');
    const revoked = await b.post(`/dashboard/sessions/${phone.id}/revoke`);
    assert.equal(revoked.statusCode, 303);
    noticeShown(await b.follow(revoked), DE.t('dashboard.notice.revoked'), 'session revoked');

    await b.get('/account');
    const password = await b.post('/account/password', { current_password: user.password, new_password: OTHER_PASSWORD });
    assert.equal(password.statusCode, 303);
    assert.equal(password.headers.location, '/account?notice=password_changed#password');
    const afterPassword = await b.follow(password);
    noticeShown(afterPassword, DE.t('account.notice.passwordChanged'), 'password changed');
    assertGerman(afterPassword, allowed, 'after the password change');

    const newEmail = `neu-${randomUUID().slice(0, 8)}@example.com`;
    const asked = await b.post('/account/email', { new_email: newEmail, password: OTHER_PASSWORD });
    assert.equal(asked.statusCode, 303);
    assert.equal(asked.headers.location, '/account?notice=email_code_sent#email');
    const codeForm = await b.follow(asked);
    noticeShown(codeForm, DE.t('account.notice.emailCodeSent'), 'code sent');
    assert.match(codeForm.body, /action="\/account\/email\/confirm"/);
    const code = codeIn(await env.smtp.waitFor(newEmail, /./));
    const confirmed = await b.post('/account/email/confirm', { code });
    assert.equal(confirmed.statusCode, 303);
    assert.equal(confirmed.headers.location, '/account?notice=email_changed#email');
    const afterEmail = await b.follow(confirmed);
    noticeShown(afterEmail, DE.t('account.notice.emailChanged'), 'email changed');
    assertGerman(afterEmail, [newEmail], 'after the email change');
    assert.equal((await env.t.services.users.get(user.id)).email, newEmail);

    await b.get('/products/new');
    const created = await b.post('/products', { title: 'Rechen', description: '', price: '9', currency: 'EUR', image_url: '' });
    assert.equal(created.statusCode, 303);
    noticeShown(await b.follow(created), DE.t('products.notice.created'), 'product created');
    const id = /^\/products\/([0-9a-f-]{36})\?notice=created$/.exec(String(created.headers.location))![1]!;
    await b.get(`/products/${id}/edit`);
    const saved = await b.post(`/products/${id}`, { title: 'Laubrechen', description: '', price: '11', currency: 'EUR', image_url: '' });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, `/products/${id}?notice=saved`);
    noticeShown(await b.follow(saved), DE.t('products.notice.saved'), 'product saved');
    const deleted = await b.post(`/products/${id}/delete`);
    assert.equal(deleted.statusCode, 303);
    noticeShown(await b.follow(deleted), DE.t('products.notice.deleted'), 'product deleted');

    await b.get('/account');
    const gone = await b.post('/account/delete', { password: OTHER_PASSWORD, confirm: 'yes' });
    assert.equal(gone.statusCode, 303);
    assert.equal(gone.headers.location, '/account/deleted');
    const farewell = await b.follow(gone);
    assertGerman(farewell, [], '/account/deleted');
    assert.match(textOf(farewell.body), new RegExp(DE.t('account.deleted.title')));
  });

  it('unlinking an account and asking for a code at the current address: 303 to their notices, in German', async () => {
    const user = await userWithRoles(env.t.app, ['user'], 'de-unlink');
    const db = env.t.services.database.db;
    const identity = randomUUID();
    await sql`insert into identities (id, user_id, provider, subject, email, email_verified, created_at) values (${identity}, ${user.id}, 'github', ${`gh-${identity}`}, ${user.email}, true, now())`.execute(db);
    const b = await german(user, 'accept-language');
    const dashboard = await b.get('/dashboard');
    assertGerman(dashboard, [user.email, 'github'], '/dashboard with a connected account');
    assert.match(dashboard.body, new RegExp(`data-identity="${identity}"`));
    const unlinked = await b.post(`/dashboard/identities/${identity}/unlink`);
    assert.equal(unlinked.statusCode, 303);
    assert.equal(unlinked.headers.location, '/dashboard?notice=unlinked');
    noticeShown(await b.follow(unlinked), DE.t('dashboard.notice.unlinked'), 'unlinked');

    // a password-less account proves it still reads its address before changing it
    await sql`update users set password_hash = null where id = ${user.id}`.execute(db);
    const account = await b.get('/account');
    assertGerman(account, [user.email], '/account without a password');
    assert.match(account.body, /action="\/account\/email\/current-code"/);
    const sent = await b.post('/account/email/current-code');
    assert.equal(sent.statusCode, 303, sent.body.slice(0, 300));
    assert.equal(sent.headers.location, '/account?notice=current_code_sent#email');
    noticeShown(await b.follow(sent), DE.t('account.notice.currentCodeSent'), 'current code sent');
    assert.ok(codeIn(await env.smtp.waitFor(user.email, /code/i)));
  });

  it('a refused form comes back with its status and its errors in German', async () => {
    const user = await userWithRoles(env.t.app, ['seller'], 'de-refused');
    const b = await german(user, 'cookie');
    const allowed = [user.email];
    const refusedWith = (res: LightMyRequestResponse, status: number, what: string) => {
      assert.equal(res.statusCode, status, `${what}: ${textOf(res.body).slice(0, 400)}`);
      assertGerman({ ...res, statusCode: 200 } as LightMyRequestResponse, allowed, what);
      assert.match(res.body, /role="alert"/, what);
    };
    await b.get('/dashboard');
    const profile = await b.post('/dashboard/profile', { name: 'Olga', username: 'x', avatar_url: 'javascript:alert(1)' });
    refusedWith(profile, 400, 'profile');
    assert.match(profile.body, /id="profile-avatar_url-error"[^>]*>Adresse des Profilbilds/);
    await b.get('/account');
    refusedWith(await b.post('/account/password', { current_password: 'Wrong-Password-Nope-123', new_password: OTHER_PASSWORD }), 403, 'password');
    refusedWith(await b.post('/account/email', { new_email: 'kein-at-zeichen', password: user.password }), 400, 'email');
    const unticked = await b.post('/account/delete', { password: user.password });
    refusedWith(unticked, 400, 'delete without the box ticked');
    assert.ok(textOf(unticked.body).includes(DE.t('account.delete.mustConfirm')));
    await b.get('/products/new');
    const product = await b.post('/products', { title: '', description: '', price: '19.999', currency: 'eur', image_url: 'http://plain.example.com/x.png' });
    refusedWith(product, 400, 'product');
    for (const f of ['title', 'price', 'currency', 'image_url']) assert.match(product.body, new RegExp(`id="product-${f}-error"`), f);
  });

  it('the same redirects land on English notices for an English reader, and a refusal keeps its status', async () => {
    const user = await userWithRoles(env.t.app, ['user'], 'en-prg');
    const b = new AcceptGerman(env.t.app);
    b.cookies.set('gh_lang', { value: 'en', path: '/' });
    await b.signIn(user.email, user.password);
    await b.get('/dashboard');
    const profile = await b.post('/dashboard/profile', { name: 'Ann', username: '', avatar_url: '' });
    const page = await b.follow(profile);
    assert.match(page.body, /<html lang="en">/, 'the switch’s cookie wins over Accept-Language');
    noticeShown(page, 'Your profile is saved.', 'English notice');
    await b.get('/account');
    const refused = await b.post('/account/password', { current_password: 'Wrong-Password-Nope-123', new_password: OTHER_PASSWORD });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /id="pw-current_password-error"/);
  });
});
