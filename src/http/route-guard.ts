/**
 * Authentication and permission checks as route configuration: a route says
 * `config: { auth: 'required', permission: 'products:write' }` and this onRequest hook enforces
 * it before the body is even parsed, which gives SPEC §2's order of checks (401, then 403, then
 * 400 validation). Ownership checks come later, in the services. Who the caller is comes from an
 * Authenticator (auth-service), so this core module knows no feature.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { commonErrors } from '../errors.js';
import type { Principal } from '../principal.js';
import type { RequestContext } from '../request-context.js';
import { clientIp } from './client-ip.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** required: 401 without a valid token; optional: principal when a valid token is sent */
    auth?: 'required' | 'optional';
    permission?: string;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface Authenticator {
  /** the caller behind an access token, or null (invalid, expired, revoked, disabled user) */
  authenticate(accessToken: string): Promise<Principal | null>;
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

export function registerRouteGuard(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async function authenticateRequest(request) {
    const config = request.routeOptions.config;
    if (!config?.auth) return;
    const token = bearerToken(request);
    const principal = token ? await authenticator.authenticate(token) : null;
    if (!principal) {
      if (config.auth === 'optional') return;
      throw commonErrors.unauthorized();
    }
    request.principal = principal;
    if (config.permission && !principal.permissions.has(config.permission)) throw commonErrors.forbidden();
  });
}

/** the principal of a route declared with auth: 'required' */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw commonErrors.unauthorized();
  return request.principal;
}

export function requestContext(request: FastifyRequest): RequestContext {
  const ua = request.headers['user-agent'];
  return { actorId: request.principal?.userId ?? null, ip: clientIp(request), userAgent: typeof ua === 'string' ? ua : null };
}
