/**
 * Talks to the providers: builds the authorization URL and completes the code flow. The OAuth and
 * OpenID Connect protocol work is oauth4webapi's (state, PKCE, the token request, the ID token's
 * issuer, audience, expiry and nonce); the ID token's signature is checked with jose against the
 * provider's published keys (a code flow may skip it under TLS, we do not). GitHub, Facebook and X
 * are plain OAuth 2.0: the profile comes from their APIs, each documented where it is read.
 *
 * Discovery documents are cached for at most one second (like everything else in-process); the
 * provider's signing keys are kept per JWKS URL by jose, which refetches on an unknown key id.
 * Provider URLs must be https when NODE_ENV=production.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { TtlCache } from '../cache/ttl-cache.js';
import type { Clock } from '../clock.js';
import { oauthErrors, OAuthFailure, ProviderCallFailed } from './social-errors.js';
import type { ResolvedProvider } from './providers-service.js';

/** what Gatehouse keeps from a provider's account */
export interface ProviderProfile {
  subject: string;
  email: string | null;
  /** true only when the provider vouches for the address (never assumed) */
  emailVerified: boolean;
  name: string | null;
  avatarUrl: string | null;
}

export interface FlowSecrets {
  state: string;
  codeVerifier: string;
  /** OIDC only */
  nonce: string | null;
}

const TIMEOUT_MS = 10_000;
/** an admin waits for the reachability check of a provider at most this long */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Why a call failed, for the log: HTTP status and the provider's error code, or the network
 * error. Never the provider's free-text description, a URL (Facebook's carry the access token) or
 * a request body.
 */
export function whyFailed(error: unknown): string {
  if (error instanceof ProviderCallFailed) return error.why;
  if (error instanceof oauth.ResponseBodyError) return `HTTP ${error.status}, error ${JSON.stringify(error.error)}`;
  if (error instanceof oauth.WWWAuthenticateChallengeError) return `HTTP ${error.status}, WWW-Authenticate challenge`;
  if (error instanceof oauth.OperationProcessingError) return `invalid response (${error.code ?? 'unknown'}): ${error.message}`;
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return 'unknown error';
}

