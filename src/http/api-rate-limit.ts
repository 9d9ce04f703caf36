/**
 * The API-wide limit per client IP (RATE_LIMIT_API_IP, docs/security.md), checked in onRequest before
 * authentication, so an over-limit client gets 429 before anything else.
 */
import type { FastifyInstance } from 'fastify';
import type { RateLimit } from '../config/load-config.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import { isApiRequest } from './api-request.js';
import { clientIp } from './client-ip.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the route's service counts the API-wide limit itself, with its own limits in one round trip (sign-in) */
    apiLimitInService?: true;
  }
}

export function registerApiRateLimit(app: FastifyInstance, limiter: RateLimiter, limit: RateLimit | null): void {
  // a hook that would do nothing is not registered: every hook costs on every request
  if (!limit) return;
  app.addHook('onRequest', async function apiRateLimit(request) {
    if (isApiRequest(request) && !request.routeOptions.config?.apiLimitInService) await limiter.hit('api-ip', clientIp(request), limit);
  });
}
