/** /api/v1/auth/oidc-grants: the applications the caller signed in to with Gatehouse, and withdrawing one. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf, requestContext } from '../http/route-guard.js';
import { errorResponses, Timestamp } from '../http/schema-helpers.js';
import type { OidcGrantsService } from './oidc-grants-service.js';
import { OidcClientParams } from './oidc-schemas.js';

const tags = ['auth'];
const security = [{ bearer: [] }];

const GrantList = Type.Object({
  items: Type.Array(Type.Object({ client_id: Type.String(), client_name: Type.String(), scopes: Type.Array(Type.String()), created_at: Timestamp })),
});

export const oidcGrantsRoutes: FastifyPluginAsyncTypebox<{ grants: OidcGrantsService }> = async (app, { grants }) => {
  app.get('/oidc-grants', {
    config: { auth: 'required' },
    schema: { tags, summary: 'The applications you connected through "Sign in with Gatehouse"', security, response: { 200: GrantList, ...errorResponses(401) } },
  }, async function listOidcGrants(request) {
    const items = await grants.list(principalOf(request).userId);
    return { items: items.map((g) => ({ client_id: g.clientId, client_name: g.clientName, scopes: g.scopes, created_at: g.createdAt.toISOString() })) };
  });

  app.delete('/oidc-grants/:client_id', {
    config: { auth: 'required' },
    schema: { tags, summary: "Withdraw your consent to an application and revoke its tokens", security, params: OidcClientParams, response: { 204: { type: 'null' }, ...errorResponses(401, 404) } },
  }, async function revokeOidcGrant(request, reply) {
    await grants.revoke(requestContext(request), principalOf(request).userId, request.params.client_id);
    return reply.status(204).send();
  });
};
