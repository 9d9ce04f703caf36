/** /api/v1/admin/roles: roles are data, holding permissions of the catalogue (admin-permissions-routes.ts). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import type { RolesService } from '../roles/roles-service.js';
import { CreateRoleBody, PatchRoleBody, RoleList200, RoleNameParams, RoleSchema, toRoleView } from './admin-schemas.js';

const tags = ['admin'];
const security = [{ bearer: [] }];
const admin = { auth: 'required', permission: 'users:admin' } as const;

export const adminRolesRoutes: FastifyPluginAsyncTypebox<{ roles: RolesService }> = async (app, { roles }) => {
  app.get('/roles', {
    config: admin,
    schema: { tags, summary: 'Every role with its permissions', security, response: { 200: RoleList200, ...errorResponses(401, 403) } },
  }, async function listRoles() {
    return { items: (await roles.list()).map(toRoleView) };
  });

  app.post('/roles', {
    config: admin,
    schema: {
      tags,
      summary: 'Create a role from permissions of the catalogue',
      security,
      body: CreateRoleBody,
      response: { 201: RoleSchema, ...errorResponses(400, 401, 403, 409) },
    },
  }, async function createRole(request, reply) {
    const b = request.body;
    const role = await roles.create(requestContext(request), { name: b.name, description: b.description ?? null, permissions: b.permissions ?? [] });
    return reply.status(201).send(toRoleView(role));
  });

  app.patch('/roles/:name', {
    config: admin,
    schema: {
      tags,
      summary: "Change a role's description or permissions (takes effect within a second); admin is protected",
      security,
      params: RoleNameParams,
      body: PatchRoleBody,
      response: { 200: RoleSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async function patchRole(request) {
    const b = request.body;
    const role = await roles.update(requestContext(request), request.params.name, {
      ...(b.description !== undefined ? { description: b.description } : {}),
      ...(b.permissions !== undefined ? { permissions: b.permissions } : {}),
    });
    return toRoleView(role);
  });

  app.delete('/roles/:name', {
    config: admin,
    schema: {
      tags,
      summary: 'Delete a role no user holds (not DEFAULT_ROLE, not admin)',
      security,
      params: RoleNameParams,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async function deleteRole(request, reply) {
    await roles.delete(requestContext(request), request.params.name);
    return reply.status(204).send();
  });
};
