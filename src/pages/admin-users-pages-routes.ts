/**
 * The admin console's users pages: /admin (list, search, role filter, cursor pages) and
 * /admin/users/{id} with its forms. Every route needs users:admin (the route guard: a 403 page for
 * anyone else), every change goes to UsersService / MfaService exactly as the admin API's routes
 * call them, so the rules — the last active admin (409), unknown roles (400), sessions revoked on
 * disable — are the API's. A change answers with a redirect and a notice; a refusal shows the user
 * page again with the message next to the form and the error's status.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CreateUserBody, PatchUserBody } from '../admin/admin-schemas.js';
import type { EmailService } from '../email-ownership/email-service.js';
import { commonErrors } from '../errors.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { checkBody } from '../http/validation.js';
import type { MessageKey } from '../i18n/translator.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { RolesService } from '../roles/roles-service.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import type { AdminUserPatch, UsersService } from '../users/users-service.js';
import { consoleRefusal, formChecked, formList, isUuid, noticeIn, orNull, pathId, withNotice } from './console-kit.js';
import { NO_ERRORS, type FormErrors } from './form-errors.js';
import { formField, queryParam, type PageKit } from './page-kit.js';
import { EMPTY_NEW_USER, userDetailPage, userListPage, type NewUserValues, type ProfileValues, type UserDetailView } from './views/admin-views.js';

export interface AdminUsersPagesOptions {
  kit: PageKit;
  users: UsersService;
  roles: RolesService;
  mfa: MfaService;
  signIn: SignInService;
  /** the verification mail the console sends again */
  email: Pick<EmailService, 'requestVerificationFor'>;
  settings: { defaultRole: string };
}

export const adminPage = { page: true, auth: 'required', permission: 'users:admin' } as const;

const NOTICES: Record<string, MessageKey> = {
  created: 'admin.notice.userCreated',
  profile: 'admin.notice.profile',
  verification: 'admin.notice.verification',
  roles: 'admin.notice.roles',
  disabled: 'admin.notice.disabled',
  enabled: 'admin.notice.enabled',
  sessions: 'admin.notice.sessions',
  session: 'admin.notice.session',
  mfa: 'admin.notice.mfa',
  deleted: 'admin.notice.deleted',
};

type Refused = { form: UserDetailView['form']; errors: FormErrors; headers?: Record<string, string>; profile?: ProfileValues };

