/**
 * /admin/permissions (users:admin): the permission catalogue, and the operator's own permissions
 * added and deleted. The form is checked against the admin API's body schema and handed to the
 * same RolesService methods as POST and DELETE /api/v1/admin/permissions, so a malformed or taken
 * name, a built-in permission and one still held by a role are refused here as they are there.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CreatePermissionBody } from '../admin/admin-schemas.js';
import { requestContext } from '../http/route-guard.js';
import type { MessageKey } from '../i18n/translator.js';
import { checkBody } from '../http/validation.js';
import type { RolesService } from '../roles/roles-service.js';
import { adminPage } from './admin-users-pages-routes.js';
import { consoleRefusal, noticeIn, orNull, withNotice } from './console-kit.js';
import { formField, type PageKit } from './page-kit.js';
import { permissionsPage, type PermissionsView } from './views/admin-permissions-views.js';

export interface AdminPermissionsPagesOptions {
  kit: PageKit;
  roles: RolesService;
}

const NOTICES: Record<string, MessageKey> = {
  permission_created: 'admin.notice.permissionCreated',
  permission_deleted: 'admin.notice.permissionDeleted',
};

export const adminPermissionsPagesRoutes: FastifyPluginAsync<AdminPermissionsPagesOptions> = async (app, { kit, roles }) => {
  async function show(request: FastifyRequest, reply: FastifyReply, status = 200, extra: Partial<Pick<PermissionsView, 'created' | 'refused'>> = {}, headers: Record<string, string> = {}) {
    const catalogue = await roles.catalogue();
    return kit.render(request, reply, status, (chrome) =>
      permissionsPage(chrome, { catalogue, notice: noticeIn(request, NOTICES, kit.translator(request)), created: extra.created ?? null, refused: extra.refused ?? null }), headers);
  }

  app.get('/admin/permissions', { config: adminPage }, async function permissionList(request, reply) {
    return show(request, reply);
  });

  app.post('/admin/permissions', { config: adminPage }, async function createPermission(request, reply) {
    const values = { name: formField(request, 'name').trim(), description: formField(request, 'description').trim() };
    try {
      const body = checkBody<{ name: string; description: string | null }>(CreatePermissionBody, { name: values.name, description: orNull(values.description) });
      await roles.createPermission(requestContext(request), { name: body.name, description: body.description });
    } catch (error) {
      const r = consoleRefusal(error, kit.translator(request), { permission_exists: 'name' });
      return show(request, reply, r.status, { created: { errors: r.errors, values } }, r.headers);
    }
    return kit.redirect(reply, withNotice('/admin/permissions', 'permission_created'));
  });

  app.post('/admin/permissions/delete', { config: adminPage }, async function deletePermission(request, reply) {
    try {
      await roles.deletePermission(requestContext(request), formField(request, 'name'));
    } catch (error) {
      const r = consoleRefusal(error, kit.translator(request));
      return show(request, reply, r.status, { refused: r.text }, r.headers);
    }
    return kit.redirect(reply, withNotice('/admin/permissions', 'permission_deleted'));
  });
};
