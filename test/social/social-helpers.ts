/**
 * Real peers for the social sign-in suites: an OpenID Connect provider (oauth2-mock-server: real
 * discovery, JWKS, signed ID tokens, PKCE and nonce checks) and small HTTP doubles of GitHub's,
 * Facebook's and X's token and profile endpoints, plus a browser-like runner of the whole flow
 * (authorize → the provider's redirect → callback with the flow cookie).
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { OAuth2Server } from 'oauth2-mock-server';

/** wall time plus an offset tests move (JWTs from real peers carry real timestamps) */
export class OffsetClock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export interface OidcPeer {
  issuer: string;
  server: OAuth2Server;
  /** claims the next ID tokens carry (sub, email, email_verified, name, nonce, aud, exp…) */
  claims: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startOidcPeer(): Promise<OidcPeer> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const peer: OidcPeer = {
    issuer: server.issuer.url!.replace(/\/+$/, ''),
    server,
    claims: {},
    stop: () => server.stop(),
  };
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    // the ID token is the one with an audience (the access token of a code grant has none)
    if ('aud' in token.payload) Object.assign(token.payload, peer.claims);
  });
  return peer;
}

export function oidcEnv(id: string, peer: OidcPeer, extra: Record<string, string> = {}): Record<string, string> {
  const ID = id.toUpperCase();
  // no characters that form-encoding escapes: the mock reads HTTP Basic credentials without decoding them
  return { [`OAUTH_${ID}_CLIENT_ID`]: `${id}client`, [`OAUTH_${ID}_CLIENT_SECRET`]: `${id}secretvalue5150`, [`OAUTH_${ID}_ISSUER`]: peer.issuer, ...extra };
}

export interface FlowResult {
  authorize: LightMyRequestResponse;
  /** the provider's redirect back to us */
  providerLocation: URL | null;
  callback: LightMyRequestResponse | null;
  flowCookie: string | null;
}

/**
 * Runs a browser through the flow: our authorize redirect, the provider's authorization endpoint
 * (which answers at once with a redirect carrying code and state), then our callback with the flow
 * cookie. `tamper` may change the callback's query or cookie first.
 */
export async function runFlow(
  app: FastifyInstance,
  provider: string,
  options: { query?: string; headers?: Record<string, string>; callbackHeaders?: Record<string, string>; tamper?: (q: URLSearchParams, cookie: string | null) => string | null; beforeCallback?: () => void | Promise<void> } = {},
): Promise<FlowResult> {
  const authorize = await app.inject({ method: 'GET', url: `/api/v1/auth/oauth/${provider}/authorize${options.query ?? ''}`, headers: options.headers ?? {} });
  if (authorize.statusCode !== 302) return { authorize, providerLocation: null, callback: null, flowCookie: null };
  let flowCookie = authorize.cookies.find((c) => c.name === 'oauth_flow')?.value ?? null;
  const atProvider = await fetch(authorize.headers.location as string, { redirect: 'manual' });
  const back = new URL(atProvider.headers.get('location')!);
  if (options.tamper) flowCookie = options.tamper(back.searchParams, flowCookie);
  await options.beforeCallback?.();
  const callback = await app.inject({
    method: 'GET',
    url: `${back.pathname}${back.search}`,
    headers: { ...(flowCookie ? { cookie: `oauth_flow=${flowCookie}` } : {}), ...(options.callbackHeaders ?? {}) },
  });
  return { authorize, providerLocation: back, callback, flowCookie };
}

// ---- doubles of GitHub, Facebook and X ---------------------------------------------------------

export interface PlainPeer {
  url: string;
  /** the profile the next sign-in reports, in the provider's own shape */
  profile: Record<string, unknown>;
  /** GitHub: /user/emails */
  emails: Record<string, unknown>[];
  /** requests seen (method, path, headers, body), for assertions on client authentication */
  seen: { method: string; path: string; headers: IncomingMessage['headers']; body: URLSearchParams; query: URLSearchParams }[];
  stop(): Promise<void>;
}

/**
 * A double of a plain OAuth 2.0 provider, answering as the provider documents:
 * - GitHub: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 *   (token: POST /login/oauth/access_token with client_id, client_secret, code, redirect_uri,
 *   code_verifier; JSON `{ access_token, token_type: "bearer", scope }` when asked with
 *   Accept: application/json). A refused exchange is HTTP 200 too, with an `error` field
 *   (`bad_verification_code`, `incorrect_client_credentials`, `redirect_uri_mismatch`:
 *   https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors).
 *   Profile: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
 *   and https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
 * - Facebook: https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
 *   (token: GET /oauth/access_token?client_id&redirect_uri&client_secret&code, answering
 *   `{ access_token, token_type, expires_in }`; errors are HTTP 400 with `{ error: { message,
 *   type, code } }`), https://developers.facebook.com/docs/graph-api/reference/user
 *   (`/me?fields=…&access_token=…&appsecret_proof=…`)
 * - X: https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code
 *   (token: POST /2/oauth2/token, confidential clients with HTTP Basic; `{ token_type: "bearer",
 *   expires_in, access_token, scope }`), https://docs.x.com/x-api/users/user-lookup-me (`{ data: { id, name, username } }`)
 */
