/**
 * /api/v1/admin/permissions: the permission catalogue — built-in permissions and the operator's
 * own, which roles may hold like any other. The rules (name shape, built-in names taken and
 * protected, a permission still held by a role) live in RolesService; changes are audited and reach
 * every instance within a second.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import type { RolesService } from '../roles/roles-service.js';
import { CreatePermissionBody, PermissionCatalogue, PermissionNameParams, PermissionSchema, toPermissionView } from './admin-schemas.js';

const tags = ['admin'];
const security = [{ bearer: [] }];
const admin = { auth: 'required', permission: 'users:admin' } as const;

export const adminPermissionsRoutes: FastifyPluginAsyncTypebox<{ roles: RolesService }> = async (app, { roles }) => {
  app.get('/permissions', {
    config: admin,
    schema: { tags, summary: "The permission catalogue: built-in permissions and the operator's own", security, response: { 200: PermissionCatalogue, ...errorResponses(401, 403) } },
  }, async function listPermissions() {
    return { items: (await roles.catalogue()).map(toPermissionView) };
  });

  app.post('/permissions', {
    config: admin,
    schema: {
      tags,
      summary: 'Add a permission of your own (<namespace>:<action>) for roles to hold',
      security,
      body: CreatePermissionBody,
      response: { 201: PermissionSchema, ...errorResponses(400, 401, 403, 409) },
    },
  }, async function createPermission(request, reply) {
    const b = request.body;
    const permission = await roles.createPermission(requestContext(request), { name: b.name, description: b.description ?? null });
    return reply.status(201).send(toPermissionView(permission));
  });

  app.delete('/permissions/:name', {
    config: admin,
    schema: {
      tags,
      summary: 'Delete a permission of your own that no role holds (built-in ones are protected)',
      security,
      params: PermissionNameParams,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async function deletePermission(request, reply) {
    await roles.deletePermission(requestContext(request), request.params.name);
    return reply.status(204).send();
  });
};
