/**
 * The products module's wiring (PRODUCTS=on serves it). A deployment that ran the shop and upgraded
 * without setting PRODUCTS: nothing is deleted, but its products are no longer served, so the
 * start says why.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import { ProductsRepository } from './products-repository.js';
import { ProductsService } from './products-service.js';

export interface ProductsWiring {
  db: Db;
  audit: AuditService;
  clock: Clock;
  config: Pick<Config, 'products'>;
  warn(message: string): void;
}

export async function wireProducts({ db, audit, clock, config, warn }: ProductsWiring): Promise<ProductsService> {
  const products = new ProductsService({ db, repo: new ProductsRepository(), audit, clock });
  if (config.products !== 'on' && (await products.anyStored())) {
    warn('PRODUCTS is off but the database holds products: /api/v1/products and /products answer 404 and the products:* permissions are inert; set PRODUCTS=on to serve them again');
  }
  return products;
}
