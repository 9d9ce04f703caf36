/**
 * SQL for products. Prices go in as text and come back as `price::text` (numeric(10,2) renders
 * with exactly two decimals, and neither pg nor PGlite gets a chance to turn it into a float).
 */
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Executor, ProductsTable } from '../db/database-types.js';
import { olderThan, type KeysetPosition } from '../db/keyset.js';

export interface ProductRecord {
  id: string;
  sellerId: string;
  title: string;
  description: string | null;
  /** decimal text with exactly two places, e.g. "19.99" */
  price: string;
  currency: string;
  imageUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewProduct {
  id: string;
  sellerId: string;
  title: string;
  description: string | null;
  price: string;
  currency: string;
  imageUrl: string | null;
  createdAt: Date;
}

export interface ProductPatch {
  title?: string;
  description?: string | null;
  price?: string;
  currency?: string;
  imageUrl?: string | null;
}

export interface ProductFilters {
  sellerId: string | null;
  /** case-insensitive substring of title or description */
  q: string | null;
}

export interface ProductListQuery extends ProductFilters {
  limit: number;
  after: KeysetPosition | null;
}

const columns = [
  'products.id',
  'products.seller_id',
  'products.title',
  'products.description',
  sql<string>`products.price::text`.as('price'),
  'products.currency',
  'products.image_url',
  'products.created_at',
  'products.updated_at',
] as const;

function toRecord(row: Selectable<ProductsTable>): ProductRecord {
  return {
    id: row.id,
    sellerId: row.seller_id,
    title: row.title,
    description: row.description,
    price: row.price,
    currency: row.currency,
    imageUrl: row.image_url,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** a LIKE pattern matching `text` literally anywhere (escapes \, % and _) */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class ProductsRepository {
  /** whether any product is stored */
  async any(db: Executor): Promise<boolean> {
    return (await db.selectFrom('products').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  async findById(db: Executor, id: string): Promise<ProductRecord | null> {
    const row = await db.selectFrom('products').select(columns).where('products.id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** reads the product and locks its row until the transaction ends */
  async lockById(tx: Executor, id: string): Promise<ProductRecord | null> {
    const row = await tx.selectFrom('products').select(columns).where('products.id', '=', id).forUpdate().executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async insert(tx: Executor, p: NewProduct): Promise<ProductRecord> {
    const row = await tx
      .insertInto('products')
      .values({
        id: p.id,
        seller_id: p.sellerId,
        title: p.title,
        description: p.description,
        price: p.price,
        currency: p.currency,
        image_url: p.imageUrl,
        created_at: p.createdAt,
        updated_at: p.createdAt,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  async update(tx: Executor, id: string, patch: ProductPatch, at: Date): Promise<ProductRecord | null> {
    const set: Record<string, unknown> = { updated_at: at };
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.price !== undefined) set.price = patch.price;
    if (patch.currency !== undefined) set.currency = patch.currency;
    if (patch.imageUrl !== undefined) set.image_url = patch.imageUrl;
    const row = await tx.updateTable('products').set(set).where('products.id', '=', id).returning(columns).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async delete(tx: Executor, id: string): Promise<boolean> {
    const result = await tx.deleteFrom('products').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** newest first by (created_at, id), starting after `query.after` */
  async list(db: Executor, query: ProductListQuery): Promise<ProductRecord[]> {
    let q = db.selectFrom('products').select(columns);
    if (query.sellerId) q = q.where('products.seller_id', '=', query.sellerId);
    if (query.q) {
      const pattern = containsPattern(query.q);
      q = q.where((eb) => eb.or([eb('products.title', 'ilike', pattern), eb('products.description', 'ilike', pattern)]));
    }
    if (query.after) q = q.where(olderThan('products.created_at', 'products.id', query.after));
    const rows = await q.orderBy('products.created_at', 'desc').orderBy('products.id', 'desc').limit(query.limit).execute();
    return rows.map(toRecord);
  }
}
