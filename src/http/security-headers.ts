/**
 * Headers on every response (docs/security.md). HTML gets a strict Content-Security-Policy: our own assets
 * only, no inline script; the API docs page (swagger-ui) needs inline styles and its own script; a
 * page that sets its own policy keeps it (only the development outbox does, dev-mail-routes.ts).
 * API answers are never stored by a cache (they carry tokens and personal data), decided on the
 * matched route: /%61pi/… reaches the same handler as /api/…. Every response also names its request
 * id (X-Request-Id, see request-id.ts). The usual sets are built once, so a
 * response (GET /me is called more than anything) sets them in one step.
 */
import type { FastifyInstance } from 'fastify';
import { isApiRequest } from './api-request.js';
import { API_CSP, BASE_SECURITY_HEADERS, HSTS } from './problem.js';

const HTML_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
const DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

export function registerSecurityHeaders(app: FastifyInstance, options: { hsts: boolean }): void {
  const base = Object.freeze({ ...BASE_SECURITY_HEADERS, ...(options.hsts ? { 'strict-transport-security': HSTS } : {}) });
  const api = Object.freeze({ ...base, 'content-security-policy': API_CSP, 'cache-control': 'no-store' });
  const other = Object.freeze({ ...base, 'content-security-policy': API_CSP });

  app.addHook('onSend', function securityHeaders(request, reply, payload, done) {
    reply.header('x-request-id', request.id);
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      reply.headers(base);
      // a page that states its own policy keeps it (the development outbox, for its mail frames)
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', request.url.startsWith('/docs') ? DOCS_CSP : HTML_CSP);
    } else if (!reply.hasHeader('cache-control') && !reply.hasHeader('content-security-policy')) {
      reply.headers(isApiRequest(request) ? api : other);
    } else {
      reply.headers(base);
      if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', API_CSP);
      if (!reply.hasHeader('cache-control') && isApiRequest(request)) reply.header('cache-control', 'no-store');
    }
    done(null, payload);
  });
}
