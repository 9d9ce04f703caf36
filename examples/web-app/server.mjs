/**
 * A small web application that signs its users in with Gatehouse (OpenID Connect, authorization
 * code flow with PKCE, state and nonce), using `openid-client` and nothing but node:http.
 *
 *   GET /          the signed-in user's name and email, or a "Sign in" link
 *   GET /login     starts the sign-in: redirects the browser to Gatehouse
 *   GET /callback  where Gatehouse sends the browser back: the code is exchanged for tokens
 *   GET /logout    forgets the user here and signs them out of Gatehouse (RP-initiated logout)
 *
 * Run it against a local Gatehouse (see README.md):
 *   GATEHOUSE_ISSUER=http://localhost:8000 CLIENT_ID=... CLIENT_SECRET=... PORT=3000 node examples/web-app/server.mjs
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { URL } from 'node:url';
import * as oidc from 'openid-client';

const SESSION_COOKIE = 'webapp_session';

/** HTML-escapes a value shown on a page */
function escape(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function page(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example app</title></head><body>${body}</body></html>`);
}

function redirect(res, location, headers = {}) {
  res.writeHead(302, { location, 'cache-control': 'no-store', ...headers });
  res.end();
}

function cookieOf(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

/**
 * Starts the web app; resolves to { url, close }.
 * @param {{ issuer: string, clientId: string, clientSecret: string, port?: number, host?: string, baseUrl?: string }} options
 *   baseUrl: where browsers reach this app (default http://localhost:<port>); Gatehouse must have
 *   `<baseUrl>/callback` among the client's redirect_uris and `<baseUrl>/` among its post_logout_redirect_uris.
 */
export async function start({ issuer, clientId, clientSecret, port = 3000, host = '127.0.0.1', baseUrl }) {
  const issuerUrl = new URL(issuer);
  // plain http is for a Gatehouse on this machine only; anywhere else it is https
  const config = await oidc.discovery(issuerUrl, clientId, undefined, oidc.ClientSecretBasic(clientSecret), issuerUrl.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined);

  /** session id → { flow?: { verifier, state, nonce }, user?: claims, idToken? } (in memory: an example) */
  const sessions = new Map();
  let base = baseUrl;

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      // an error from Gatehouse (e.g. access_denied, a replayed code) or a stale sign-in attempt
      page(res, 400, `<h1>Sign-in failed</h1><p>${escape(error.error ?? error.code ?? 'error')}: ${escape(error.error_description ?? error.message)}</p><p><a href="/">Home</a></p>`);
    });
  });

  async function handle(req, res) {
    const url = new URL(req.url ?? '/', base);
    const sid = cookieOf(req, SESSION_COOKIE);
    const session = sid ? sessions.get(sid) : undefined;

    if (req.method === 'GET' && url.pathname === '/') {
      if (!session?.user) return page(res, 200, '<h1>Example app</h1><p>You are not signed in.</p><p><a href="/login">Sign in with Gatehouse</a></p>');
      const { name, email, preferred_username: username } = session.user;
      return page(res, 200, `<h1>Example app</h1><p>Signed in as <strong class="name">${escape(name ?? username ?? session.user.sub)}</strong> (<span class="email">${escape(email)}</span>).</p><p><a href="/logout">Sign out</a></p>`);
    }

    if (req.method === 'GET' && url.pathname === '/login') {
      const flow = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
      const id = randomBytes(24).toString('base64url');
      sessions.set(id, { flow });
      const to = oidc.buildAuthorizationUrl(config, {
        redirect_uri: `${base}/callback`,
        scope: 'openid profile email',
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      return redirect(res, to.href, { 'set-cookie': `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax` });
    }

    if (req.method === 'GET' && url.pathname === '/callback') {
      if (!session?.flow) return page(res, 400, '<h1>Sign-in failed</h1><p>No sign-in was started in this browser.</p><p><a href="/login">Try again</a></p>');
      const { flow } = session;
      delete session.flow; // one use
      // checks state, the code's PKCE verifier, the ID token's signature, issuer, audience and nonce
      const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
      const claims = tokens.claims();
      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      session.user = { ...claims, ...info };
      session.idToken = tokens.id_token;
      return redirect(res, '/');
    }

    if (req.method === 'GET' && url.pathname === '/logout') {
      if (sid) sessions.delete(sid);
      const clear = { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` };
      if (!session?.idToken) return redirect(res, '/', clear);
      const to = oidc.buildEndSessionUrl(config, { id_token_hint: session.idToken, post_logout_redirect_uri: `${base}/` });
      return redirect(res, to.href, clear);
    }

    return page(res, 404, '<h1>Not found</h1>');
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  base = (base ?? `http://localhost:${address.port}`).replace(/\/$/, '');
  return {
    url: base,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

// run from the command line: configured by the environment
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { GATEHOUSE_ISSUER, CLIENT_ID, CLIENT_SECRET, PORT, BASE_URL } = process.env;
  if (!GATEHOUSE_ISSUER || !CLIENT_ID || !CLIENT_SECRET) {
    console.error('set GATEHOUSE_ISSUER, CLIENT_ID and CLIENT_SECRET (see examples/web-app/README.md)');
    process.exit(1);
  }
  const app = await start({ issuer: GATEHOUSE_ISSUER, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, port: Number(PORT ?? 3000), ...(BASE_URL ? { baseUrl: BASE_URL } : {}) });
  console.log(`example web app on ${app.url} (sign in at ${app.url}/login)`);
}
