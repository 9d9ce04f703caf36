import type { FastifyRequest } from 'fastify';

/**
 * Is this an API request (under /api/)? Decided on the route it matched, so a percent-encoded path
 * (/%61pi/…) is treated like the one it reaches; an unmatched one by its decoded path.
 */
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
