/**
 * Authentication and permission checks as route configuration: a route says
 * `config: { auth: 'required', permission: 'products:write' }` and this onRequest hook enforces
 * it before the body is even parsed, which gives docs/api.md's order of checks (401, then 403, then
 * 400 validation). Ownership checks come later, in the services. Who the caller is comes from an
 * Authenticator (auth-service), so this core module knows no feature.
 */
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors } from '../errors.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import { LOCALE_COOKIE, readerLocale } from '../i18n/locales.js';
import { clientIp } from './client-ip.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** required: 401 without a valid token; optional: principal when a valid token is sent */
    auth?: 'required' | 'optional';
    permission?: string;
    /**
     * a server-rendered page: the token comes from the page cookie (not a bearer header), a
     * missing session is answered by `PageCredentials.signIn` (a redirect) instead of a 401, and
     * errors are rendered as HTML pages
     */
    page?: true;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface Authenticator {
  /** the caller behind an access token, or null (invalid, expired, revoked, disabled user) */
  authenticate(accessToken: string): Promise<Principal | null>;
  /** the same from this second's caches alone; undefined when something has to be read */
  authenticateCached(accessToken: string): Principal | null | undefined;
}

/** how pages present credentials and what they answer when a signed-in user is required and missing */
export interface PageCredentials {
  /** the access token the page request carries (its cookie), or null */
  token(request: FastifyRequest): string | null;
  /** answers a page request without a usable session (sends a redirect) */
  signIn(request: FastifyRequest, reply: FastifyReply): void;
}

/**
 * The token of an `Authorization: Bearer <token>` header (scheme in any case), or null. Its syntax
 * is checked where it is verified (a malformed token never verifies), not by a pattern here: this
 * runs on every request.
 */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header || header.length < 8) return null;
  const scheme = header.slice(0, 7);
  if (scheme !== 'Bearer ' && scheme.toLowerCase() !== 'bearer ') return null;
  const token = header.slice(7).trim();
  return token === '' ? null : token;
}

/**
 * Adds the check to every route declared with `config.auth` (and only to those: the others pay
 * nothing). It runs first among the route's onRequest hooks, before any the route declares itself.
 * The common case — a token this second's caches already know — completes without a promise.
 */
export function registerRouteGuard(app: FastifyInstance, authenticator: Authenticator, pages?: PageCredentials): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', function guardRoute(route) {
    const config = route.config as FastifyContextConfig | undefined;
    if (!config?.auth) return;
    const { auth, permission } = config;
    const page = config.page === true ? pages : undefined;
    if (config.page === true && !page) throw new Error(`${route.url}: a page route needs the guard's PageCredentials`);
    const admit = (request: FastifyRequest, principal: Principal | null): Error | null => {
      if (!principal) return auth === 'optional' ? null : commonErrors.unauthorized();
      request.principal = principal;
      return permission && !principal.permissions.has(permission) ? commonErrors.forbidden() : null;
    };
    const finish = (request: FastifyRequest, reply: FastifyReply, principal: Principal | null, done: (error?: Error) => void): void => {
      // a page without a session: a redirect to sign in (the reply is sent; done is not called)
      if (page && !principal && auth === 'required') return page.signIn(request, reply);
      done(admit(request, principal) ?? undefined);
    };
    const guard = function authenticateRequest(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
      const token = page ? page.token(request) : bearerToken(request);
      const cached = token ? authenticator.authenticateCached(token) : null;
      if (cached !== undefined) return finish(request, reply, cached, done);
      authenticator.authenticate(token!).then(
        (principal) => finish(request, reply, principal, done),
        (error: Error) => done(error),
      );
    };
    const own = route.onRequest;
    route.onRequest = own === undefined ? [guard] : [guard, ...(Array.isArray(own) ? own : [own])];
  });
}

/** the principal of a route declared with auth: 'required' */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw commonErrors.unauthorized();
  return request.principal;
}

export function requestContext(request: FastifyRequest): RequestContext {
  const ua = request.headers['user-agent'];
  const lang = request.headers['accept-language'];
  // DEFAULT_LOCALE is not known here: no hint leaves the locale out, and the mail falls back to it
  const locale = readerLocale({ cookie: localeCookie(request), acceptLanguage: typeof lang === 'string' ? lang : undefined });
  return { actorId: request.principal?.userId ?? null, ip: clientIp(request), userAgent: typeof ua === 'string' ? ua : null, ...(locale ? { locale } : {}) };
}

/** the language switch's cookie, also on routes whose scope does not parse cookies (the JSON API) */
function localeCookie(request: FastifyRequest): string | undefined {
  const parsed = request.cookies?.[LOCALE_COOKIE];
  if (parsed !== undefined) return parsed;
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  return new RegExp(`(?:^|;\\s*)${LOCALE_COOKIE}=([^;]*)`).exec(header)?.[1]?.trim();
}
