import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { principalOf, requestContext } from '../auth/auth-guard.js';
import { decodeCursor, page } from '../http/pagination.js';
import { errorResponses, IdParams } from '../http/schema-helpers.js';
import { CreateProductBody, PatchProductBody, ProductListQuery, ProductPage, ProductSchema, toProductView } from './products-schemas.js';
import type { ProductPatch, ProductsService } from './products-service.js';

const tags = ['products'];
const security = [{ bearer: [] }];

export const productsRoutes: FastifyPluginAsyncTypebox<{ products: ProductsService }> = async (app, { products }) => {
  app.get('/products', {
    config: { auth: 'required', permission: 'products:read' },
    schema: { tags, summary: 'Products, newest first; filter by seller_id and q', security, querystring: ProductListQuery, response: { 200: ProductPage, ...errorResponses(400, 401, 403) } },
  }, async function listProducts(request) {
    const { limit, cursor, seller_id, q } = request.query;
    const rows = await products.list({ sellerId: seller_id ?? null, q: q?.trim() || null, limit: limit + 1, after: decodeCursor(cursor) });
    const { items, nextCursor } = page(rows, limit);
    return { items: items.map(toProductView), next_cursor: nextCursor };
  });

  app.post('/products', {
    config: { auth: 'required', permission: 'products:write' },
    schema: { tags, summary: 'Create a product you sell', security, body: CreateProductBody, response: { 201: ProductSchema, ...errorResponses(400, 401, 403) } },
  }, async function createProduct(request, reply) {
    const p = principalOf(request);
    const b = request.body;
    const product = await products.create(requestContext(request), { userId: p.userId, permissions: p.permissions }, {
      title: b.title,
      description: b.description ?? null,
      price: b.price,
      currency: b.currency,
      imageUrl: b.image_url ?? null,
    });
    return reply.status(201).send(toProductView(product));
  });

  app.get('/products/:id', {
    config: { auth: 'required', permission: 'products:read' },
    schema: { tags, summary: 'One product', security, params: IdParams, response: { 200: ProductSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async function getProduct(request) {
    return toProductView(await products.get(request.params.id));
  });

  app.patch('/products/:id', {
    config: { auth: 'required', permission: 'products:write' },
    schema: { tags, summary: 'Change your product (any product with products:write:any)', security, params: IdParams, body: PatchProductBody, response: { 200: ProductSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async function patchProduct(request) {
    const p = principalOf(request);
    const b = request.body;
    const patch: ProductPatch = {};
    if (b.title !== undefined) patch.title = b.title;
    if (b.description !== undefined) patch.description = b.description;
    if (b.price !== undefined) patch.price = b.price;
    if (b.currency !== undefined) patch.currency = b.currency;
    if (b.image_url !== undefined) patch.imageUrl = b.image_url;
    return toProductView(await products.update(requestContext(request), { userId: p.userId, permissions: p.permissions }, request.params.id, patch));
  });

  app.delete('/products/:id', {
    config: { auth: 'required', permission: 'products:write' },
    schema: { tags, summary: 'Delete your product (any product with products:write:any)', security, params: IdParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404) } },
  }, async function deleteProduct(request, reply) {
    const p = principalOf(request);
    await products.delete(requestContext(request), { userId: p.userId, permissions: p.permissions }, request.params.id);
    return reply.status(204).send();
  });
};
