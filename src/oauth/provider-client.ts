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
import { oauthErrors, OAuthFailure } from './oauth-errors.js';
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
    if (params.has('error')) throw params.get('error') === 'access_denied' ? oauthErrors.accessDenied() : oauthErrors.providerError();
    const as = await this.#metadata(p);
    const client: oauth.Client = { client_id: p.clientId };
    let callback: URLSearchParams;
    try {
      callback = oauth.validateAuthResponse(as, client, params, secrets.state);
    } catch {
      throw oauthErrors.invalidState();
    }
    const options = this.#options();
    let tokens: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.authorizationCodeGrantRequest(as, client, this.#clientAuth(p, as), callback, redirectUri, secrets.codeVerifier, options);
      tokens = await oauth.processAuthorizationCodeResponse(as, client, response, p.kind === 'oidc' ? { expectedNonce: secrets.nonce ?? oauth.expectNoNonce, requireIdToken: true } : {});
    } catch (error) {
      throw this.#classify(error);
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
    try {
      // the signature, against the issuer's published keys; issuer, audience and expiry again
      await jwtVerify(tokens.id_token, this.#keys(as.jwks_uri), {
        issuer: as.issuer,
        audience: p.clientId,
        currentDate: new Date(this.o.clock.now()),
        ...(as.id_token_signing_alg_values_supported ? { algorithms: as.id_token_signing_alg_values_supported.filter((a) => a !== 'none') } : {}),
      });
    } catch {
      throw oauthErrors.invalidIdToken();
    }
    let source: Record<string, unknown> = claims;
    if (!str(claims.email) && as.userinfo_endpoint) {
      try {
        const response = await oauth.userInfoRequest(as, client, tokens.access_token, this.#options());
        source = { ...(await oauth.processUserInfoResponse(as, client, claims.sub, response)) };
      } catch (error) {
        throw this.#classify(error);
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
    const user = await this.#getJson(base, headers);
    const emails = await this.#getJson(`${base}/emails`, headers);
    const id = user.id;
    if ((typeof id !== 'number' && typeof id !== 'string') || String(id) === '') throw oauthErrors.providerError();
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
    const me = await this.#getJson(url.href, {});
    const id = str(me.id);
    if (!id) throw oauthErrors.providerError();
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
    const body = await this.#getJson(url.href, { authorization: `Bearer ${accessToken}` });
    const data = (body.data ?? {}) as Record<string, unknown>;
    const id = str(data.id);
    if (!id) throw oauthErrors.providerError();
    const email = str(data.confirmed_email);
    return { subject: id, email, emailVerified: email !== null, name: str(data.name) ?? str(data.username), avatarUrl: str(data.profile_image_url) };
  }

  async #getJson(url: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
    this.#assertProtocol(url);
    try {
      const response = await fetch(url, { headers: { 'user-agent': 'Gatehouse', accept: 'application/json', ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body: unknown = await response.json();
      if (typeof body !== 'object' || body === null) throw new Error('not a JSON object');
      return body as Record<string, unknown>;
    } catch {
      throw oauthErrors.providerError();
    }
  }

  #assertProtocol(url: string): void {
    if (this.o.production && !url.startsWith('https://')) throw oauthErrors.providerError();
  }

  #options(): { [oauth.allowInsecureRequests]?: boolean; signal: AbortSignal } {
    return { signal: AbortSignal.timeout(TIMEOUT_MS), ...(this.o.production ? {} : { [oauth.allowInsecureRequests]: true }) };
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
  async #metadata(p: ResolvedProvider): Promise<oauth.AuthorizationServer> {
    if (p.kind !== 'oidc') {
      if (!p.authorizationUrl || !p.tokenUrl || !p.userinfoUrl) throw oauthErrors.providerError();
      for (const url of [p.authorizationUrl, p.tokenUrl, p.userinfoUrl]) this.#assertProtocol(url);
      return { issuer: new URL(p.authorizationUrl).origin, authorization_endpoint: p.authorizationUrl, token_endpoint: p.tokenUrl, userinfo_endpoint: p.userinfoUrl };
    }
    if (!p.issuer) throw oauthErrors.providerError();
    const issuer = p.issuer;
    let discovered: oauth.AuthorizationServer;
    try {
      discovered = await this.#discovery.get(issuer, async () => {
        const url = new URL(issuer);
        const response = await oauth.discoveryRequest(url, { algorithm: 'oidc', ...this.#options() });
        return oauth.processDiscoveryResponse(url, response);
      });
    } catch {
      throw oauthErrors.providerError();
    }
    return {
      ...discovered,
      ...(p.authorizationUrl ? { authorization_endpoint: p.authorizationUrl } : {}),
      ...(p.tokenUrl ? { token_endpoint: p.tokenUrl } : {}),
      ...(p.userinfoUrl ? { userinfo_endpoint: p.userinfoUrl } : {}),
    };
  }

  #keys(jwksUri: string): JWTVerifyGetKey {
    this.#assertProtocol(jwksUri);
    let keys = this.#jwks.get(jwksUri);
    if (!keys) {
      if (this.#jwks.size >= 100) this.#jwks.clear();
      keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: TIMEOUT_MS });
      this.#jwks.set(jwksUri, keys);
    }
    return keys;
  }

  /** an error of the token request or its processing → what the user is told */
  #classify(error: unknown): OAuthFailure {
    if (error instanceof OAuthFailure) return error;
    if (error instanceof oauth.OperationProcessingError && (error.code === oauth.JWT_CLAIM_COMPARISON || error.code === oauth.JWT_TIMESTAMP_CHECK)) return oauthErrors.invalidIdToken();
    if (error instanceof oauth.ResponseBodyError && error.error === 'access_denied') return oauthErrors.accessDenied();
    return oauthErrors.providerError();
  }
}
