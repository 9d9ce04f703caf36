import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { KeyService } from './key-service.js';

export const jwksRoutes: FastifyPluginAsyncTypebox<{ keys: KeyService }> = async (app, { keys }) => {
  app.get('/.well-known/jwks.json', {
    schema: {
      tags: ['operations'],
      summary: 'Public keys that verify access tokens (active and recently rotated)',
      response: { 200: Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) }) },
    },
  }, async function jwks(_request, reply) {
    reply.header('cache-control', 'public, max-age=300');
    return keys.jwks();
  });
};
