/**
 * /api/v1/products (docs/api.md "Other API"). The guard checks the route's permission before the body
 * is read (401 → 403 → 400); the service checks fields, existence and ownership (→ 404 → 403).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { principalOf, requestContext } from '../http/route-guard.js';
import { commonErrors } from '../errors.js';
import { DEFAULT_PAGE_LIMIT } from '../http/pagination.js';
import { errorResponses, IdParams } from '../http/schema-helpers.js';
import { CreateProductBody, PatchProductBody, ProductListQuery, ProductPage, ProductSchema, toProductView } from './products-schemas.js';
import { canWriteProducts, type ProductActor, type ProductsService } from './products-service.js';

const tags = ['products'];
const security = [{ bearer: [] }];
const read = { auth: 'required', permission: 'products:read' } as const;
const write = { auth: 'required', permission: 'products:write' } as const;
/**
 * PATCH and DELETE need products:write (own products) or products:write:any (docs/api.md): a role may
 * hold only the latter. The guard takes one permission, so this route hook (run after the guard,
 * still before the body is validated) accepts either; the service then checks ownership.
 */
const changeAny = { auth: 'required' } as const;
async function requireProductWrite(request: FastifyRequest): Promise<void> {
  if (!canWriteProducts(principalOf(request))) throw commonErrors.forbidden();
}

function actorOf(request: FastifyRequest): ProductActor {
  const p = principalOf(request);
  return { userId: p.userId, permissions: p.permissions };
}

export const productsRoutes: FastifyPluginAsyncTypebox<{ products: ProductsService }> = async (app, { products }) => {
  app.get('/products', {
    config: read,
    schema: {
      tags,
      summary: 'List products, newest first; filter by seller_id, search title and description with q',
      security,
      querystring: ProductListQuery,
      response: { 200: ProductPage, ...errorResponses(400, 401, 403) },
    },
  }, async function listProducts(request) {
    const { seller_id: sellerId, q, limit = DEFAULT_PAGE_LIMIT, cursor } = request.query;
    const { items, nextCursor } = await products.list({ sellerId: sellerId ?? null, q: q?.trim() || null }, { limit, cursor: cursor ?? null });
    return { items: items.map(toProductView), next_cursor: nextCursor };
  });

  app.post('/products', {
    config: write,
    schema: {
      tags,
      summary: 'Create a product sold by you',
      security,
      body: CreateProductBody,
      response: { 201: ProductSchema, ...errorResponses(400, 401, 403) },
    },
  }, async function createProduct(request, reply) {
    const product = await products.create(requestContext(request), actorOf(request), request.body);
    return reply.status(201).send(toProductView(product));
  });

  app.get('/products/:id', {
    config: read,
    schema: { tags, summary: 'One product', security, params: IdParams, response: { 200: ProductSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async function getProduct(request) {
    return toProductView(await products.get(request.params.id));
  });

  app.patch('/products/:id', {
    config: changeAny,
    onRequest: requireProductWrite,
    schema: {
      tags,
      summary: 'Change a product (yours with products:write, anyone’s with products:write:any)',
      security,
      params: IdParams,
      body: PatchProductBody,
      response: { 200: ProductSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async function patchProduct(request) {
    return toProductView(await products.update(requestContext(request), actorOf(request), request.params.id, request.body));
  });

  app.delete('/products/:id', {
    config: changeAny,
    onRequest: requireProductWrite,
    schema: {
      tags,
      summary: 'Delete a product (yours with products:write, anyone’s with products:write:any)',
      security,
      params: IdParams,
      response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404) },
    },
  }, async function deleteProduct(request, reply) {
    await products.delete(requestContext(request), actorOf(request), request.params.id);
    return reply.status(204).send();
  });
};