function sameSecret(a: string | null | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export class ProviderClient {
  readonly #discovery: TtlCache<oauth.AuthorizationServer>;
  readonly #jwks = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly o: { production: boolean; clock: Clock }) {
    this.#discovery = new TtlCache(1000, 1000, () => o.clock.now());
  }

  async authorizationUrl(p: ResolvedProvider, redirectUri: string, secrets: FlowSecrets): Promise<URL> {
    const as = await this.#metadata(p);
    if (!as.authorization_endpoint) throw oauthErrors.providerError();
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', p.clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('scope', p.scopes.join(' '));
    url.searchParams.set('state', secrets.state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(secrets.codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    if (secrets.nonce) url.searchParams.set('nonce', secrets.nonce);
    return url;
  }

  /**
   * The callback's parameters → the provider's account. Throws an OAuthFailure naming what went
   * wrong (denied, provider error, state, ID token); nothing is kept from a failed flow.
   */
  async complete(p: ResolvedProvider, redirectUri: string, params: URLSearchParams, secrets: FlowSecrets): Promise<ProviderProfile> {
    // the state first: a response that is not ours is not even looked at (nor is its error)
    if (!sameSecret(params.get('state'), secrets.state)) throw oauthErrors.invalidState();
    if (params.has('error')) {
      const code = params.get('error');
      throw code === 'access_denied' ? oauthErrors.accessDenied() : oauthErrors.providerError(new ProviderCallFailed(p.id, 'authorization', `the provider answered error ${JSON.stringify(code?.slice(0, 100))}`));
    }
    const as = await this.#metadata(p);
    const client: oauth.Client = { client_id: p.clientId };
    let callback: URLSearchParams;
    try {
      callback = oauth.validateAuthResponse(as, client, params, secrets.state);
    } catch {
      throw oauthErrors.invalidState();
    }
    const options = { ...this.#options(), ...this.#tokenFetch(p) };
    let tokens: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.authorizationCodeGrantRequest(as, client, this.#clientAuth(p, as), callback, redirectUri, secrets.codeVerifier, options);
      tokens = await oauth.processAuthorizationCodeResponse(as, client, response, p.kind === 'oidc' ? { expectedNonce: secrets.nonce ?? oauth.expectNoNonce, requireIdToken: true } : {});
    } catch (error) {
      throw this.#classify(p, 'token', error);
    }
    switch (p.kind) {
      case 'oidc':
        return this.#oidcProfile(p, as, client, tokens);
      case 'github':
        return this.#githubProfile(p, tokens.access_token);
      case 'facebook':
        return this.#facebookProfile(p, tokens.access_token);
      case 'twitter':
        return this.#twitterProfile(p, tokens.access_token);
    }
  }

  async #oidcProfile(p: ResolvedProvider, as: oauth.AuthorizationServer, client: oauth.Client, tokens: oauth.TokenEndpointResponse): Promise<ProviderProfile> {
    const claims = oauth.getValidatedIdTokenClaims(tokens);
    if (!claims || !tokens.id_token || !as.jwks_uri) throw oauthErrors.invalidIdToken();
    this.#assertProtocol(p, as.jwks_uri);
    try {
      // the signature, against the issuer's published keys; issuer, audience and expiry again
      await jwtVerify(tokens.id_token, this.#keys(as.jwks_uri), {
        issuer: as.issuer,
        audience: p.clientId,
        currentDate: new Date(this.o.clock.now()),
        ...(as.id_token_signing_alg_values_supported ? { algorithms: as.id_token_signing_alg_values_supported.filter((a) => a !== 'none') } : {}),
      });
    } catch (error) {
      // a bad signature, or the issuer's keys that could not be fetched: logged with its cause
      throw oauthErrors.invalidIdToken(new ProviderCallFailed(p.id, 'id token', whyFailed(error)));
    }
    let source: Record<string, unknown> = claims;
    if (!str(claims.email) && as.userinfo_endpoint) {
      try {
        const response = await oauth.userInfoRequest(as, client, tokens.access_token, this.#options());
        source = { ...(await oauth.processUserInfoResponse(as, client, claims.sub, response)) };
      } catch (error) {
        throw this.#classify(p, 'userinfo', error);
      }
    }
    return {
      subject: claims.sub,
      email: str(source.email),
      // OIDC Core §5.1: email_verified is a boolean; anything else is "not verified"
      emailVerified: str(source.email) !== null && source.email_verified === true,
      name: str(source.name),
      avatarUrl: str(source.picture),
    };
  }

  /**
   * GitHub: GET /user (https://docs.github.com/en/rest/users/users#get-the-authenticated-user) for
   * the id and profile, GET /user/emails (https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user)
   * for the primary address and whether GitHub verified it (the /user `email` is the public one,
   * unverified as far as the API says).
   */
  async #githubProfile(p: ResolvedProvider, accessToken: string): Promise<ProviderProfile> {
    const base = p.userinfoUrl!.replace(/\/+$/, '');
    const headers = { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
    const user = await this.#getJson(p, 'profile', base, headers);
    const emails = await this.#getJson(p, 'emails', `${base}/emails`, headers);
    const id = user.id;
    if ((typeof id !== 'number' && typeof id !== 'string') || String(id) === '') throw this.#failed(p, 'profile', 'no account id in the answer');
    const primary = Array.isArray(emails) ? (emails as Record<string, unknown>[]).find((e) => e && e.primary === true) : undefined;
    return {
      subject: String(id),
      email: str(primary?.email),
      emailVerified: str(primary?.email) !== null && primary?.verified === true,
      name: str(user.name) ?? str(user.login),
      avatarUrl: str(user.avatar_url),
    };
  }

  /**
   * Facebook: GET /me?fields=id,name,email,picture with an appsecret_proof
   * (https://developers.facebook.com/docs/graph-api/reference/user,
   * https://developers.facebook.com/docs/graph-api/securing-requests#appsecret_proof). The Graph
   * API says nothing about whether the address was confirmed, so it never counts as verified: a
   * Facebook sign-in never links to an existing account by email.
   */
  async #facebookProfile(p: ResolvedProvider, accessToken: string): Promise<ProviderProfile> {
    const url = new URL(p.userinfoUrl!);
    url.searchParams.set('fields', 'id,name,email,picture');
    url.searchParams.set('access_token', accessToken);
    if (p.clientSecret) url.searchParams.set('appsecret_proof', createHmac('sha256', p.clientSecret).update(accessToken).digest('hex'));
    const me = await this.#getJson(p, 'profile', url.href, {});
    const id = str(me.id);
    if (!id) throw this.#failed(p, 'profile', 'no account id in the answer');
    const picture = (me.picture as { data?: { url?: unknown } } | undefined)?.data?.url;
    return { subject: id, email: str(me.email), emailVerified: false, name: str(me.name), avatarUrl: str(picture) };
  }

  /**
   * X: GET /2/users/me (https://docs.x.com/x-api/users/user-lookup-me) → `{ data: { id, name,
   * username, profile_image_url } }`. X shares an address only with the `users.email` scope, as
   * `confirmed_email` (confirmed by X, so verified); without it the account has no email.
   */
  async #twitterProfile(p: ResolvedProvider, accessToken: string): Promise<ProviderProfile> {
    const url = new URL(p.userinfoUrl!);
    const fields = ['profile_image_url', ...(p.scopes.includes('users.email') ? ['confirmed_email'] : [])];
    url.searchParams.set('user.fields', fields.join(','));
    const body = await this.#getJson(p, 'profile', url.href, { authorization: `Bearer ${accessToken}` });
    const data = (body.data ?? {}) as Record<string, unknown>;
    const id = str(data.id);
    if (!id) throw this.#failed(p, 'profile', 'no account id in the answer');
    const email = str(data.confirmed_email);
    return { subject: id, email, emailVerified: email !== null, name: str(data.name) ?? str(data.username), avatarUrl: str(data.profile_image_url) };
  }

  async #getJson(p: ResolvedProvider, step: string, url: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
    this.#assertProtocol(p, url);
    try {
      const response = await fetch(url, { headers: { 'user-agent': 'Gatehouse', accept: 'application/json', ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
      if (!response.ok) throw new ProviderCallFailed(p.id, step, `HTTP ${response.status}`);
      const body: unknown = await response.json();
      if (typeof body !== 'object' || body === null) throw new ProviderCallFailed(p.id, step, 'the answer is not a JSON object');
      return body as Record<string, unknown>;
    } catch (error) {
      throw this.#failed(p, step, whyFailed(error));
    }
  }

  #failed(p: ResolvedProvider, step: string, why: string): OAuthFailure {
    return oauthErrors.providerError(new ProviderCallFailed(p.id, step, why));
  }

  #assertProtocol(p: ResolvedProvider, url: string): void {
    if (this.o.production && !url.startsWith('https://')) throw this.#failed(p, 'configuration', 'an endpoint is not https while NODE_ENV=production');
  }

  /**
   * The token request as each provider documents it, where that differs from RFC 6749:
   * - Facebook's token endpoint is a GET with the parameters in the query
   *   (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#confirm);
   * - GitHub answers a refused code exchange with HTTP 200 and an `error` field in the body
   *   (https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors):
   *   read as the error answer it is (HTTP 400), so it is a provider error with its code.
   */
  #tokenFetch(p: ResolvedProvider): { [oauth.customFetch]?: (url: string, options: oauth.CustomFetchOptions<'POST', URLSearchParams>) => Promise<Response> } {
    if (p.kind === 'facebook') {
      return {
        [oauth.customFetch]: (url, options) => {
          const target = new URL(url);
          for (const [k, v] of options.body) target.searchParams.set(k, v);
          const headers = new Headers(options.headers);
          headers.delete('content-type');
          return fetch(target, { method: 'GET', headers, signal: options.signal, redirect: 'error' });
        },
      };
    }
    if (p.kind === 'github') {
      return {
        [oauth.customFetch]: async (url, options) => {
          const response = await fetch(url, { ...options, redirect: 'error' });
          if (response.status !== 200) return response;
          const text = await response.text();
          let body: unknown = null;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: oauth4webapi refuses it below
          }
          const refused = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string';
          return new Response(text, { status: refused ? 400 : 200, headers: response.headers });
        },
      };
    }
    return {};
  }

  /**
   * Whether the provider answers, before an admin enables it: an OpenID Connect provider's
   * discovery document (with its authorization and token endpoints); a plain provider's
   * endpoints each answer HTTP at all (any status: without a code or token they refuse).
   */
  async probe(p: ResolvedProvider): Promise<void> {
    if (p.kind === 'oidc') {
      const as = await this.#metadata(p, PROBE_TIMEOUT_MS, false);
      if (!as.authorization_endpoint || !as.token_endpoint) throw new ProviderCallFailed(p.id, 'discovery', 'no authorization or token endpoint in the discovery document');
      return;
    }
    const endpoints = [
      ['authorization endpoint', p.authorizationUrl],
      ['token endpoint', p.tokenUrl],
      ['profile endpoint', p.userinfoUrl],
    ] as const;
    await Promise.all(
      endpoints.map(async ([step, url]) => {
        if (!url) throw new ProviderCallFailed(p.id, step, 'not configured');
        try {
          const response = await fetch(url, { method: 'GET', headers: { 'user-agent': 'Gatehouse' }, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'manual' });
          await response.body?.cancel();
        } catch (error) {
          throw new ProviderCallFailed(p.id, step, whyFailed(error));
        }
      }),
    );
  }

  #options(timeoutMs = TIMEOUT_MS): { [oauth.allowInsecureRequests]?: boolean; signal: AbortSignal } {
    return { signal: AbortSignal.timeout(timeoutMs), ...(this.o.production ? {} : { [oauth.allowInsecureRequests]: true }) };
  }

  #clientAuth(p: ResolvedProvider, as: oauth.AuthorizationServer): oauth.ClientAuth {
    if (!p.clientSecret) return oauth.None();
    switch (p.kind) {
      // both document the secret as a form parameter of the token request
      case 'github':
      case 'facebook':
        return oauth.ClientSecretPost(p.clientSecret);
      // X: confidential clients authenticate with HTTP Basic
      case 'twitter':
        return oauth.ClientSecretBasic(p.clientSecret);
      case 'oidc': {
        const methods = as.token_endpoint_auth_methods_supported;
        if (methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')) return oauth.ClientSecretPost(p.clientSecret);
        return oauth.ClientSecretBasic(p.clientSecret);
      }
    }
  }

  /** the provider's metadata: discovered (OIDC, endpoint overrides applied) or from its settings */
  async #metadata(p: ResolvedProvider, timeoutMs = TIMEOUT_MS, cached = true): Promise<oauth.AuthorizationServer> {
    if (p.kind !== 'oidc') {
      if (!p.authorizationUrl || !p.tokenUrl || !p.userinfoUrl) throw this.#failed(p, 'configuration', 'an endpoint is missing');
      for (const url of [p.authorizationUrl, p.tokenUrl, p.userinfoUrl]) this.#assertProtocol(p, url);
      return { issuer: new URL(p.authorizationUrl).origin, authorization_endpoint: p.authorizationUrl, token_endpoint: p.tokenUrl, userinfo_endpoint: p.userinfoUrl };
    }
    if (!p.issuer) throw this.#failed(p, 'configuration', 'no issuer');
    const issuer = p.issuer;
    this.#assertProtocol(p, issuer);
    const discover = async () => {
      const url = new URL(issuer);
      const response = await oauth.discoveryRequest(url, { algorithm: 'oidc', ...this.#options(timeoutMs) });
      return oauth.processDiscoveryResponse(url, response);
    };
    let discovered: oauth.AuthorizationServer;
    try {
      discovered = cached ? await this.#discovery.get(issuer, discover) : await discover();
    } catch (error) {
      throw this.#failed(p, `discovery from ${issuer}`, whyFailed(error));
    }
    return {
      ...discovered,
      ...(p.authorizationUrl ? { authorization_endpoint: p.authorizationUrl } : {}),
      ...(p.tokenUrl ? { token_endpoint: p.tokenUrl } : {}),
      ...(p.userinfoUrl ? { userinfo_endpoint: p.userinfoUrl } : {}),
    };
  }

  #keys(jwksUri: string): JWTVerifyGetKey {
    let keys = this.#jwks.get(jwksUri);
    if (!keys) {
      if (this.#jwks.size >= 100) this.#jwks.clear();
      keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: TIMEOUT_MS });
      this.#jwks.set(jwksUri, keys);
    }
    return keys;
  }

  /** an error of the token request or its processing → what the user is told (the cause kept for the log) */
  #classify(p: ResolvedProvider, step: string, error: unknown): OAuthFailure {
    if (error instanceof OAuthFailure) return error;
    if (error instanceof oauth.OperationProcessingError && (error.code === oauth.JWT_CLAIM_COMPARISON || error.code === oauth.JWT_TIMESTAMP_CHECK)) return oauthErrors.invalidIdToken();
    if (error instanceof oauth.ResponseBodyError && error.error === 'access_denied') return oauthErrors.accessDenied();
    return this.#failed(p, step, whyFailed(error));
  }
}