export const adminUsersPagesRoutes: FastifyPluginAsync<AdminUsersPagesOptions> = async (app, { kit, users, roles, mfa, signIn, email, settings }) => {
  async function showUser(request: FastifyRequest, reply: FastifyReply, id: string, status = 200, refused: Refused | null = null) {
    const [user, sessions, allRoles] = await Promise.all([users.get(id), users.liveSessions(id), roles.list()]);
    const t = kit.translator(request);
    return kit.render(request, reply, status, (chrome) =>
      userDetailPage(chrome, { user, sessions, roles: allRoles, notice: noticeIn(request, NOTICES, t), errors: refused?.errors ?? NO_ERRORS, form: refused?.form ?? null, profile: refused?.profile ?? null }), refused?.headers ?? {});
  }

  async function showList(request: FastifyRequest, reply: FastifyReply, status = 200, created: { values: NewUserValues; errors: FormErrors } = { values: EMPTY_NEW_USER, errors: NO_ERRORS }, headers: Record<string, string> = {}) {
    const q = (queryParam(request, 'q') ?? '').trim().slice(0, 254);
    const role = (queryParam(request, 'role') ?? '').trim().slice(0, 64);
    const cursor = queryParam(request, 'cursor') || null;
    const [page, allRoles] = await Promise.all([users.list({ q: q || null, role: role || null }, { limit: 20, cursor }), roles.list()]);
    const t = kit.translator(request);
    return kit.render(request, reply, status, (chrome) =>
      userListPage(chrome, { users: page.items, q, role, roles: allRoles, defaultRole: settings.defaultRole, nextCursor: page.nextCursor, firstPage: cursor === null, notice: noticeIn(request, NOTICES, t), created }), headers);
  }

  /** runs one change of the user page: redirect with its notice, or the page with the refusal */
  async function change(request: FastifyRequest, reply: FastifyReply, form: NonNullable<UserDetailView['form']>, notice: string, action: (id: string) => Promise<unknown>, profile?: ProfileValues) {
    const id = pathId(request, 'user');
    try {
      await action(id);
    } catch (error) {
      const r = consoleRefusal(error, kit.translator(request));
      if (r.status === 404) throw error;
      return showUser(request, reply, id, r.status, { form, errors: r.errors, headers: r.headers, ...(profile ? { profile } : {}) });
    }
    return kit.redirect(reply, withNotice(`/admin/users/${id}`, notice));
  }

  /** the admin API's PATCH: the same schema, the same fresh-session rule, the same service call */
  async function patch(request: FastifyRequest, id: string, body: Record<string, unknown>, extra: Pick<AdminUserPatch, 'email'> = {}) {
    const checked = checkBody<{ name?: string | null; roles?: string[]; disabled?: boolean; email_verified?: boolean }>(PatchUserBody, body);
    // granting users:admin or a new address needs a fresh session (the 403 says to sign in again)
    if (checked.roles || extra.email !== undefined) {
      await signIn.requireFreshForAdminChange(principalOf(request), id, { ...(checked.roles ? { roles: checked.roles } : {}), ...(extra.email !== undefined ? { email: extra.email } : {}) });
    }
    const change: AdminUserPatch = { ...extra };
    if (checked.name !== undefined) change.name = checked.name;
    if (checked.roles) change.roles = checked.roles;
    if (checked.disabled !== undefined) change.disabled = checked.disabled;
    if (checked.email_verified !== undefined) change.emailVerified = checked.email_verified;
    return users.updateByAdmin(requestContext(request), id, change);
  }

  app.get('/admin', { config: adminPage }, async function userList(request, reply) {
    return showList(request, reply);
  });

  // POST /api/v1/admin/users: an account with a password, roles defaulting to DEFAULT_ROLE
  app.post('/admin/users', { config: adminPage }, async function createUser(request, reply) {
    const values: NewUserValues = {
      email: formField(request, 'email').trim(),
      username: formField(request, 'username').trim(),
      name: formField(request, 'name').trim(),
      roles: formList(request, 'roles'),
    };
    let id: string;
    try {
      const body = checkBody<{ email?: string; password: string; username?: string | null; name?: string | null; roles?: string[] }>(CreateUserBody, {
        ...(values.email ? { email: values.email } : {}),
        password: formField(request, 'password'),
        username: orNull(values.username),
        name: orNull(values.name),
        ...(values.roles.length > 0 ? { roles: values.roles } : {}),
      });
      const user = await users.createByAdmin(requestContext(request), {
        email: body.email ?? null,
        password: body.password,
        username: body.username ?? null,
        name: body.name ?? null,
        ...(body.roles ? { roles: body.roles } : {}),
      });
      id = user.id;
    } catch (error) {
      const r = consoleRefusal(error, kit.translator(request), { email_taken: 'email', username_taken: 'username', weak_password: 'password' });
      // `roles.2`: the form has one field for the list
      const fields = Object.fromEntries(Object.entries(r.errors.fields).map(([k, m]) => [k.replace(/\.\d+$/, ''), m]));
      // what was typed comes back, the password never does
      return showList(request, reply, r.status, { values, errors: { message: r.errors.message, fields } }, r.headers);
    }
    return kit.redirect(reply, withNotice(`/admin/users/${id}`, 'created'));
  });

  app.get('/admin/users/:id', { config: adminPage }, async function userDetail(request, reply) {
    return showUser(request, reply, pathId(request, 'user'));
  });

  // name, email and email_verified: a changed address is unverified unless the box is ticked
  app.post('/admin/users/:id/profile', { config: adminPage }, async function saveProfile(request, reply) {
    const profile: ProfileValues = { name: formField(request, 'name').trim(), email: formField(request, 'email').trim(), email_verified: formChecked(request, 'email_verified') };
    return change(request, reply, 'profile', 'profile', async (id) => {
      const before = await users.get(id);
      const emailChanged = profile.email !== '' && profile.email.toLowerCase() !== (before.email ?? '');
      if (profile.email === '' && before.email) throw commonErrors.validation([{ field: 'email', message: 'is required' }]);
      const name = orNull(profile.name);
      const body: Record<string, unknown> = {};
      if (name !== before.name) body.name = name;
      if (emailChanged || profile.email_verified !== before.emailVerified) body.email_verified = profile.email_verified;
      return patch(request, id, body, emailChanged ? { email: profile.email } : {});
    }, profile);
  });

  app.post('/admin/users/:id/verification', { config: adminPage }, async function resendVerification(request, reply) {
    return change(request, reply, 'verification', 'verification', (id) => email.requestVerificationFor(requestContext(request), id));
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

  app.post('/admin/users/:id/sessions/:session_id/revoke', { config: adminPage }, async function revokeUserSession(request, reply) {
    const sessionId = (request.params as Record<string, unknown>).session_id;
    if (typeof sessionId !== 'string' || !isUuid(sessionId)) throw commonErrors.notFound('No such session.');
    const id = pathId(request, 'user');
    // a session that is gone already (or another user's) is a 404 page, like the API's
    await users.revokeSession(requestContext(request), id, sessionId);
    return kit.redirect(reply, withNotice(`/admin/users/${id}`, 'session'));
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
      const r = consoleRefusal(error, kit.translator(request));
      if (r.status === 404) throw error;
      return showUser(request, reply, id, r.status, { form: 'delete', errors: r.errors, headers: r.headers });
    }
    return kit.redirect(reply, withNotice('/admin', 'deleted'));
  });
};
