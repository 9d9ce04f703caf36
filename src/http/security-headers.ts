/**
 * Headers on every response (SPEC §8). HTML gets a strict Content-Security-Policy: our own assets
 * only, no inline script; the API docs page (swagger-ui) needs inline styles and its own script.
 */
import type { FastifyInstance } from 'fastify';
import { isApiRequest } from './api-request.js';
import { API_CSP, BASE_SECURITY_HEADERS, HSTS } from './problem.js';

const HTML_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
const DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

export function registerSecurityHeaders(app: FastifyInstance, options: { hsts: boolean }): void {
  app.addHook('onSend', function securityHeaders(request, reply, payload, done) {
    reply.headers(BASE_SECURITY_HEADERS);
    if (options.hsts) reply.header('strict-transport-security', HSTS);
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('content-security-policy', request.url.startsWith('/docs') ? DOCS_CSP : HTML_CSP);
    } else if (!reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', API_CSP);
    }
    // API answers carry tokens and personal data: never stored by a cache (decided on the matched
    // route: /%61pi/… reaches the same handler as /api/…)
    if (!reply.hasHeader('cache-control') && isApiRequest(request)) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
