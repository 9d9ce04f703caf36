/**
 * GET and PATCH /api/v1/auth/me (docs/api.md): the signed-in user's own profile. No cookies here (only
 * the token lifecycle routes read or set the refresh cookie): GET /me is the hottest route of all,
 * and every hook on it costs on every call.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { commonErrors } from '../errors.js';
import { principalOf, requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import { MeResponse, PatchMeBody, toUserView, UserSchema } from './users-schemas.js';
import type { UserRecord, UsersService } from './users-service.js';

const tags = ['auth'];

// The user record and permission set come from one-second caches and are replaced (never
// mutated) when they change, so the serialised /me body can be kept alongside them: a repeat
// /me skips building and serialising the view.
const meBodies = new WeakMap<UserRecord, { permissions: ReadonlySet<string>; body: string }>();

function meBody(user: UserRecord, permissions: ReadonlySet<string>, serialize: (view: unknown) => string): string {
  const cached = meBodies.get(user);
  if (cached && cached.permissions === permissions) return cached.body;
  const body = serialize({ ...toUserView(user), permissions: [...permissions].sort() });
  meBodies.set(user, { permissions, body });
  return body;
}

export const profileRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  app.get('/me', {
    config: { auth: 'required' },
    schema: { tags, summary: 'The signed-in user and their permissions', security: [{ bearer: [] }], response: { 200: MeResponse, ...errorResponses(401) } },
  }, async function me(request, reply) {
    const p = principalOf(request);
    // the record the guard just checked, from the same one-second cache (deleted meanwhile: 401)
    const user = users.peekCached(p.userId) ?? (await users.getCached(p.userId));
    if (!user) throw commonErrors.unauthorized();
    // serialised by this route's response schema, once per user record and permission set; a
    // string payload with a JSON content type is sent as it is (the typed send expects the view)
    const body = meBody(user, p.permissions, (view) => reply.serialize(view) as string);
    return reply.type('application/json; charset=utf-8').send(body as never);
  });

  app.patch('/me', {
    config: { auth: 'required' },
    schema: { tags, summary: 'Update your profile', security: [{ bearer: [] }], body: PatchMeBody, response: { 200: UserSchema, ...errorResponses(400, 401, 409) } },
  }, async function patchMe(request) {
    const p = principalOf(request);
    const b = request.body;
    const user = await users.updateProfile(requestContext(request), p.userId, {
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.username !== undefined ? { username: b.username } : {}),
      ...(b.avatar_url !== undefined ? { avatarUrl: b.avatar_url } : {}),
    });
    return toUserView(user);
  });
};
