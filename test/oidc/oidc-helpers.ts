/**
 * Shared by the OIDC tests: openid-client's fetch answered by
 * app.inject, and a browser walk through Gatehouse's pages that stops where it leaves Gatehouse.
 */
import * as oidc from 'openid-client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { PageClient } from '../helpers/page-client.js';

export const ISSUER = 'http://localhost:8000';
export const REDIRECT = 'https://app.example.com/callback';

/** openid-client's fetch, answered by app.inject (no listening socket) */
export function injectFetch(app: FastifyInstance): oidc.CustomFetch {
  return (async (input: string, init: oidc.CustomFetchOptions) => {
    const url = new URL(input);
    const res = await app.inject({
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      ...(init.body !== undefined && init.body !== null ? { payload: typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body.toString() : Buffer.from(init.body as Uint8Array) } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [String(value)]) headers.append(name, v);
    }
    return new Response(res.statusCode === 204 ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers });
  }) as oidc.CustomFetch;
}

/** a confidential client's openid-client configuration over app.inject */
export function configFor(app: FastifyInstance, client: { client_id: string; client_secret: string }): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(ISSUER), client.client_id, undefined, oidc.ClientSecretBasic(client.client_secret), {
    execute: [oidc.allowInsecureRequests],
    [oidc.customFetch]: injectFetch(app),
  });
}

/** a new authorization request (PKCE S256, state, nonce) */
export async function authorization(config: oidc.Configuration, scope: string, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce, ...extra });
  return { url, verifier, state, nonce };
}

/** a path of this instance, or null when the location leaves Gatehouse */
export function local(location: string): string | null {
  const url = new URL(location, ISSUER);
  return url.origin === ISSUER ? `${url.pathname}${url.search}` : null;
}

/** follows redirects within Gatehouse; stops at a page or at a redirect that leaves it (`left`) */
export async function browse(browser: PageClient, res: LightMyRequestResponse): Promise<{ res: LightMyRequestResponse; left: string | null }> {
  for (let hops = 0; hops < 12; hops++) {
    if (res.statusCode < 300 || res.statusCode >= 400) return { res, left: null };
    const location = String(res.headers.location);
    const path = local(location);
    if (!path) return { res, left: location };
    res = await browser.get(path);
  }
  throw new Error('too many redirects');
}

/** the consent form's action on a consent page */
export function consentAction(body: string): string {
  return /<form method="post" action="([^"]+)"/.exec(body.split('<main')[1]!)![1]!;
}
