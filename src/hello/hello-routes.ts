/** GET /api/v1/hello: the smallest protected route (docs/api.md), handy for checking a token works. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../http/route-guard.js';
import { errorResponses, Uuid } from '../http/schema-helpers.js';
import { helloFor } from './hello.js';

const HelloResponse = Type.Object({ message: Type.String(), user_id: Uuid });

export const helloRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/hello', {
    config: { auth: 'required' },
    schema: { tags: ['hello'], summary: 'A greeting for any signed-in user', security: [{ bearer: [] }], response: { 200: HelloResponse, ...errorResponses(401) } },
  }, async function hello(request) {
    const { message, userId } = helloFor(principalOf(request));
    return { message, user_id: userId };
  });
};
