import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { principalOf } from '../auth/auth-guard.js';
import { HelloResponse } from '../auth/auth-schemas.js';
import { errorResponses } from '../http/schema-helpers.js';

export const helloRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/hello', {
    config: { auth: 'required' },
    schema: { tags: ['hello'], summary: 'A greeting for any signed-in user', security: [{ bearer: [] }], response: { 200: HelloResponse, ...errorResponses(401) } },
  }, async function hello(request) {
    return { message: 'hello world', user_id: principalOf(request).userId };
  });
};
