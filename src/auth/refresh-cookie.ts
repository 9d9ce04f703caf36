/**
 * The refresh-token cookie (docs/api.md): HttpOnly, SameSite=Lax, Path=/api/v1/auth, Secure unless
 * COOKIE_SECURE=false, host-only unless COOKIE_DOMAIN, Max-Age = the token's remaining lifetime.
 * Requests that authenticate with this cookie are checked against an Origin allow-list.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/load-config.js';
import { commonErrors } from '../errors.js';

export const COOKIE_PATH = '/api/v1/auth';

export type CookieSettings = Pick<Config, 'refreshCookieName' | 'cookieSecure' | 'cookieDomain' | 'publicOrigin' | 'corsOrigins'>;

export class RefreshCookie {
  readonly #allowedOrigins: Set<string>;

  constructor(private readonly config: CookieSettings) {
    this.#allowedOrigins = new Set([config.publicOrigin, ...config.corsOrigins]);
  }

  read(request: FastifyRequest): string | null {
    return request.cookies[this.config.refreshCookieName] ?? null;
  }

  set(reply: FastifyReply, token: string, expiresAt: Date, nowMs: number): void {
    reply.setCookie(this.config.refreshCookieName, token, {
      ...this.#attributes(),
      maxAge: Math.max(0, Math.floor((expiresAt.getTime() - nowMs) / 1000)),
    });
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(this.config.refreshCookieName, this.#attributes());
  }

  /** a browser request using the cookie must come from our own origin or an allowed one */
  assertOrigin(request: FastifyRequest): void {
    const origin = request.headers.origin;
    if (origin === undefined) return; // not a browser: no ambient-credential risk
    if (!this.#allowedOrigins.has(origin)) throw commonErrors.forbidden('Requests using the refresh cookie must come from an allowed origin.');
  }

  #attributes() {
    return {
      httpOnly: true,
      sameSite: 'lax' as const,
      path: COOKIE_PATH,
      secure: this.config.cookieSecure,
      ...(this.config.cookieDomain ? { domain: this.config.cookieDomain } : {}),
    };
  }
}
