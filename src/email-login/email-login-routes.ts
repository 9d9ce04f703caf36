/**
 * Sign-in by emailed code under /api/v1/auth (registered only when EMAIL_LOGIN=on: off, they
 * answer 404 like any unknown path). Success answers the token response with its refresh cookie,
 * as POST /login does, or — for a user with MFA — the same `mfa_required` answer, finished at
 * POST /login/mfa. The emailed link's page is one of the pages (src/pages/email-login-pages-routes.ts).
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { MfaRequiredResponse, TokenResponse } from '../auth/auth-schemas.js';
import { isSecondStep } from '../auth/auth-service.js';
import type { RefreshCookie } from '../auth/refresh-cookie.js';
import { sendGrant } from '../auth/token-response.js';
import { Accepted } from '../email-ownership/email-schemas.js';
import { requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import { EmailLoginBody, EmailLoginRequestBody } from './email-login-schemas.js';
import type { EmailLoginService } from './email-login-service.js';

const tags = ['auth'];

export const emailLoginRoutes: FastifyPluginAsyncTypebox<{ emailLogin: EmailLoginService; cookie: RefreshCookie }> = async (app, { emailLogin, cookie }) => {
  await app.register(fastifyCookie);

  app.post('/email-login/request', {
    schema: {
      tags,
      summary: 'Email a sign-in code and link (202 whatever the address)',
      description: 'Only an account whose address is verified and that is not disabled gets mail; the code and link are valid 15 minutes and together good for one sign-in. A new request voids the earlier ones.',
      body: EmailLoginRequestBody,
      response: { 202: Accepted, ...errorResponses(400, 429) },
    },
  }, async function requestEmailLogin(request, reply) {
    await emailLogin.request(requestContext(request), request.body.email);
    return reply.status(202).send();
  });

  app.post('/email-login', {
    schema: {
      tags,
      summary: 'Sign in with the emailed code',
      description: 'A wrong code (also for an unknown address) answers 400 invalid_code; the fifth voids it (429 too_many_attempts); an expired one 400 code_expired. For a user with MFA the answer is `mfa_required`: finish at POST /login/mfa.',
      body: EmailLoginBody,
      response: { 200: Type.Union([TokenResponse, MfaRequiredResponse]), ...errorResponses(400, 403, 429) },
    },
  }, async function emailLoginWithCode(request, reply) {
    const outcome = await emailLogin.signInWithCode(requestContext(request), { email: request.body.email, code: request.body.code });
    // a second step follows: no session, no token, no cookie yet
    if (isSecondStep(outcome)) return reply.send({ mfa_required: true as const, mfa_token: outcome.mfaToken, methods: outcome.methods });
    return sendGrant(reply, cookie, outcome);
  });
};
