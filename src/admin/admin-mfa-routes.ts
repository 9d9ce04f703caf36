/** POST /api/v1/admin/users/{id}/mfa/reset (docs/security.md): an admin removes every second factor of a user who lost them all. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { principalOf, requestContext } from '../http/route-guard.js';
import { errorResponses, IdParams } from '../http/schema-helpers.js';
import type { MfaService } from '../mfa/mfa-service.js';

export const adminMfaRoutes: FastifyPluginAsyncTypebox<{ mfa: MfaService }> = async (app, { mfa }) => {
  app.post('/users/:id/mfa/reset', {
    config: { auth: 'required', permission: 'users:admin' },
    schema: {
      tags: ['admin'],
      summary: "Remove every second factor and recovery code of a user (they sign in with the password alone)",
      description: "Needs the admin's session to be younger than 10 minutes (else 403 forbidden: sign in again).",
      security: [{ bearer: [] }],
      params: IdParams,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404) },
    },
  }, async function resetMfa(request, reply) {
    await mfa.reset(requestContext(request), principalOf(request), request.params.id);
    return reply.status(204).send();
  });
};
