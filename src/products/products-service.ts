// SKELETON — being implemented (issue 4)
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../cache/ephemeral-store.js';
import type { Db } from '../db/database-types.js';
import type { ProductsRepository } from './products-repository.js';

export interface ProductsServiceDeps {
  db: Db;
  repo: ProductsRepository;
  audit: AuditService;
  clock: Clock;
}

export class ProductsService {
  constructor(private readonly d: ProductsServiceDeps) {}
}
