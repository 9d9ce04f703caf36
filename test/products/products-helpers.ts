/** Helpers for the product suites: requests as a given user, a product factory, the response whitelist. */
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { bearer } from '../helpers/factories.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface ProductJson {
  id: string;
  seller_id: string;
  title: string;
  description: string | null;
  price: string;
  currency: string;
  image_url: string | null;
  created_at: string;
  updated_at: string;
}

/** the keys of a product in a response, and no others (docs/api.md) */
export const PRODUCT_KEYS = ['created_at', 'currency', 'description', 'id', 'image_url', 'price', 'seller_id', 'title', 'updated_at'];

/** a request under /api/v1 as the holder of `token` (null = anonymous) */
export function call(app: FastifyInstance, token: string | null, method: Method, url: string, payload?: unknown): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url: `/api/v1${url}`,
    headers: token ? bearer(token) : {},
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** creates a product through the API (asserting 201) and returns its JSON */
export async function createProduct(app: FastifyInstance, token: string, fields: Record<string, unknown> = {}): Promise<ProductJson> {
  const res = await call(app, token, 'POST', '/products', { title: 'Lamp', price: '19.99', currency: 'EUR', ...fields });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as ProductJson;
}

/** the fields named in a 400 validation_error, sorted */
export function errorFields(res: LightMyRequestResponse): string[] {
  assert.equal(res.statusCode, 400, res.body);
  const body = res.json() as { code: string; errors: { field: string }[] };
  assert.equal(body.code, 'validation_error');
  return [...new Set(body.errors.map((e) => e.field))].sort();
}
