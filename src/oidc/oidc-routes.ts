/**
 * The OpenID Connect provider's endpoints, handed to the library as they arrive: the discovery
 * document at /.well-known/openid-configuration and everything under /oidc/. The library answers
 * its errors the OAuth way ({ error, error_description }), not as problem+json, and reads its own
 * request bodies, so in this scope no body parser runs, the reply is the library's (hijacked), and
 * only the headers every response carries are set here. The API-wide rate limit, the route guard
 * and CSRF checks concern /api/ and the pages: they do not apply here.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimit } from '../config/load-config.js';
import { DomainError } from '../errors.js';
import { clientIp } from '../http/client-ip.js';
import { BASE_SECURITY_HEADERS, HSTS } from '../http/problem.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import { OIDC_PREFIX, type OidcProviderHost } from './oidc-provider.js';

/**
 * No script, no framing; the pages' own stylesheet only. `script-src` is named so the library can
 * allow the one inline script it writes, by its hash (helpers/script_src_sha.js adds the hash only
 * to a script-src it finds): the auto-submitting form of response_mode=form_post and of a sign-out
 * confirmed without a session. Without it that script is blocked and the browser stays on a blank
 * page. Nothing else may run: 'none' matches nothing, and a hash matches only that script.
 */
const OIDC_CSP = "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

export interface OidcProviderRoutesOptions {
  host: OidcProviderHost;
  publicUrl: string;
  hsts: boolean;
  limiter: RateLimiter;
  /** RATE_LIMIT_OIDC_TOKEN_IP */
  tokenLimit: RateLimit | null;
}

export const oidcProviderRoutes: FastifyPluginAsync<OidcProviderRoutesOptions> = async (app, { host, publicUrl, hsts, limiter, tokenLimit }) => {
  const issuer = new URL(publicUrl);
  const headers: Record<string, string> = { ...BASE_SECURITY_HEADERS, 'content-security-policy': OIDC_CSP, ...(hsts ? { 'strict-transport-security': HSTS } : {}) };

  // the body stays unread for the library
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', function leaveBodyToTheProvider(_request, _payload, done) {
    done(null, undefined);
  });

  async function forwardToProvider(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (tokenLimit && request.method === 'POST' && (request.params as { '*'?: string })['*'] === 'token') {
      try {
        await limiter.hit('oidc-token-ip', clientIp(request), tokenLimit);
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'rate_limited') throw error;
        // answered the OAuth way, like every error of these endpoints
        return reply.status(429).headers(error.headers).send({ error: 'temporarily_unavailable', error_description: error.detail });
      }
    }
    const current = host.current();
    if (!current) {
      // no active signing key at this moment (one was just revoked): nothing may be signed
      return reply.status(503).header('retry-after', '1').send({ error: 'temporarily_unavailable', error_description: 'no signing key is active; retry shortly' });
    }
    // CORS for the origins of CORS_ORIGINS: the Fastify CORS plugin has set its headers on the
    // reply, which the hijack would drop; on the raw response they also tell the library to leave
    // CORS alone (it answers an unlisted origin by its own rule, clientBasedCORS)
    const cors = Object.entries(reply.getHeaders()).filter(([name]) => name.startsWith('access-control-') || name === 'vary');
    reply.hijack();
    const raw = reply.raw;
    for (const [name, value] of Object.entries(headers)) raw.setHeader(name, value);
    for (const [name, value] of cors) if (value !== undefined) raw.setHeader(name, value as string | string[]);
    // a browser client reads the error of a refused bearer token (userinfo) from this header
    if (cors.some(([name]) => name === 'access-control-allow-origin')) raw.setHeader('access-control-expose-headers', 'WWW-Authenticate');
    raw.setHeader('x-request-id', request.id);
    // every URL the library writes (discovery, redirects, cookies' Secure flag) follows PUBLIC_URL,
    // whatever Host or X-Forwarded-* the request came with
    request.raw.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
    request.raw.headers['x-forwarded-host'] = issuer.host;
    // the client address as Gatehouse decides it (TRUSTED_PROXIES), for the audit trail
    (request.raw as { gatehouseIp?: string }).gatehouseIp = clientIp(request);
    try {
      await current.handler(request.raw, raw);
    } catch (error) {
      request.log.error({ err: error }, 'OpenID Connect provider failed');
      if (!raw.headersSent) {
        raw.statusCode = 500;
        raw.setHeader('content-type', 'application/json; charset=utf-8');
        raw.end(JSON.stringify({ error: 'server_error', error_description: 'oops! something went wrong' }));
      } else raw.destroy();
    }
  }

  app.route({ method: 'GET', url: '/.well-known/openid-configuration', schema: { hide: true }, handler: forwardToProvider });
  app.route({ method: ['GET', 'POST'], url: `${OIDC_PREFIX}/*`, schema: { hide: true }, handler: forwardToProvider });
};
