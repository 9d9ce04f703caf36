/**
 * The examples in examples/ work against a real Gatehouse listening on a port: the web app signs a
 * user in through Gatehouse's own sign-in and consent pages (authorization code + PKCE, state,
 * nonce) and shows their email, then signs them out of Gatehouse (RP-initiated logout); the
 * resource server verifies Gatehouse's access tokens from its JWKS — a user's (`typ: JWT`) and a
 * machine's (client credentials, `typ: at+jwt`) — and answers 200 or 403 by the `invoices:read`
 * permission.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { api } from '../admin/admin-helpers.js';

interface Started {
  url: string;
  close(): Promise<void>;
}
interface WebAppModule {
  start(options: { issuer: string; clientId: string; clientSecret: string; port: number; baseUrl?: string }): Promise<Started>;
}
interface ResourceServerModule {
  start(options: { issuer: string; audience?: string; port: number }): Promise<Started>;
}

/** a port nobody listens on right now (the apps must know their URLs before they listen) */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Cookie {
  value: string;
  path: string;
}

/** a browser over real HTTP: cookies per host (with their paths), redirects followed across hosts */
class Browser {
  readonly jars = new Map<string, Map<string, Cookie>>();

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ url: string; status: number; location: string | null; body: string }> {
    const target = new URL(url);
    const jar = this.jars.get(target.host) ?? new Map<string, Cookie>();
    this.jars.set(target.host, jar);
    const cookie = [...jar]
      .filter(([, c]) => c.path === '/' || target.pathname === c.path || target.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([n, c]) => `${n}=${c.value}`)
      .join('; ');
    const res = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: { accept: 'text/html', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0', ...(cookie ? { cookie } : {}), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const expires = attr('expires');
      const gone = value === '' || attr('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now());
      if (gone) jar.delete(name);
      else jar.set(name, { value, path: attr('path') ?? '/' });
    }
    const location = res.headers.get('location');
    return { url: target.href, status: res.status, location: location ? new URL(location, target).href : null, body: await res.text() };
  }

  /** requests a URL and follows redirects (GET) until a page answers */
  async visit(url: string, init: { form?: Record<string, string> } = {}): Promise<{ url: string; status: number; body: string }> {
    let res = await this.request(url, init);
    for (let hops = 0; hops < 15 && res.status >= 300 && res.status < 400 && res.location; hops++) res = await this.request(res.location);
    return res;
  }
}

/** the first form of a page whose action matches, with its hidden fields */
function formOf(page: { url: string; body: string }, action: RegExp): { action: string; fields: Record<string, string> } {
  for (const match of page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const target = /action="([^"]*)"/.exec(match[1]!)?.[1]?.replace(/&amp;/g, '&');
    if (target === undefined || !action.test(target)) continue;
    const fields: Record<string, string> = {};
    for (const input of match[2]!.matchAll(/<input\b[^>]*>/g)) {
      if (!/type="hidden"/.test(input[0])) continue;
      const name = /name="([^"]+)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      if (name) fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    }
    return { action: new URL(target, page.url).href, fields };
  }
  throw new Error(`no form posting to ${action} on ${page.url}: ${page.body.slice(0, 400)}`);
}

