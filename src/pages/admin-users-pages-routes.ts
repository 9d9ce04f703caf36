/**
 * The admin console's users pages: /admin (list, search, role filter, cursor pages) and
 * /admin/users/{id} with its forms. Every route needs users:admin (the route guard: a 403 page for
 * anyone else), every change goes to UsersService / MfaService exactly as the admin API's routes
 * call them, so the rules — the last active admin (409), unknown roles (400), sessions revoked on
 * disable — are the API's. A change answers with a redirect and a notice; a refusal shows the user
 * page again with the message next to the form and the error's status.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { PatchUserBody } from '../admin/admin-schemas.js';
import { commonErrors } from '../errors.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { checkBody } from '../http/validation.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import type { AdminUserPatch, UsersService } from '../users/users-service.js';
import { formChecked, formList, noticeOf, pathId, withNotice } from './console-kit.js';
import { NO_ERRORS, refusalOf, type FormErrors } from './form-errors.js';
import { queryParam, type PageKit } from './page-kit.js';
import { userDetailPage, userListPage, type UserDetailView } from './views/admin-views.js';

export interface AdminUsersPagesOptions {
  kit: PageKit;
  users: UsersService;
  roles: RolesService;
  mfa: MfaService;
  signIn: SignInService;
}

export const adminPage = { page: true, auth: 'required', permission: 'users:admin' } as const;

const NOTICES: Record<string, string> = {
  roles: 'The roles are saved.',
  disabled: 'The account is disabled and signed out everywhere.',
  enabled: 'The account is enabled.',
  sessions: 'Every session of the user is signed out.',
  mfa: 'Two-step sign-in is reset: the user signs in with the password alone.',
  deleted: 'The user is deleted.',
};

export const adminUsersPagesRoutes: FastifyPluginAsync<AdminUsersPagesOptions> = async (app, { kit, users, roles, mfa, signIn }) => {
  async function showUser(request: FastifyRequest, reply: FastifyReply, id: string, status = 200, refused: { form: UserDetailView['form']; errors: FormErrors; headers?: Record<string, string> } | null = null) {
    const [user, sessions, allRoles] = await Promise.all([users.get(id), users.liveSessions(id), roles.list()]);
    return kit.render(request, reply, status, (chrome) =>
      userDetailPage(chrome, { user, sessions, roles: allRoles, notice: noticeOf(request, NOTICES), errors: refused?.errors ?? NO_ERRORS, form: refused?.form ?? null }), refused?.headers ?? {});
  }

  /** runs one change of the user page: redirect with its notice, or the page with the refusal */
  async function change(request: FastifyRequest, reply: FastifyReply, form: NonNullable<UserDetailView['form']>, notice: string, action: (id: string) => Promise<unknown>) {
    const id = pathId(request, 'user');
    try {
      await action(id);
    } catch (error) {
      const r = refusalOf(error);
      if (r.status === 404) throw error;
      return showUser(request, reply, id, r.status, { form, errors: r.errors, headers: r.headers });
    }
    return kit.redirect(reply, withNotice(`/admin/users/${id}`, notice));
  }

  async function patch(request: FastifyRequest, id: string, body: AdminUserPatch & Record<string, unknown>) {
    const checked = checkBody<{ roles?: string[]; disabled?: boolean }>(PatchUserBody, body);
    // granting users:admin needs a fresh session (the 403 says to sign in again)
    if (checked.roles) await signIn.requireFreshForAdminChange(principalOf(request), id, { roles: checked.roles });
    return users.updateByAdmin(requestContext(request), id, { ...(checked.roles ? { roles: checked.roles } : {}), ...(checked.disabled !== undefined ? { disabled: checked.disabled } : {}) });
  }

  app.get('/admin', { config: adminPage }, async function userList(request, reply) {
    const q = (queryParam(request, 'q') ?? '').trim().slice(0, 254);
    const role = (queryParam(request, 'role') ?? '').trim().slice(0, 64);
    const cursor = queryParam(request, 'cursor') || null;
    const [page, allRoles] = await Promise.all([users.list({ q: q || null, role: role || null }, { limit: 20, cursor }), roles.list()]);
    return kit.render(request, reply, 200, (chrome) =>
      userListPage(chrome, { users: page.items, q, role, roles: allRoles.map((r) => r.name), nextCursor: page.nextCursor, firstPage: cursor === null, notice: noticeOf(request, NOTICES) }));
  });

  app.get('/admin/users/:id', { config: adminPage }, async function userDetail(request, reply) {
    return showUser(request, reply, pathId(request, 'user'));
  });

  app.post('/admin/users/:id/roles', { config: adminPage }, async function saveRoles(request, reply) {
    return change(request, reply, 'roles', 'roles', (id) => patch(request, id, { roles: formList(request, 'roles') }));
  });

  app.post('/admin/users/:id/disable', { config: adminPage }, async function disableUser(request, reply) {
    return change(request, reply, 'status', 'disabled', (id) => patch(request, id, { disabled: true }));
  });

  app.post('/admin/users/:id/enable', { config: adminPage }, async function enableUser(request, reply) {
    return change(request, reply, 'status', 'enabled', (id) => patch(request, id, { disabled: false }));
  });

  app.post('/admin/users/:id/sessions/revoke', { config: adminPage }, async function revokeUserSessions(request, reply) {
    return change(request, reply, 'sessions', 'sessions', (id) => users.revokeSessions(requestContext(request), id));
  });

  app.post('/admin/users/:id/mfa/reset', { config: adminPage }, async function resetUserMfa(request, reply) {
    return change(request, reply, 'mfa', 'mfa', (id) => mfa.reset(requestContext(request), principalOf(request), id));
  });

  app.post('/admin/users/:id/delete', { config: adminPage }, async function deleteUser(request, reply) {
    const id = pathId(request, 'user');
    try {
      if (!formChecked(request, 'confirm')) throw commonErrors.validation([{ field: 'confirm', message: 'must be ticked to delete the user' }]);
      await users.delete(requestContext(request), id, 'admin');
    } catch (error) {
      const r = refusalOf(error);
      if (r.status === 404) throw error;
      return showUser(request, reply, id, r.status, { form: 'delete', errors: r.errors, headers: r.headers });
    }
    return kit.redirect(reply, withNotice('/admin', 'deleted'));
  });
};
