/**
 * The password reset endpoints (docs/api.md) under /api/v1/auth. Each calls one PasswordResetService
 * method. The pages' forms (/forgot-password, /reset-password) call the same methods
 * (src/pages/public-pages-routes.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import { Accepted, PasswordResetBody, PasswordResetConfirmBody } from './email-schemas.js';
import type { PasswordResetService } from './password-reset-service.js';

const tags = ['email'];

/** the API's routes, under /api/v1/auth */
export const passwordResetRoutes: FastifyPluginAsyncTypebox<{ passwordReset: PasswordResetService }> = async (app, { passwordReset }) => {
  app.post('/password-reset', {
    schema: { tags, summary: 'Email a password reset code (202 whether or not the address has an account)', body: PasswordResetBody, response: { 202: Accepted, ...errorResponses(400, 429) } },
  }, async function requestPasswordReset(request, reply) {
    await passwordReset.request(requestContext(request), request.body.email);
    return reply.status(202).send();
  });

  app.post('/password-reset/confirm', {
    schema: {
      tags,
      summary: 'Set a new password with the emailed code (every session ends)',
      body: PasswordResetConfirmBody,
      response: { 204: { type: 'null' }, ...errorResponses(400, 422, 429, 503) },
    },
  }, async function confirmPasswordReset(request, reply) {
    const b = request.body;
    await passwordReset.confirmByCode(requestContext(request), { email: b.email, code: b.code, newPassword: b.new_password });
    return reply.status(204).send();
  });
};
