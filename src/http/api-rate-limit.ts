/**
 * The API-wide limit per client IP (RATE_LIMIT_API_IP, SPEC §8), checked in onRequest before
 * authentication, so an over-limit client gets 429 before anything else. Decided on the matched
 * route, so a percent-encoded path (/%61pi/…) is counted like the one it reaches.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateLimit } from '../config/load-config.js';
import type { RateLimiter } from '../security/rate-limiter.js';
import { clientIp } from './client-ip.js';

export function registerApiRateLimit(app: FastifyInstance, limiter: RateLimiter, limit: RateLimit | null): void {
  // a hook that would do nothing is not registered: every hook costs on every request
  if (!limit) return;
  app.addHook('onRequest', async function apiRateLimit(request) {
    if (isApiRequest(request)) await limiter.hit('api-ip', clientIp(request), limit);
  });
}

/** is this an API request (under /api/), by the route it matched or, unmatched, its decoded path? */
export function isApiRequest(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route !== undefined) return route.startsWith('/api/');
  const path = request.url.split('?', 1)[0]!;
  try {
    return decodeURIComponent(path).startsWith('/api/');
  } catch {
    return path.startsWith('/api/');
  }
}
