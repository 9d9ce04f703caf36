/** /api/v1/admin/oidc-clients: the applications that sign their users in through Gatehouse (admins only). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import type { OidcClientsService } from './oidc-clients-service.js';
import { CreateOidcClientBody, OidcClientList, OidcClientParams, OidcClientSchema, OidcClientWithSecret, PatchOidcClientBody, toOidcClientView } from './oidc-schemas.js';

const tags = ['admin'];
const security = [{ bearer: [] }];
const admin = { auth: 'required', permission: 'users:admin' } as const;

export const oidcClientsRoutes: FastifyPluginAsyncTypebox<{ clients: OidcClientsService }> = async (app, { clients }) => {
  app.get('/oidc-clients', {
    config: admin,
    schema: { tags, summary: 'Every OpenID Connect client (secrets are never returned)', security, response: { 200: OidcClientList, ...errorResponses(401, 403) } },
  }, async function listOidcClients() {
    return { items: (await clients.list()).map(toOidcClientView) };
  });

  app.post('/oidc-clients', {
    config: admin,
    schema: {
      tags,
      summary: 'Register a client; a confidential client gets its client_secret in this answer only',
      security,
      body: CreateOidcClientBody,
      response: { 201: OidcClientWithSecret, ...errorResponses(400, 401, 403) },
    },
  }, async function createOidcClient(request, reply) {
    const b = request.body;
    const { client, clientSecret } = await clients.create(requestContext(request), {
      name: b.name,
      ...(b.type !== undefined ? { type: b.type } : {}),
      ...(b.redirect_uris !== undefined ? { redirectUris: b.redirect_uris } : {}),
      ...(b.post_logout_redirect_uris !== undefined ? { postLogoutRedirectUris: b.post_logout_redirect_uris } : {}),
      ...(b.grant_types !== undefined ? { grantTypes: b.grant_types } : {}),
      ...(b.scopes !== undefined ? { scopes: b.scopes } : {}),
      ...(b.permissions !== undefined ? { permissions: b.permissions } : {}),
      ...(b.skip_consent !== undefined ? { skipConsent: b.skip_consent } : {}),
      ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
    });
    return reply.status(201).send({ ...toOidcClientView(client), ...(clientSecret ? { client_secret: clientSecret } : {}) });
  });

  app.get('/oidc-clients/:client_id', {
    config: admin,
    schema: { tags, summary: 'One client', security, params: OidcClientParams, response: { 200: OidcClientSchema, ...errorResponses(401, 403, 404) } },
  }, async function getOidcClient(request) {
    return toOidcClientView(await clients.get(request.params.client_id));
  });

  app.patch('/oidc-clients/:client_id', {
    config: admin,
    schema: { tags, summary: 'Change a client (its type is fixed)', security, params: OidcClientParams, body: PatchOidcClientBody, response: { 200: OidcClientSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async function patchOidcClient(request) {
    const b = request.body;
    return toOidcClientView(
      await clients.update(requestContext(request), request.params.client_id, {
        name: b.name,
        redirectUris: b.redirect_uris,
        postLogoutRedirectUris: b.post_logout_redirect_uris,
        grantTypes: b.grant_types,
        scopes: b.scopes,
        permissions: b.permissions,
        skipConsent: b.skip_consent,
        enabled: b.enabled,
      }),
    );
  });

  app.delete('/oidc-clients/:client_id', {
    config: admin,
    schema: { tags, summary: 'Remove a client with its grants and tokens', security, params: OidcClientParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
  }, async function deleteOidcClient(request, reply) {
    await clients.delete(requestContext(request), request.params.client_id);
    return reply.status(204).send();
  });

  app.post('/oidc-clients/:client_id/secret', {
    config: admin,
    schema: {
      tags,
      summary: "Rotate a confidential client's secret: the new one is in this answer only, the old one stops working",
      security,
      params: OidcClientParams,
      response: { 200: OidcClientWithSecret, ...errorResponses(400, 401, 403, 404) },
    },
  }, async function rotateOidcClientSecret(request) {
    const { client, clientSecret } = await clients.rotateSecret(requestContext(request), request.params.client_id);
    return { ...toOidcClientView(client), client_secret: clientSecret };
  });
};
