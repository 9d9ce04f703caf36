/**
 * Request and response schemas of /api/v1/products (docs/api.md "Other API"). Bodies are strict; the
 * response is a whitelist built by toProductView. The service re-checks every field
 * (product-fields.ts) — these schemas give the early 400s and the OpenAPI document.
 */
import { Type, type Static } from '@sinclair/typebox';
import { PageQuery } from '../http/pagination.js';
import { Nullable, Timestamp, Uuid } from '../http/schema-helpers.js';
import { CURRENCIES } from './currencies.js';
import { DESCRIPTION_MAX, IMAGE_URL_MAX, MAX_PRICE, PRICE_TEXT_PATTERN, TITLE_MAX } from './product-fields.js';
import type { ProductRecord } from './products-service.js';

const TitleField = Type.String({ minLength: 1, maxLength: TITLE_MAX, pattern: '\\S', description: `1–${TITLE_MAX} characters, not blank` });
const DescriptionField = Type.String({ maxLength: DESCRIPTION_MAX, description: `at most ${DESCRIPTION_MAX} characters` });
const PriceField = Type.Union(
  [
    Type.Number({ minimum: 0, maximum: Number(MAX_PRICE), description: 'at most 2 decimal places (19.999 is refused)' }),
    Type.String({ pattern: PRICE_TEXT_PATTERN, maxLength: 32, description: 'digits with an optional point and 1–2 decimals, e.g. "19.99"' }),
  ],
  { description: `0 to ${MAX_PRICE}, a JSON number or a decimal string with at most 2 decimal places` },
);
const CurrencyField = Type.Unsafe<string>({ type: 'string', enum: [...CURRENCIES], description: 'ISO 4217 code in upper case, e.g. "EUR"' });
const ImageUrlField = Type.String({ format: 'uri', pattern: '^https://', maxLength: IMAGE_URL_MAX, description: 'an https URL' });

export const ProductSchema = Type.Object({
  id: Uuid,
  seller_id: Uuid,
  title: Type.String(),
  description: Nullable(Type.String()),
  price: Type.String({ description: 'decimal string with exactly 2 places, e.g. "19.99"' }),
  currency: Type.String(),
  image_url: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export type ProductView = Static<typeof ProductSchema>;

export function toProductView(p: ProductRecord): ProductView {
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

export const CreateProductBody = Type.Object(
  {
    title: TitleField,
    description: Type.Optional(Nullable(DescriptionField)),
    price: PriceField,
    currency: CurrencyField,
    image_url: Type.Optional(Nullable(ImageUrlField)),
  },
  { additionalProperties: false },
);

export const PatchProductBody = Type.Object(
  {
    title: Type.Optional(TitleField),
    description: Type.Optional(Nullable(DescriptionField)),
    price: Type.Optional(PriceField),
    currency: Type.Optional(CurrencyField),
    image_url: Type.Optional(Nullable(ImageUrlField)),
  },
  { additionalProperties: false },
);

export const ProductListQuery = Type.Object({
  seller_id: Type.Optional(Uuid),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'case-insensitive substring of title or description' })),
  ...PageQuery,
});

export const ProductPage = Type.Object({ items: Type.Array(ProductSchema), next_cursor: Nullable(Type.String()) });
