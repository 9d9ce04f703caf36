import { sql } from 'kysely';
import type { Executor } from '../db/database-types.js';

export interface ProductRecord {
  id: string;
  sellerId: string;
  title: string;
  description: string | null;
  /** decimal string with exactly two places, e.g. "19.99" (never a float) */
  price: string;
  currency: string;
  imageUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProductListQuery {
  sellerId: string | null;
  q: string | null;
  limit: number;
  after: { createdAt: Date; id: string } | null;
}

export type ProductChanges = Partial<Pick<ProductRecord, 'title' | 'description' | 'price' | 'currency' | 'imageUrl'>>;

function selectProducts(db: Executor) {
  return db
    .selectFrom('products')
    .select(['id', 'seller_id', 'title', 'description', 'currency', 'image_url', 'created_at', 'updated_at'])
    // numeric comes back as text from both engines this way (pg and PGlite parse numerics differently)
    .select(sql<string>`price::text`.as('price'));
}

function toRecord(r: {
  id: string;
  seller_id: string;
  title: string;
  description: string | null;
  price: string;
  currency: string;
  image_url: string | null;
  created_at: Date;
  updated_at: Date;
}): ProductRecord {
  return {
    id: r.id,
    sellerId: r.seller_id,
    title: r.title,
    description: r.description,
    price: r.price,
    currency: r.currency,
    imageUrl: r.image_url,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class ProductsRepository {
  async insert(tx: Executor, p: ProductRecord): Promise<void> {
    await tx
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
        updated_at: p.updatedAt,
      })
      .execute();
  }

  async findById(db: Executor, id: string): Promise<ProductRecord | null> {
    const row = await selectProducts(db).where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async lockById(tx: Executor, id: string): Promise<ProductRecord | null> {
    const row = await selectProducts(tx).where('id', '=', id).forUpdate().executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async update(tx: Executor, id: string, changes: ProductChanges, at: Date): Promise<void> {
    const set: Record<string, unknown> = { updated_at: at };
    if (changes.title !== undefined) set.title = changes.title;
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.price !== undefined) set.price = changes.price;
    if (changes.currency !== undefined) set.currency = changes.currency;
    if (changes.imageUrl !== undefined) set.image_url = changes.imageUrl;
    await tx.updateTable('products').set(set).where('id', '=', id).execute();
  }

  async delete(tx: Executor, id: string): Promise<void> {
    await tx.deleteFrom('products').where('id', '=', id).execute();
  }

  async list(db: Executor, query: ProductListQuery): Promise<ProductRecord[]> {
    let q = selectProducts(db);
    if (query.sellerId) q = q.where('seller_id', '=', query.sellerId);
    if (query.q) {
      const pattern = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb(sql`lower(title)`, 'like', pattern), eb(sql`lower(description)`, 'like', pattern)]));
    }
    if (query.after) {
      const { createdAt, id } = query.after;
      q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toRecord);
  }
}
