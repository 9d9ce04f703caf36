/** /api/v1/auth/sessions: the caller's own sessions, listed and revoked one by one (docs/api.md). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses, IdParams } from '../http/schema-helpers.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { SessionList, toSessionView } from './sessions-schemas.js';
import type { SessionsService } from './sessions-service.js';

const tags = ['sessions'];

export const sessionsRoutes: FastifyPluginAsyncTypebox<{ sessions: SessionsService }> = async (app, { sessions }) => {
  app.get('/sessions', {
    config: { auth: 'required' },
    schema: { tags, summary: 'Your live sessions, newest first', security: [{ bearer: [] }], response: { 200: SessionList, ...errorResponses(401) } },
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
