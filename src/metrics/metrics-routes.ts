/**
 * GET /metrics (Prometheus text) and the request histogram's hook. METRICS_TOKEN set: the scrape
 * needs `Authorization: Bearer <token>` (compared in constant time; 401 problem+json otherwise).
 * Unset: it is open, and the proxy keeps it off the public side (deploy/nginx.conf denies it).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { commonErrors } from '../errors.js';
import { bearerToken } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import { constantTimeEqual } from '../security/tokens.js';
import { METRICS_CONTENT_TYPE, UNMATCHED_ROUTE, type Metrics } from './metrics.js';

/**
 * One histogram observation per request, at its end, labelled by the route template
 * (`/api/v1/products/:id`), never the raw URL; requests no route matched share one label. On the
 * root instance, so it sees every route.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', function observeRequest(request, reply, done) {
    metrics.observeRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

export interface MetricsRoutesOptions {
  metrics: Metrics;
  /** METRICS_TOKEN; null = open */
  token: string | null;
}

export const metricsRoutes: FastifyPluginAsyncTypebox<MetricsRoutesOptions> = async (app, { metrics, token }) => {
  app.get('/metrics', {
    schema: {
      tags: ['operations'],
      summary: 'Prometheus metrics (text exposition format); `Authorization: Bearer <METRICS_TOKEN>` when that is set',
      response: {
        200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } },
        ...errorResponses(401),
      },
    },
    onRequest: async function requireMetricsToken(request) {
      if (!token) return;
      const presented = bearerToken(request);
      if (!presented || !constantTimeEqual(presented, token)) throw commonErrors.unauthorized('A valid metrics token is required.');
    },
  }, async function scrape(_request, reply) {
    return reply.header('cache-control', 'no-store').type(METRICS_CONTENT_TYPE).send(await metrics.scrape());
  });
};
