/**
 * /api/v1/admin/users…: accounts and their sessions, managed by an admin (docs/api.md Admin). The
 * console's user page (pages/admin-users-pages-routes.ts) makes the same changes through the same
 * service methods, so neither can do what the other cannot.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EmailService } from '../email-ownership/email-service.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { DEFAULT_PAGE_LIMIT } from '../http/pagination.js';
import { errorResponses, IdParams } from '../http/schema-helpers.js';
import { SessionList, toSessionView } from '../sessions/sessions-schemas.js';
import type { SignInService } from '../sign-in/sign-in-service.js';
import type { AdminUserPatch, UsersService } from '../users/users-service.js';
import { toUserView, UserSchema } from '../users/users-schemas.js';
import { CreateUserBody, PatchUserBody, UserListQuery, UserPage, UserSessionParams } from './admin-schemas.js';

const tags = ['admin'];
const security = [{ bearer: [] }];
const admin = { auth: 'required', permission: 'users:admin' } as const;

export interface AdminUsersRoutesOptions {
  users: UsersService;
  signIn: SignInService;
  email: Pick<EmailService, 'requestVerificationFor'>;
}

export const adminUsersRoutes: FastifyPluginAsyncTypebox<AdminUsersRoutesOptions> = async (app, { users, signIn, email }) => {
  app.get('/users', {
    config: admin,
    schema: {
      tags,
      summary: 'List users, newest first; q searches email, username and name; role filters by role',
      security,
      querystring: UserListQuery,
      response: { 200: UserPage, ...errorResponses(400, 401, 403) },
    },
  }, async function listUsers(request) {
    const { q, role, limit = DEFAULT_PAGE_LIMIT, cursor } = request.query;
    const { items, nextCursor } = await users.list({ q: q?.trim() || null, role: role ?? null }, { limit, cursor: cursor ?? null });
    return { items: items.map(toUserView), next_cursor: nextCursor };
  });

  app.post('/users', {
    config: admin,
    schema: {
      tags,
      summary: 'Create an account (also when REGISTRATION=closed); roles default to DEFAULT_ROLE',
      security,
      body: CreateUserBody,
      response: { 201: UserSchema, ...errorResponses(400, 401, 403, 409, 422, 503) },
    },
  }, async function createUser(request, reply) {
    const b = request.body;
    const user = await users.createByAdmin(requestContext(request), {
      email: b.email,
      password: b.password,
      username: b.username ?? null,
      name: b.name ?? null,
      ...(b.roles !== undefined ? { roles: b.roles } : {}),
    });
    return reply.status(201).send(toUserView(user));
  });

  app.get('/users/:id', {
    config: admin,
    schema: { tags, summary: 'One user', security, params: IdParams, response: { 200: UserSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async function getUser(request) {
    return toUserView(await users.get(request.params.id));
  });

  app.patch('/users/:id', {
    config: admin,
    schema: {
      tags,
      summary: 'Change name, email, roles, disable, verify the email or set a password (disabling or a new password ends every session)',
      description:
        "A new email is unverified unless email_verified: true comes with it; codes sent to the old address stop working (409 email_taken when another account has it). " +
        "Setting a password, a new email, or adding a role that holds users:admin needs the admin's session to be younger than 10 minutes (else 403 forbidden: sign in again).",
      security,
      params: IdParams,
      body: PatchUserBody,
      response: { 200: UserSchema, ...errorResponses(400, 401, 403, 404, 409, 422, 503) },
    },
  }, async function patchUser(request) {
    const b = request.body;
    const patch: AdminUserPatch = {};
    if (b.name !== undefined) patch.name = b.name;
    if (b.email !== undefined) patch.email = b.email;
    if (b.roles !== undefined) patch.roles = b.roles;
    if (b.disabled !== undefined) patch.disabled = b.disabled;
    if (b.email_verified !== undefined) patch.emailVerified = b.email_verified;
    if (b.password !== undefined) patch.password = b.password;
    await signIn.requireFreshForAdminChange(principalOf(request), request.params.id, {
      password: b.password !== undefined,
      ...(b.roles !== undefined ? { roles: b.roles } : {}),
      ...(b.email !== undefined ? { email: b.email } : {}),
    });
    return toUserView(await users.updateByAdmin(requestContext(request), request.params.id, patch));
  });

  app.delete('/users/:id', {
    config: admin,
    schema: {
      tags,
      summary: 'Delete a user (sessions and products go with it; audit rows stay)',
      security,
      params: IdParams,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async function deleteUser(request, reply) {
    await users.delete(requestContext(request), request.params.id, 'admin');
    return reply.status(204).send();
  });

  app.get('/users/:id/sessions', {
    config: admin,
    schema: {
      tags,
      summary: "A user's live sessions, newest first",
      security,
      params: IdParams,
      response: { 200: SessionList, ...errorResponses(400, 401, 403, 404) },
    },
  }, async function listUserSessions(request) {
    return { items: (await users.liveSessions(request.params.id)).map((s) => toSessionView(s, null)) };
  });

  app.delete('/users/:id/sessions', {
    config: admin,
    schema: {
      tags,
      summary: 'Revoke every session of a user (their access tokens stop working within a second)',
      security,
      params: IdParams,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404) },
    },
  }, async function revokeUserSessions(request, reply) {
    await users.revokeSessions(requestContext(request), request.params.id);
    return reply.status(204).send();
  });

  app.post('/users/:id/verification-email', {
    config: admin,
    schema: {
      tags,
      summary: "Send the verification mail again: a new code and link to the user's address (earlier ones stop working)",
      description: 'Under the same per-account send limit as the user\'s own request (429 rate_limited). An address verified already, or none, is 400 validation_error naming email: there is nothing to send.',
      security,
      params: IdParams,
      response: { 202: { type: 'null' }, ...errorResponses(400, 401, 403, 404, 429) },
    },
  }, async function resendVerificationEmail(request, reply) {
    await email.requestVerificationFor(requestContext(request), request.params.id);
    return reply.status(202).send();
  });

  app.delete('/users/:id/sessions/:session_id', {
    config: admin,
    schema: {
      tags,
      summary: 'Revoke one session of a user (its access tokens stop working within a second)',
      description: "404 not_found for an unknown user, and for a session that is gone or is not this user's.",
      security,
      params: UserSessionParams,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404) },
    },
  }, async function revokeUserSession(request, reply) {
    await users.revokeSession(requestContext(request), request.params.id, request.params.session_id);
    return reply.status(204).send();
  });
};
