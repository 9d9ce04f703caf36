/** /api/v1/admin/oauth-providers: sign-in providers kept in the database (docs/api.md, Admin; docs/security.md, social sign-in). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import { logProviderFailure } from '../social/social-errors.js';
import {
  AdminProviderList,
  AdminProviderParams,
  AdminProviderSchema,
  CreateProviderBody,
  PatchProviderBody,
  toAdminProviderView,
} from '../social/social-schemas.js';
import type { ProvidersService } from '../social/providers-service.js';

const tags = ['admin'];
const security = [{ bearer: [] }];
const admin = { auth: 'required', permission: 'users:admin' } as const;

export const adminOAuthProvidersRoutes: FastifyPluginAsyncTypebox<{ providers: ProvidersService }> = async (app, { providers }) => {
  // a provider that could not be reached on create or enable: the admin gets 400, the log the cause
  app.addHook('onError', async function logProviderCall(request, _reply, error) {
    logProviderFailure(request.log, error);
  });

  app.get('/oauth-providers', {
    config: admin,
    schema: { tags, summary: 'Sign-in providers configured in the database (client secrets are never returned)', security, response: { 200: AdminProviderList, ...errorResponses(401, 403) } },
  }, async function listProviders() {
    return { items: (await providers.list()).map(toAdminProviderView) };
  });

  app.post('/oauth-providers', {
    config: admin,
    schema: { tags, summary: 'Add a sign-in provider (client_secret is stored encrypted, write-only; an enabled one must answer: discovery, or its endpoints)', security, body: CreateProviderBody, response: { 201: AdminProviderSchema, ...errorResponses(400, 401, 403) } },
  }, async function createProvider(request, reply) {
    const b = request.body;
    const created = await providers.create(requestContext(request), {
      id: b.id,
      name: b.name ?? null,
      issuer: b.issuer ?? null,
      clientId: b.client_id,
      clientSecret: b.client_secret ?? null,
      authorizationUrl: b.authorization_url ?? null,
      tokenUrl: b.token_url ?? null,
      userinfoUrl: b.userinfo_url ?? null,
      scopes: b.scopes ?? null,
      ...(b.link_by_email !== undefined ? { linkByEmail: b.link_by_email } : {}),
      ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
    });
    return reply.status(201).send(toAdminProviderView(created));
  });

  app.get('/oauth-providers/:id', {
    config: admin,
    schema: { tags, summary: 'One database provider', security, params: AdminProviderParams, response: { 200: AdminProviderSchema, ...errorResponses(401, 403, 404) } },
  }, async function getProvider(request) {
    return toAdminProviderView(await providers.get(request.params.id));
  });

  app.patch('/oauth-providers/:id', {
    config: admin,
    schema: { tags, summary: 'Change a database provider (every instance within a second)', security, params: AdminProviderParams, body: PatchProviderBody, response: { 200: AdminProviderSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async function patchProvider(request) {
    const b = request.body;
    return toAdminProviderView(
      await providers.update(requestContext(request), request.params.id, {
        name: b.name,
        issuer: b.issuer,
        clientId: b.client_id,
        clientSecret: b.client_secret,
        authorizationUrl: b.authorization_url,
        tokenUrl: b.token_url,
        userinfoUrl: b.userinfo_url,
        scopes: b.scopes,
        linkByEmail: b.link_by_email,
        enabled: b.enabled,
      }),
    );
  });

  app.delete('/oauth-providers/:id', {
    config: admin,
    schema: { tags, summary: 'Remove a database provider (identities linked through it stay)', security, params: AdminProviderParams, response: { 204: { type: 'null' }, ...errorResponses(401, 403, 404) } },
  }, async function deleteProvider(request, reply) {
    await providers.delete(requestContext(request), request.params.id);
    return reply.status(204).send();
  });
};
