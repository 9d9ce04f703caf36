import fastifyCookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { commonErrors, DomainError } from '../errors.js';
import { sessionsErrors } from '../sessions/sessions-errors.js';
import { preparedProblem } from '../http/error-handler.js';
import { errorResponses } from '../http/schema-helpers.js';
import { toUserView } from '../users/users-schemas.js';
import { bearerToken, principalOf, requestContext } from '../http/route-guard.js';
import {
  ChangePasswordBody,
  DeleteAccountBody,
  IntrospectBody,
  IntrospectResponse,
  LoginBody,
  MfaRequiredResponse,
  RefreshBody,
  RegisterBody,
  RegisteredPendingVerification,
  TokenResponse,
} from './auth-schemas.js';
import { isSecondStep, type AuthService, type TokenGrant } from './auth-service.js';
import { sendGrant as sendTokenResponse } from './token-response.js';
import { constantTimeEqual } from '../security/tokens.js';
import type { RefreshCookie } from './refresh-cookie.js';

export interface AuthRoutesOptions {
  auth: AuthService;
  cookie: RefreshCookie;
  /** INTROSPECTION_TOKEN: the bearer secret of /introspect; null = the endpoint is off (404) */
  introspectionToken: string | null;
}

const tags = ['auth'];

const refuseBusy = preparedProblem(commonErrors.serverBusy(1));

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { auth, cookie, introspectionToken }) => {
  // the refresh cookie is read and set by these routes only: its hooks run for nothing elsewhere
  await app.register(fastifyCookie);
  function sendGrant(reply: FastifyReply, grant: TokenGrant, status = 200) {
    return sendTokenResponse(reply, cookie, grant, status);
  }

  app.post('/register', {
    schema: {
      tags,
      summary: 'Create an account with email and password',
      body: RegisterBody,
      response: { 201: Type.Union([TokenResponse, RegisteredPendingVerification]), ...errorResponses(400, 403, 409, 422, 429, 503) },
    },
    // onRequest: docs/api.md puts this 403 before any 400, a body that is not even JSON included
    onRequest: async function registrationOpen() {
      auth.assertRegistrationOpen();
    },
  }, async function register(request, reply) {
    const { grant, user } = await auth.register(requestContext(request), request.body);
    if (!grant) return reply.status(201).send({ user: toUserView(user) });
    return sendGrant(reply, grant, 201);
  });

  app.post('/login', {
    // the API-wide limit is counted by the service, with the sign-in limits, in one round trip
    config: { apiLimitInService: true },
    schema: {
      tags,
      summary: 'Sign in with email or username and password',
      description: 'For a user with MFA (docs/security.md) a right password answers `mfa_required` with an `mfa_token` instead: finish at POST /login/mfa.',
      body: LoginBody,
      response: { 200: Type.Union([TokenResponse, MfaRequiredResponse]), ...errorResponses(400, 401, 403, 423, 429, 503) },
    },
    // during a sign-in storm most attempts are refused: refuse them before the body is read, so
    // the refusals cost the event loop as little as possible (the service checks again)
    onRequest: async function refuseWhenHashingIsFull(_request, reply) {
      if (auth.hashQueueFull) return refuseBusy(reply);
    },
    // `login` (or its alias `email`) is required, which the schema cannot say without a union whose
    // errors would read worse: checked before it, so `{}` names both missing fields
    preValidation: async function requireLogin(request) {
      const body = request.body as Record<string, unknown> | undefined;
      if (typeof body !== 'object' || body === null || Array.isArray(body) || body.login !== undefined || body.email !== undefined) return;
      const errors = [{ field: 'login', message: 'is required' }];
      if (body.password === undefined) errors.push({ field: 'password', message: 'is required' });
      throw commonErrors.validation(errors);
    },
  }, async function login(request, reply) {
    // present: checked in preValidation
    const login = (request.body.login ?? request.body.email)!;
    const outcome = await auth.login(requestContext(request), { login, password: request.body.password });
    // a second step follows: no session, no token, no cookie yet
    if (isSecondStep(outcome)) return reply.send({ mfa_required: true as const, mfa_token: outcome.mfaToken, methods: outcome.methods });
    return sendGrant(reply, outcome);
  });

  app.post('/refresh', {
    schema: {
      tags,
      summary: 'Rotate the refresh token (cookie or body) and get a new access token',
      body: RefreshBody,
      response: { 200: TokenResponse, ...errorResponses(401, 403, 429) },
    },
  }, async function refresh(request, reply) {
    const fromBody = request.body?.refresh_token;
    let token = fromBody ?? null;
    if (!token) {
      token = cookie.read(request);
      if (token) cookie.assertOrigin(request);
    }
    // no token at all is a failed authentication like a wrong one (docs/api.md lists only 401 here)
    if (!token) throw sessionsErrors.invalidRefreshToken();
    try {
      return sendGrant(reply, await auth.refresh(requestContext(request), token));
    } catch (error) {
      if (error instanceof DomainError && error.status === 401) cookie.clear(reply);
      throw error;
    }
  });

  app.post('/logout', {
    config: { auth: 'optional' },
    schema: { tags, summary: 'End the current session (bearer token or refresh cookie)', body: RefreshBody, response: { 204: { type: 'null' }, ...errorResponses(403) } },
  }, async function logout(request, reply) {
    // the Origin check guards the ambient cookie only: a token in the body is not subject to it
    const fromBody = request.body?.refresh_token || null;
    const fromCookie = request.principal || fromBody ? null : cookie.read(request);
    if (fromCookie) cookie.assertOrigin(request);
    await auth.logout(requestContext(request), { principal: request.principal, refreshToken: fromBody ?? fromCookie });
    cookie.clear(reply);
    return reply.status(204).send();
  });

  app.post('/logout-all', {
    config: { auth: 'required' },
    schema: { tags, summary: 'End every session of the user', security: [{ bearer: [] }], response: { 204: { type: 'null' }, ...errorResponses(401) } },
  }, async function logoutAll(request, reply) {
    await auth.logoutAll(requestContext(request), principalOf(request));
    cookie.clear(reply);
    return reply.status(204).send();
  });

  app.post('/password', {
    config: { auth: 'required' },
    schema: {
      tags,
      summary: 'Change your password (ends every other session)',
      security: [{ bearer: [] }],
      body: ChangePasswordBody,
      response: { 200: TokenResponse, ...errorResponses(400, 401, 403, 422, 503) },
    },
  }, async function changePassword(request, reply) {
    const grant = await auth.changePassword(requestContext(request), principalOf(request), {
      ...(request.body.current_password !== undefined ? { currentPassword: request.body.current_password } : {}),
      newPassword: request.body.new_password,
    });
    return sendGrant(reply, grant);
  });

  app.delete('/account', {
    config: { auth: 'required' },
    schema: {
      tags,
      summary: 'Delete your account (sessions and products go with it; audit rows stay)',
      security: [{ bearer: [] }],
      body: Type.Union([DeleteAccountBody, Type.Null()]),
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 409) },
    },
  }, async function deleteAccount(request, reply) {
    await auth.deleteAccount(requestContext(request), principalOf(request), request.body?.password);
    cookie.clear(reply);
    return reply.status(204).send();
  });

  // RFC 7662 clients send form bodies: they are accepted on this route only. The rest of the API
  // is JSON in (docs/api.md), and a form is what another site can POST without a CORS preflight.
  await app.register(async function introspectionRoute(child) {
    const introspection = child.withTypeProvider<TypeBoxTypeProvider>();
    await introspection.register(formbody);
    introspection.post('/introspect', {
      schema: {
        tags,
        summary: 'RFC 7662 token introspection for back-end services (INTROSPECTION_TOKEN)',
        body: IntrospectBody,
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        response: { 200: IntrospectResponse, ...errorResponses(401, 404) },
      },
      onRequest: async function requireIntrospectionSecret(request) {
        if (!introspectionToken) throw commonErrors.notFound();
        const presented = bearerToken(request);
        if (!presented || !constantTimeEqual(presented, introspectionToken)) throw commonErrors.unauthorized('A valid introspection token is required.');
      },
    }, async function introspect(request) {
      const principal = await auth.authenticate(request.body.token);
      if (!principal) return { active: false };
      const { token } = principal;
      return { active: true, sub: principal.userId, sid: principal.sessionId, exp: token.exp, iat: token.iat, roles: [...principal.roles], permissions: [...principal.permissions].sort(), token_type: 'access_token' as const };
    });
  });
};
