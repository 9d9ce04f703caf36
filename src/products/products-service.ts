/**
 * Products: the marketplace example behind the ownership rules. Every path to a product (API,
 * pages, imports) goes through this service, so the rule lives once: `products:write` lets a
 * seller change their own products, `products:write:any` any product. Unknown ids are 404 before
 * ownership is judged (SPEC §2 order of checks). Prices stay decimal strings end to end.
 */
import { randomUUID } from 'node:crypto';
import type { AuditService, RequestContext } from '../audit/audit-service.js';
import type { Clock } from '../cache/ephemeral-store.js';
import type { Db } from '../db/database-types.js';
import { commonErrors } from '../errors.js';
import { CURRENCIES } from './currencies.js';
import { productsErrors } from './products-errors.js';
import type { ProductChanges, ProductListQuery, ProductRecord, ProductsRepository } from './products-repository.js';

export interface ProductsServiceDeps {
  db: Db;
  repo: ProductsRepository;
  audit: AuditService;
  clock: Clock;
}

/** who is acting, with the permissions resolved for this request */
export interface Actor {
  userId: string;
  permissions: ReadonlySet<string>;
}

export interface ProductInput {
  title: string;
  description?: string | null;
  price: number | string;
  currency: string;
  imageUrl?: string | null;
}

export type ProductPatch = Partial<ProductInput>;

const PRICE = /^0*(\d{1,8})(?:\.(\d{1,2}))?$/;

/** "19.9" / 19.9 → "19.90"; more than two decimals, negatives, exponents or > 99999999.99 → 400 */
export function normalizePrice(value: number | string): string {
  const text = typeof value === 'number' ? (Number.isFinite(value) && value >= 0 ? String(value) : '') : value.trim();
  const m = PRICE.exec(text);
  if (!m) {
    throw commonErrors.validation([{ field: 'price', message: 'must be a decimal between 0 and 99999999.99 with at most 2 decimals' }]);
  }
  return `${m[1]}.${(m[2] ?? '').padEnd(2, '0')}`;
}

export function normalizeCurrency(value: string): string {
  if (!CURRENCIES.has(value)) {
    throw commonErrors.validation([{ field: 'currency', message: 'must be an ISO 4217 currency code in upper case, e.g. EUR' }]);
  }
  return value;
}

export class ProductsService {
  constructor(private readonly d: ProductsServiceDeps) {}

  list(query: ProductListQuery): Promise<ProductRecord[]> {
    return this.d.repo.list(this.d.db, query);
  }

  async get(id: string): Promise<ProductRecord> {
    const product = await this.d.repo.findById(this.d.db, id);
    if (!product) throw productsErrors.notFound();
    return product;
  }

  async create(ctx: RequestContext, actor: Actor, input: ProductInput): Promise<ProductRecord> {
    if (!actor.permissions.has('products:write')) throw commonErrors.forbidden();
    const now = new Date(this.d.clock.now());
    const product: ProductRecord = {
      id: randomUUID(),
      sellerId: actor.userId,
      title: input.title,
      description: input.description ?? null,
      price: normalizePrice(input.price),
      currency: normalizeCurrency(input.currency),
      imageUrl: input.imageUrl ?? null,
      createdAt: now,
      updatedAt: now,
    };
    await this.d.db.transaction().execute(async (tx) => {
      await this.d.repo.insert(tx, product);
      await this.d.audit.record(tx, ctx, { type: 'product.created', userId: product.sellerId, data: { product_id: product.id } });
    });
    return product;
  }

  async update(ctx: RequestContext, actor: Actor, id: string, patch: ProductPatch): Promise<ProductRecord> {
    const changes: ProductChanges = {};
    if (patch.title !== undefined) changes.title = patch.title;
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.price !== undefined) changes.price = normalizePrice(patch.price);
    if (patch.currency !== undefined) changes.currency = normalizeCurrency(patch.currency);
    if (patch.imageUrl !== undefined) changes.imageUrl = patch.imageUrl;
    await this.d.db.transaction().execute(async (tx) => {
      const product = await this.d.repo.lockById(tx, id);
      if (!product) throw productsErrors.notFound();
      this.#assertMayChange(actor, product);
      await this.d.repo.update(tx, id, changes, new Date(this.d.clock.now()));
      await this.d.audit.record(tx, ctx, {
        type: 'product.updated',
        userId: product.sellerId,
        data: { product_id: id, fields: Object.keys(changes).map((k) => (k === 'imageUrl' ? 'image_url' : k)) },
      });
    });
    return this.get(id);
  }

  async delete(ctx: RequestContext, actor: Actor, id: string): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      const product = await this.d.repo.lockById(tx, id);
      if (!product) throw productsErrors.notFound();
      this.#assertMayChange(actor, product);
      await this.d.repo.delete(tx, id);
      await this.d.audit.record(tx, ctx, { type: 'product.deleted', userId: product.sellerId, data: { product_id: id, seller_id: product.sellerId } });
    });
  }

  #assertMayChange(actor: Actor, product: ProductRecord): void {
    if (actor.permissions.has('products:write:any')) return;
    if (actor.permissions.has('products:write') && product.sellerId === actor.userId) return;
    throw productsErrors.notOwner();
  }
}
