/**
 * Products (docs/api.md, the products module; roles and permissions): the marketplace example behind the ownership rule. Every
 * path to a product — API now, pages and CLI later — goes through this service, so the checks live
 * here, in docs/api.md's order: permission (403) → fields (400) → existence (404) → ownership (403).
 * Every write records its audit event in the same transaction (docs/security.md); the event is about the
 * seller (user_id) and names who acted (actor_id).
 */
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit-service.js';
import type { Db } from '../db/database-types.js';
import { isForeignKeyViolation } from '../db/sql-errors.js';
import { commonErrors } from '../errors.js';
import { checkProductFields, type ProductFieldsInput } from './product-fields.js';
import { productsErrors } from './products-errors.js';
import type { ProductFilters, ProductPatch, ProductRecord, ProductsRepository } from './products-repository.js';
import { readPage, type Page, type PageRequest } from '../db/keyset.js';
import type { Clock } from '../clock.js';
import type { RequestContext } from '../request-context.js';

export interface ProductsServiceDeps {
  db: Db;
  repo: ProductsRepository;
  audit: AuditService;
  clock: Clock;
}

/** who is acting: a principal's id and the permissions of their current roles */
export interface ProductActor {
  userId: string;
  permissions: ReadonlySet<string>;
}

export const PRODUCTS_WRITE = 'products:write';
export const PRODUCTS_WRITE_ANY = 'products:write:any';

export interface NewProductInput {
  title: string;
  description?: string | null;
  price: number | string;
  currency: string;
  image_url?: string | null;
}

export type ProductPatchInput = ProductFieldsInput;

/** the API names of the fields given in `input`, for the audit trail */
function fieldNames(input: ProductFieldsInput): string[] {
  return (['title', 'description', 'price', 'currency', 'image_url'] as const).filter((k) => input[k] !== undefined);
}

/** may the actor change products at all (their own, or anyone's)? */
export function canWriteProducts(actor: ProductActor): boolean {
  return actor.permissions.has(PRODUCTS_WRITE) || actor.permissions.has(PRODUCTS_WRITE_ANY);
}

/** may the actor change this product: products:write on their own, or products:write:any */
export function canWriteProduct(actor: ProductActor, product: Pick<ProductRecord, 'sellerId'>): boolean {
  return actor.permissions.has(PRODUCTS_WRITE_ANY) || (actor.permissions.has(PRODUCTS_WRITE) && product.sellerId === actor.userId);
}

export class ProductsService {
  constructor(private readonly d: ProductsServiceDeps) {}

  /** whether the database holds products (a start with PRODUCTS off warns that they are not served) */
  async anyStored(): Promise<boolean> {
    return this.d.repo.any(this.d.db);
  }

  /** newest first, one page at a time */
  list(filters: ProductFilters, page: PageRequest): Promise<Page<ProductRecord>> {
    return readPage(page, (after, limit) => this.d.repo.list(this.d.db, { ...filters, limit, after }));
  }

  async get(id: string): Promise<ProductRecord> {
    const product = await this.d.repo.findById(this.d.db, id);
    if (!product) throw productsErrors.notFound();
    return product;
  }

  /** a new product sold by the actor (products:write) */
  async create(ctx: RequestContext, actor: ProductActor, input: NewProductInput): Promise<ProductRecord> {
    if (!actor.permissions.has(PRODUCTS_WRITE)) throw productsErrors.cannotWrite();
    const missing = (['title', 'price', 'currency'] as const).filter((k) => input[k] === undefined);
    if (missing.length > 0) throw commonErrors.validation(missing.map((field) => ({ field, message: 'is required' })));
    const fields = checkProductFields(input);
    const now = new Date(this.d.clock.now());
    try {
      return await this.d.db.transaction().execute(async (tx) => {
        const product = await this.d.repo.insert(tx, {
          id: randomUUID(),
          sellerId: actor.userId,
          title: fields.title!,
          description: fields.description ?? null,
          price: fields.price!,
          currency: fields.currency!,
          imageUrl: fields.imageUrl ?? null,
          createdAt: now,
        });
        await this.d.audit.record(tx, ctx, { type: 'product.created', userId: product.sellerId, data: { product_id: product.id, fields: fieldNames(input) } });
        return product;
      });
    } catch (error) {
      // the seller was deleted after their token was checked (the one foreign key here)
      if (isForeignKeyViolation(error)) throw commonErrors.unauthorized('The account this token belongs to no longer exists.');
      throw error;
    }
  }

  /** changes the fields present in `patch`; an empty patch changes nothing and records nothing */
  async update(ctx: RequestContext, actor: ProductActor, id: string, patch: ProductPatchInput): Promise<ProductRecord> {
    if (!canWriteProducts(actor)) throw productsErrors.cannotWrite();
    const changes: ProductPatch = checkProductFields(patch);
    const names = fieldNames(patch);
    return this.d.db.transaction().execute(async (tx) => {
      const current = await this.d.repo.lockById(tx, id);
      if (!current) throw productsErrors.notFound();
      if (!canWriteProduct(actor, current)) throw productsErrors.notOwner();
      if (names.length === 0) return current;
      const updated = await this.d.repo.update(tx, id, changes, new Date(this.d.clock.now()));
      if (!updated) throw productsErrors.notFound();
      await this.d.audit.record(tx, ctx, { type: 'product.updated', userId: current.sellerId, data: { product_id: id, fields: names } });
      return updated;
    });
  }

  async delete(ctx: RequestContext, actor: ProductActor, id: string): Promise<void> {
    if (!canWriteProducts(actor)) throw productsErrors.cannotWrite();
    await this.d.db.transaction().execute(async (tx) => {
      const current = await this.d.repo.lockById(tx, id);
      if (!current) throw productsErrors.notFound();
      if (!canWriteProduct(actor, current)) throw productsErrors.notOwner();
      await this.d.repo.delete(tx, id);
      await this.d.audit.record(tx, ctx, { type: 'product.deleted', userId: current.sellerId, data: { product_id: id, seller_id: current.sellerId } });
    });
  }
}
export type { ProductRecord } from './products-repository.js';
