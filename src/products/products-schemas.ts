import { Type } from '@sinclair/typebox';
import { PageQuery } from '../http/pagination.js';
import { Nullable, Timestamp, Uuid } from '../http/schema-helpers.js';
import type { ProductRecord } from './products-repository.js';

export const ProductSchema = Type.Object({
  id: Uuid,
  seller_id: Uuid,
  title: Type.String(),
  description: Nullable(Type.String()),
  price: Type.String({ description: 'decimal with exactly two places, e.g. "19.99"' }),
  currency: Type.String({ description: 'ISO 4217 code, e.g. EUR' }),
  image_url: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function toProductView(p: ProductRecord) {
  return {
    id: p.id,
    seller_id: p.sellerId,
    title: p.title,
    description: p.description,
    price: p.price,
    currency: p.currency,
    image_url: p.imageUrl,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

const Title = Type.String({ minLength: 1, maxLength: 200 });
const Description = Nullable(Type.String({ maxLength: 5000 }));
const Price = Type.Union([Type.Number({ minimum: 0 }), Type.String({ maxLength: 20 })], { description: 'a number or a decimal string with at most 2 decimals, 0..99999999.99' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, upper case' });
const ImageUrl = Nullable(Type.String({ format: 'uri', pattern: '^https://', maxLength: 2048 }));

export const CreateProductBody = Type.Object(
  { title: Title, description: Type.Optional(Description), price: Price, currency: Currency, image_url: Type.Optional(ImageUrl) },
  { additionalProperties: false },
);

export const PatchProductBody = Type.Object(
  { title: Type.Optional(Title), description: Type.Optional(Description), price: Type.Optional(Price), currency: Type.Optional(Currency), image_url: Type.Optional(ImageUrl) },
  { additionalProperties: false },
);

export const ProductListQuery = Type.Object({
  ...PageQuery,
  seller_id: Type.Optional(Uuid),
  q: Type.Optional(Type.String({ maxLength: 200 })),
});

export const ProductPage = Type.Object({ items: Type.Array(ProductSchema), next_cursor: Nullable(Type.String()) });