describe('examples/ against a running Gatehouse', () => {
  let t: TestContext;
  let issuer: string;
  let admin: TestUser;
  const started: Started[] = [];

  before(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await buildTestContext({ env: { PUBLIC_URL: issuer } });
    await t.app.listen({ port, host: '127.0.0.1' });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
  });
  after(async () => {
    for (const s of started) await s.close();
    await t?.close();
  });

  it('web-app: /login → Gatehouse sign-in and consent → the page shows the email; /logout signs out of Gatehouse too', async () => {
    const { start } = (await import('../../examples/web-app/server.mjs')) as WebAppModule;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const created = await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Example web app', redirect_uris: [`${base}/callback`], post_logout_redirect_uris: [`${base}/`] });
    assert.equal(created.statusCode, 201, created.body);
    const client = created.json<{ client_id: string; client_secret: string }>();
    const web = await start({ issuer, clientId: client.client_id, clientSecret: client.client_secret, port, baseUrl: base });
    started.push(web);
    const user = await userWithRoles(t.app, ['user'], 'example-web');
    const browser = new Browser();

    assert.match((await browser.visit(`${web.url}/`)).body, /not signed in/);
    // /login leaves for Gatehouse's authorization endpoint with PKCE, state and nonce
    const leave = await browser.request(`${web.url}/login`);
    assert.equal(leave.status, 302);
    const authorize = new URL(leave.location!);
    assert.equal(authorize.origin, issuer);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('state') && authorize.searchParams.get('nonce'));
    // no Gatehouse session: its sign-in page
    const signInPage = await browser.visit(leave.location!);
    assert.equal(signInPage.status, 200);
    assert.equal(new URL(signInPage.url).origin, issuer);
    const signIn = formOf(signInPage, /^\/login/);
    // then the consent page, naming the app
    const consentPage = await browser.visit(signIn.action, { form: { ...signIn.fields, login: user.email, password: user.password } });
    assert.equal(consentPage.status, 200, consentPage.body.slice(0, 400));
    assert.match(consentPage.body, /Allow Example web app\?/);
    const consent = formOf(consentPage, /\/oidc\/interaction\//);
    // allowed: back at the web app, which redeemed the code and shows who signed in
    const home = await browser.visit(consent.action, { form: { ...consent.fields, decision: 'allow' } });
    assert.equal(home.url, `${base}/`);
    assert.equal(home.status, 200, home.body.slice(0, 400));
    assert.ok(home.body.includes(`<span class="email">${user.email}</span>`), home.body);

    // /logout: Gatehouse asks, then returns to the app; the Gatehouse page session is over too
    const question = await browser.visit(`${web.url}/logout`);
    assert.equal(new URL(question.url).origin, issuer);
    assert.match(question.body, /Sign out of Gatehouse\?/);
    const logout = formOf(question, /\/oidc\/session\/end/);
    const back = await browser.visit(logout.action, { form: { ...logout.fields, logout: 'yes' } });
    assert.equal(back.url, `${base}/`);
    assert.match(back.body, /not signed in/);
    const dashboard = await browser.visit(`${issuer}/dashboard`);
    assert.match(dashboard.body, /<form method="post" action="\/login"/, 'Gatehouse asks to sign in again');
  });

  it('resource-server: user tokens (typ JWT) and client-credentials tokens (typ at+jwt) are verified from the JWKS; invoices:read decides 200 or 403', async () => {
    const { start } = (await import('../../examples/resource-server/server.mjs')) as ResourceServerModule;
    const server = await start({ issuer, audience: t.config.tokenAudience, port: 0 });
    started.push(server);
    const asAdmin = api(t.app, admin.accessToken);
    assert.equal((await asAdmin('POST', '/admin/permissions', { name: 'invoices:read' })).statusCode, 201);
    assert.equal((await asAdmin('POST', '/admin/roles', { name: 'accountant', permissions: ['invoices:read'] })).statusCode, 201);
    const invoices = (token?: string) => fetch(`${server.url}/invoices`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const userToken = async (tag: string, roles: string[]): Promise<string> => {
      const user = await userWithRoles(t.app, roles, tag);
      const res = await fetch(`${issuer}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: user.email, password: user.password }) });
      assert.equal(res.status, 200);
      return ((await res.json()) as { access_token: string }).access_token;
    };

    // a user whose role grants the permission, and one whose does not
    const accountant = await invoices(await userToken('example-accountant', ['accountant']));
    assert.equal(accountant.status, 200);
    assert.ok(((await accountant.json()) as { caller: { user?: string } }).caller.user);
    assert.equal((await invoices(await userToken('example-buyer', ['user']))).status, 403);

    // machines: client credentials, with and without the permission
    const machine = async (name: string, permissions: string[]): Promise<string> => {
      const created = await asAdmin('POST', '/admin/oidc-clients', { name, grant_types: ['client_credentials'], permissions });
      assert.equal(created.statusCode, 201, created.body);
      const { client_id, client_secret } = created.json<{ client_id: string; client_secret: string }>();
      const config = await oidc.discovery(new URL(issuer), client_id, undefined, oidc.ClientSecretBasic(client_secret), { execute: [oidc.allowInsecureRequests] });
      return (await oidc.clientCredentialsGrant(config)).access_token;
    };
    const billing = await invoices(await machine('Billing job', ['invoices:read']));
    assert.equal(billing.status, 200);
    assert.ok(((await billing.json()) as { caller: { client?: string } }).caller.client);
    assert.equal((await invoices(await machine('Report job', ['users:admin']))).status, 403);

    // no token, or not one of Gatehouse's: 401
    assert.equal((await invoices()).status, 401);
    assert.equal((await invoices('not.a.token')).status, 401);
  });
});
