// SKELETON — being implemented (issue 4)
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ProductsService } from './products-service.js';

export const productsRoutes: FastifyPluginAsyncTypebox<{ products: ProductsService }> = async () => {};
