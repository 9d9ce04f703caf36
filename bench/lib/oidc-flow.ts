/**
 * Scenario (o)'s browser: authorization codes obtained through a provider's real authorization
 * flow (GET /oidc/auth with PKCE S256, redirects followed with a cookie jar until the redirect
 * to the client's redirect URI), for the token endpoint to redeem. A browser session's first walk
 * signs in (and consents, or finds the consent); later walks carry the provider's session cookie,
 * so each code costs one authorization request, answered with the redirect carrying the code.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface PreparedCode {
  code: string;
  verifier: string;
}

/** cookies by name (paths are ignored: the walks stay on one origin and the names do not clash) */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  header(): string {
    return [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';', 1);
      const i = pair.indexOf('=');
      if (i < 1) continue;
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      // an expired or emptied cookie is removed
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.#cookies.has(name);
  }

  copy(): CookieJar {
    const jar = new CookieJar();
    for (const [n, v] of this.#cookies) jar.#cookies.set(n, v);
    return jar;
  }
}

async function send(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header();
  if (cookie) headers.set('cookie', cookie);
  const res = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  jar.take(res);
  return res;
}

/** signs in through Gatehouse's sign-in page (GET /login for the form's CSRF token, then POST) */
export async function pageSignIn(base: string, jar: CookieJar, login: string, password: string): Promise<void> {
  const page = await send(jar, `${base}/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  const form = new URLSearchParams({ login, password, ...(csrf ? { _csrf: csrf } : {}) });
  const res = await send(jar, `${base}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  await res.arrayBuffer();
  if (res.status !== 303) throw new Error(`(o) page sign-in: ${res.status}`);
}

/** one code: an authorization request, its redirects followed on `base` until the one to `redirectUri` */
export async function authorizationCode(base: string, jar: CookieJar, clientId: string, redirectUri: string, scope: string): Promise<PreparedCode> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('base64url');
  const q = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: redirectUri, scope, code_challenge: challenge, code_challenge_method: 'S256', state });
  let url = `${base}/oidc/auth?${q}`;
  for (let hops = 0; hops < 10; hops++) {
    const res = await send(jar, url);
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) throw new Error(`(o) authorization: ${res.status} at ${url}`);
    const next = new URL(location, url);
    if (`${next.origin}${next.pathname}` === redirectUri) {
      const code = next.searchParams.get('code');
      if (!code || next.searchParams.get('state') !== state) throw new Error(`(o) authorization ended without a code: ${location}`);
      return { code, verifier };
    }
    url = next.href;
  }
  throw new Error('(o) authorization: too many redirects');
}

/**
 * `workers` browsers in parallel get codes until `count` are ready or `maxS` seconds have passed;
 * the codes and the rate. Each starts from `signedIn` (Gatehouse: its page session cookie; the
 * bare provider: nothing) and begins a new provider session every `perSession` codes (its first
 * authorization signs in through the interaction; the consent is given or found there).
 */
export async function prepareCodes(
  base: string,
  signedIn: CookieJar,
  o: { clientId: string; redirectUri: string; scope: string; count: number; maxS: number; workers: number; perSession: number },
): Promise<{ codes: PreparedCode[]; seconds: number; perSecond: number }> {
  const codes: PreparedCode[] = [];
  const t0 = performance.now();
  const deadline = t0 + o.maxS * 1000;
  await Promise.all(
    Array.from({ length: o.workers }, async () => {
      let jar = signedIn.copy();
      for (let mine = 0; codes.length < o.count && performance.now() < deadline; mine++) {
        if (mine > 0 && mine % o.perSession === 0) jar = signedIn.copy();
        codes.push(await authorizationCode(base, jar, o.clientId, o.redirectUri, o.scope));
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { codes, seconds, perSecond: codes.length / seconds };
}
