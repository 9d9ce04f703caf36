import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf, requestContext } from '../auth/auth-guard.js';
import { SessionSchema } from '../auth/auth-schemas.js';
import { errorResponses, IdParams } from '../http/schema-helpers.js';
import type { SessionRecord } from './sessions-service.js';
import type { SessionsService } from './sessions-service.js';

export function toSessionView(s: SessionRecord, currentId: string | null) {
  return {
    id: s.id,
    created_at: s.createdAt.toISOString(),
    last_used_at: s.lastUsedAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    ip: s.ip,
    user_agent: s.userAgent,
    device: s.device,
    location: s.location,
    current: s.id === currentId,
  };
}

const tags = ['sessions'];

export const sessionsRoutes: FastifyPluginAsyncTypebox<{ sessions: SessionsService }> = async (app, { sessions }) => {
  app.get('/sessions', {
    config: { auth: 'required' },
    schema: { tags, summary: 'Your live sessions, newest first', security: [{ bearer: [] }], response: { 200: Type.Object({ items: Type.Array(SessionSchema) }), ...errorResponses(401) } },
  }, async function listSessions(request) {
    const p = principalOf(request);
    return { items: (await sessions.listLive(p.userId)).map((s) => toSessionView(s, p.sessionId)) };
  });

  app.delete('/sessions/:id', {
    config: { auth: 'required' },
    schema: { tags, summary: 'Revoke one of your sessions', security: [{ bearer: [] }], params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 404) } },
  }, async function revokeSession(request, reply) {
    const p = principalOf(request);
    await sessions.revokeOwn(requestContext(request), p.userId, request.params.id, 'session.revoked');
    return reply.status(204).send();
  });
};
