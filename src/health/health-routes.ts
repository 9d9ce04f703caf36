import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

export interface HealthChecks {
  version: string;
  /** name -> probe; a probe that throws or takes longer than 2 s is "error" */
  checks: Record<string, () => Promise<void>>;
  /** true once shutdown has begun: ready answers 503 so a load balancer drains this instance */
  draining: () => boolean;
}

const Check = Type.Union([Type.Literal('ok'), Type.Literal('error')]);
const Ready = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]), checks: Type.Record(Type.String(), Check) });

async function probe(fn: () => Promise<void>): Promise<'ok' | 'error'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 2000)))]);
    return 'ok';
  } catch {
    return 'error';
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthChecks> = async (app, { version, checks, draining }) => {
  const tags = ['operations'];
  app.get('/health', { schema: { tags, response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) } } }, async () => ({ status: 'ok' as const, version }));
  app.get('/health/live', { schema: { tags, response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  app.get('/health/ready', { schema: { tags, summary: '200 when every dependency answers, else 503 naming what is down (503 at once when shutting down)', response: { 200: Ready, 503: Ready } } }, async function ready(_request, reply) {
    if (draining()) return reply.status(503).header('connection', 'close').send({ status: 'unavailable', checks: { shutdown: 'error' } });
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((n) => probe(checks[n]!)));
    const out = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
    const ok = results.every((r) => r === 'ok');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: out });
  });
};
