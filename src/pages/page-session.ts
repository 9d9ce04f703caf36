/**
 * Sessions for the server-rendered pages. A page sign-in calls the same AuthService methods as
 * the API and gets the same grant: a real session, listed by GET /sessions and revocable there.
 * The browser then holds two cookies:
 *
 * - the docs/api.md refresh cookie, unchanged (Path=/api/v1/auth), and
 * - `gatehouse_session`: the short-lived access token itself (HttpOnly, SameSite=Lax, Path=/,
 *   Secure unless COOKIE_SECURE=false, Max-Age = the access token's lifetime).
 *
 * Page routes are guarded by the API's own route guard with this cookie as the credential, so a
 * revoked session or a disabled user is refused within docs/security.md's second, like a bearer token.
 * When the cookie is missing or no longer valid, a GET is sent (303) to GET
 * /api/v1/auth/page-session?next=<path> — under the refresh cookie's path, so the browser sends
 * it there — which rotates the refresh token through AuthService.refresh, sets both cookies again
 * and sends the browser back to `next` (same-origin paths only), or to /login?next=<path> when
 * there is no valid refresh cookie. The second-step cookie of a sign-in with MFA (`gatehouse_mfa`,
 * Path=/login, set by the OAuth callback too) is read and cleared here as well.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenGrant } from '../auth/auth-service.js';
import type { RefreshCookie } from '../auth/refresh-cookie.js';
import type { Config } from '../config/load-config.js';
import { CSRF_COOKIE } from '../http/csrf.js';
import { safeRedirectPath } from '../http/redirect-target.js';
import type { PageCredentials } from '../http/route-guard.js';
import { SECOND_STEP_COOKIE, secondStepCookie, secondStepCookieAttributes } from '../sign-in/second-step-cookie.js';

export const PAGE_COOKIE = 'gatehouse_session';
export const PAGE_SESSION_PATH = '/api/v1/auth/page-session';

export type PageSessionSettings = Pick<Config, 'cookieSecure' | 'cookieDomain' | 'publicOrigin'>;

export class PageSession implements PageCredentials {
  constructor(
    private readonly settings: PageSessionSettings,
    private readonly refreshCookie: RefreshCookie,
  ) {}

  token(request: FastifyRequest): string | null {
    const value = request.cookies?.[PAGE_COOKIE];
    return typeof value === 'string' && value.length > 0 && value.length <= 4096 ? value : null;
  }

  /** a page that needs a session and has none: renew it from the refresh cookie, then come back */
  signIn(request: FastifyRequest, reply: FastifyReply): void {
    // a form posted with an expired session comes back to the page it belongs to (its first path
    // segment: /account/totp/setup → /account), not to a URL that only takes posts
    const here = request.method === 'GET' ? request.url : `/${request.url.split('?', 1)[0]!.split('/')[1] ?? ''}`;
    const back = safeRedirectPath(here, this.settings.publicOrigin) ?? '/dashboard';
    void reply.redirect(`${PAGE_SESSION_PATH}?next=${encodeURIComponent(back)}`, 303);
  }

  /** a successful sign-in or renewal: both cookies, and no second step left pending */
  open(reply: FastifyReply, grant: TokenGrant): void {
    this.refreshCookie.set(reply, grant.refreshToken, grant.refreshExpiresAt, grant.refreshIssuedAt);
    reply.setCookie(PAGE_COOKIE, grant.accessToken, { ...this.#attributes('/'), maxAge: grant.expiresIn });
  }

  /** sign-out: every cookie Gatehouse set in this browser */
  clear(reply: FastifyReply): void {
    this.refreshCookie.clear(reply);
    reply.clearCookie(PAGE_COOKIE, this.#attributes('/'));
    reply.clearCookie(CSRF_COOKIE, this.#attributes('/'));
    this.clearSecondStep(reply);
  }

  /** the pending second step of a sign-in (password or social), or null */
  secondStep(request: FastifyRequest): string | null {
    const value = request.cookies?.[SECOND_STEP_COOKIE];
    return typeof value === 'string' && value.length > 0 ? value : null;
  }

  beginSecondStep(reply: FastifyReply, mfaToken: string): void {
    reply.setCookie(SECOND_STEP_COOKIE, mfaToken, secondStepCookie(this.settings.cookieSecure));
  }

  clearSecondStep(reply: FastifyReply): void {
    reply.clearCookie(SECOND_STEP_COOKIE, secondStepCookieAttributes(this.settings.cookieSecure));
  }

  /** `next` when it is a same-origin path, else the dashboard */
  target(next: unknown): string {
    return this.next(next) ?? '/dashboard';
  }

  /** `next` as given when it is a same-origin path (forms carry it on unchanged), else null */
  next(value: unknown): string | null {
    return typeof value === 'string' && safeRedirectPath(value, this.settings.publicOrigin) === value ? value : null;
  }

  #attributes(path: string) {
    return { httpOnly: true, sameSite: 'lax' as const, path, secure: this.settings.cookieSecure, ...(this.settings.cookieDomain ? { domain: this.settings.cookieDomain } : {}) };
  }
}