export async function startPlainPeer(kind: 'github' | 'facebook' | 'twitter', client: { id: string; secret: string }): Promise<PlainPeer> {
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  const tokens = new Set<string>();
  const peer: Omit<PlainPeer, 'url' | 'stop'> = { profile: {}, emails: [], seen: [] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://peer');
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = new URLSearchParams(raw);
      peer.seen.push({ method: req.method!, path: url.pathname, headers: req.headers, body, query: url.searchParams });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (url.pathname === '/authorize') {
        // no client, no way back: the provider shows its own error page
        if (!url.searchParams.get('redirect_uri') || !url.searchParams.get('state')) return send(400, { error: 'invalid_request' });
        const code = randomUUID();
        codes.set(code, { challenge: url.searchParams.get('code_challenge')!, redirectUri: url.searchParams.get('redirect_uri')! });
        const back = new URL(url.searchParams.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state')!);
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      // Facebook's token endpoint is a GET with the parameters in the query; the others POST a form
      const tokenMethod = kind === 'facebook' ? 'GET' : 'POST';
      if (url.pathname === '/token' && req.method === tokenMethod) {
        const params = kind === 'facebook' ? url.searchParams : body;
        const issued = codes.get(params.get('code') ?? '');
        codes.delete(params.get('code') ?? '');
        let id = params.get('client_id');
        let secret = params.get('client_secret');
        const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':') : null;
        if (basic) [id, secret] = basic.map(decodeURIComponent) as [string, string];
        const verifier = params.get('code_verifier') ?? '';
        const challengeOk = issued && createHash('sha256').update(verifier).digest('base64url') === issued.challenge;
        if (kind === 'github') {
          // GitHub: HTTP 200 whatever happened, the refusal in an `error` field
          const error = id !== client.id || secret !== client.secret ? 'incorrect_client_credentials' : !issued || !challengeOk ? 'bad_verification_code' : params.get('redirect_uri') !== issued.redirectUri ? 'redirect_uri_mismatch' : null;
          if (error) return send(200, { error, error_description: 'The request was refused.', error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors' });
        } else if (kind === 'facebook') {
          if (!issued || !challengeOk || id !== client.id || secret !== client.secret || params.get('redirect_uri') !== issued.redirectUri) {
            return send(400, { error: { message: 'Error validating verification code.', type: 'OAuthException', code: 100 } });
          }
        } else if (!issued || !challengeOk || id !== client.id || secret !== client.secret || params.get('redirect_uri') !== issued.redirectUri) {
          return send(400, { error: 'invalid_grant' });
        }
        const token = `at-${randomUUID()}`;
        tokens.add(token);
        if (kind === 'github') return send(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
        if (kind === 'facebook') return send(200, { access_token: token, token_type: 'bearer', expires_in: 5183944 });
        return send(200, { token_type: 'bearer', expires_in: 7200, access_token: token, scope: 'tweet.read users.read' });
      }
      if (url.pathname === '/token' && kind === 'facebook') return send(400, { error: { message: 'Unsupported post request.', type: 'GraphMethodException', code: 100 } });
      const bearer = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : url.searchParams.get('access_token');
      if (!bearer || !tokens.has(bearer)) return send(401, { message: 'Bad credentials' });
      if (kind === 'github' && url.pathname === '/user') return send(200, peer.profile);
      if (kind === 'github' && url.pathname === '/user/emails') return send(200, peer.emails);
      if (kind === 'facebook' && url.pathname === '/me') {
        // Graph API: a call with an appsecret_proof that does not match is refused
        const proof = createHmac('sha256', client.secret).update(bearer).digest('hex');
        if (url.searchParams.get('appsecret_proof') !== proof) return send(400, { error: { message: 'Invalid appsecret_proof provided in the API argument', type: 'GraphMethodException' } });
        return send(200, peer.profile);
      }
      if (kind === 'twitter' && url.pathname === '/2/users/me') return send(200, { data: peer.profile });
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(peer, { url, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

export function plainEnv(kind: 'github' | 'facebook' | 'twitter', peer: PlainPeer, client: { id: string; secret: string }): Record<string, string> {
  const ID = kind.toUpperCase();
  const profilePath = { github: '/user', facebook: '/me', twitter: '/2/users/me' }[kind];
  return {
    [`OAUTH_${ID}_CLIENT_ID`]: client.id,
    [`OAUTH_${ID}_CLIENT_SECRET`]: client.secret,
    [`OAUTH_${ID}_AUTHORIZATION_URL`]: `${peer.url}/authorize`,
    [`OAUTH_${ID}_TOKEN_URL`]: `${peer.url}/token`,
    [`OAUTH_${ID}_USERINFO_URL`]: `${peer.url}${profilePath}`,
  };
}
