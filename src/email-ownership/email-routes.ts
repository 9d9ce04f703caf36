/**
 * The email endpoints (docs/api.md): verification and email change under /api/v1/auth (the password
 * reset's are password-reset-routes.ts). Each calls one EmailService method. The page the verification link opens (GET
 * /verify-email?token=) is one of the pages (src/pages/public-pages-routes.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { principalOf, requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import { toUserView, UserSchema } from '../users/users-schemas.js';
import { Accepted, CodeBody, EmailChangeBody } from './email-schemas.js';
import type { EmailService } from './email-service.js';

const tags = ['email'];
const bearer = [{ bearer: [] }];

/** the API's routes, under /api/v1/auth */
export const emailRoutes: FastifyPluginAsyncTypebox<{ email: EmailService }> = async (app, { email }) => {
  app.post('/email/verify/request', {
    config: { auth: 'required' },
    schema: { tags, summary: 'Email a new verification code and link', security: bearer, response: { 202: Accepted, ...errorResponses(401, 429) } },
  }, async function requestVerification(request, reply) {
    await email.requestVerification(requestContext(request), principalOf(request));
    return reply.status(202).send();
  });

  app.post('/email/verify', {
    config: { auth: 'required' },
    schema: { tags, summary: 'Verify the email address with the emailed code', security: bearer, body: CodeBody, response: { 200: UserSchema, ...errorResponses(400, 401, 429) } },
  }, async function verifyEmail(request) {
    return toUserView(await email.verifyByCode(requestContext(request), principalOf(request), request.body.code));
  });

  app.post('/email/change/request-code', {
    config: { auth: 'required' },
    schema: {
      tags,
      summary: 'Password-less accounts: email a code to the current address, to prove it before changing it',
      security: bearer,
      response: { 202: Accepted, ...errorResponses(400, 401, 429) },
    },
  }, async function requestCurrentEmailCode(request, reply) {
    await email.requestCurrentEmailCode(requestContext(request), principalOf(request));
    return reply.status(202).send();
  });

  app.post('/email/change', {
    config: { auth: 'required' },
    schema: {
      tags,
      summary: 'Start an email change: a code goes to the new address',
      security: bearer,
      body: EmailChangeBody,
      response: { 202: Accepted, ...errorResponses(400, 401, 403, 409, 423, 429) },
    },
  }, async function requestEmailChange(request, reply) {
    const b = request.body;
    await email.requestEmailChange(requestContext(request), principalOf(request), {
      newEmail: b.new_email,
      ...(b.password !== undefined ? { password: b.password } : {}),
      ...(b.current_email_code !== undefined ? { currentEmailCode: b.current_email_code } : {}),
    });
    return reply.status(202).send();
  });

  app.post('/email/change/confirm', {
    config: { auth: 'required' },
    schema: { tags, summary: 'Confirm the new address with its code', security: bearer, body: CodeBody, response: { 200: UserSchema, ...errorResponses(400, 401, 409, 429) } },
  }, async function confirmEmailChange(request) {
    return toUserView(await email.confirmEmailChange(requestContext(request), principalOf(request), request.body.code));
  });
};
